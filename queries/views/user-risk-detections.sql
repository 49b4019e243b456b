-- ---
-- view: user_risk_detections
-- description: >-
--   Identity Protection detections about users: risk_detections without the workload-identity
--   (service principal) detections that share the table. The user-risk rules read this view,
--   so a service principal's detection never becomes a finding with no account; RISKY-SP
--   reports those.
-- tables: [risk_detections]
-- ---
SELECT *
FROM risk_detections
WHERE service_principal_id IS NULL OR user_id IS NOT NULL OR user_principal_name IS NOT NULL
