-- ---
-- id: POS-PIM-ALERTS
-- title: PIM security alerts raised
-- kind: posture
-- severity: high
-- description: >-
--   Privileged Identity Management alerts seen in the window: risk events whose type ends in
--   AlertIncident (tooManyGlobalAdminsAssignedToTenantAlertIncident,
--   staleSignInAlertIncident, noMfaOnRoleActivationAlertIncident,
--   redundantAssignmentAlertIncident, sequentialActivationRenewalsAlertIncident …) and audit
--   "Triggered PIM alert" records. One finding with the alert types and their counts.
-- why: >-
--   PIM raises these when privileged access drifts from its own policy: too many Global
--   Administrators, admins who never sign in, roles activated without MFA or assigned outside
--   PIM. Each one is a standing weakness an attacker can use.
-- remediation: [remove_role_assignment, review_configuration]
-- tables: [risk_detections, audits]
-- references:
--   - https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-configure-security-alerts
-- baselines: [MS.AAD.7.1v1, MS.AAD.7.4v1, MS.AAD.7.5v1]
-- catalog: [POS-PRIV-HYGIENE]
-- ---
WITH alerts AS (
  SELECT time, id, risk_event_type AS alert FROM risk_detections WHERE risk_event_type ILIKE '%AlertIncident'
  UNION ALL
  SELECT time, id, COALESCE(target_name, result_reason, 'PIM alert') AS alert FROM audits WHERE activity ILIKE 'Triggered PIM alert%'
),
per_alert AS (
  SELECT alert, COUNT(*) AS n, 0 - COUNT(*) AS neg_n, MIN(time) AS first_seen, MAX(time) AS last_seen FROM alerts GROUP BY alert
),
ids AS (
  SELECT ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids FROM alerts
),
agg AS (
  SELECT MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen, SUM(n) AS n, COUNT(*) AS kinds,
         ARRAY_AGG(CONCAT(alert, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, alert) AS alerts
  FROM per_alert
)
SELECT a.first_seen, a.last_seen, CAST(NULL AS VARCHAR) AS principals, CAST(NULL AS VARCHAR) AS ips, a.n AS evidence_count,
       CONCAT('PIM raised ', CAST(a.n AS VARCHAR), CASE WHEN a.n = 1 THEN ' alert' ELSE ' alerts' END, ' of ', CAST(a.kinds AS VARCHAR),
              CASE WHEN a.kinds = 1 THEN ' kind: ' ELSE ' kinds: ' END, ARRAY_TO_STRING(a.alerts, ', ')) AS summary,
       i.record_ids, a.alerts
FROM agg a CROSS JOIN ids i
WHERE a.n > 0
