-- ---
-- id: RISKY-USER-MEDIUM
-- title: User at medium risk and still at risk
-- kind: detection
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   The latest risky-user record of a user (Identity Protection's aggregate verdict) has a
--   risk level in levels (medium by default) and state atRisk: nobody remediated, dismissed
--   or confirmed it. Always low. One finding per user; the risk detections of that user in
--   the window are counted as evidence. Deleted users are kept (is_deleted shows it). The
--   companion of RISKY-USER-HIGH (same logic, levels [high], severity high); a user whose
--   latest record is high is reported there, not here.
-- why: >-
--   Medium user risk is Identity Protection's "possibly compromised": one medium detection
--   (unfamiliar properties, an anonymous IP, atypical travel) that no one looked at. Most
--   are travel or VPNs, but an account left atRisk is either an open compromise or a
--   user-risk policy that is not doing its job; it needs a look, not a 3 a.m. call.
-- remediation: [ask_customer, reset_password, revoke_sessions]
-- tables: [risky_users, risk_detections]
-- params:
--   levels: [medium]
-- false_positives:
--   - Travellers and consumer-VPN users whose medium detections were never reviewed
--   - A risk that was remediated outside Identity Protection (for example an on-premises password reset without password writeback)
-- references:
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-investigate-risk
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-configure-risk-policies
-- ---
WITH keyed AS (
  SELECT *, COALESCE(user_id, user_principal_name) AS ukey,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(user_id, user_principal_name) ORDER BY time DESC) AS rn
  FROM risky_users
),
-- the current state of each user: only the newest record counts
latest AS (
  SELECT * FROM keyed WHERE rn = 1
),
at_risk AS (
  SELECT * FROM latest
  WHERE risk_state = 'atRisk' AND risk_level IN {{levels}}
),
detections AS (
  SELECT COALESCE(user_id, user_principal_name) AS ukey,
         COUNT(*) AS detections,
         ARRAY_AGG(DISTINCT risk_event_type) AS risk_event_types,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         MIN(time) AS first_detection
  FROM user_risk_detections
  GROUP BY COALESCE(user_id, user_principal_name)
)
SELECT CASE WHEN d.first_detection < a.time THEN d.first_detection ELSE a.time END AS first_seen,
       a.time AS last_seen,
       COALESCE(a.user_principal_name, a.ukey) AS principals,
       d.ips,
       1 + COALESCE(d.detections, 0) AS evidence_count,
       CONCAT(COALESCE(a.user_principal_name, a.ukey), ' is at ', a.risk_level, ' user risk and still atRisk (last update ',
              STRFTIME(a.time, '%Y-%m-%d %H:%M'), ' UTC; ', CAST(COALESCE(d.detections, 0) AS VARCHAR),
              ' risk detection(s) in the export)') AS summary,
       a.id AS record_ids,
       a.risk_level, a.risk_state, a.risk_detail, a.is_deleted, a.user_display_name,
       d.risk_event_types, a.user_is_privileged
FROM at_risk a
LEFT JOIN detections d ON a.ukey = d.ukey
