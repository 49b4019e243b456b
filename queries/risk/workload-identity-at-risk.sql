-- ---
-- id: RISKY-SP
-- title: Workload identity flagged by Identity Protection
-- kind: detection
-- severity: high
-- techniques: [T1078.004, T1098.001]
-- tactics: [initial-access, persistence]
-- description: >-
--   A service principal with an Identity Protection workload-identity detection
--   (ServicePrincipalRiskEvents: leakedCredentials, suspiciousSignins, adminConfirmedServicePrincipalCompromised,
--   investigationsThreatIntelligence, anomalousServicePrincipalActivity …) or whose latest
--   risky-service-principal record (RiskyServicePrincipals) is still atRisk or
--   confirmedCompromised. High for a high detection level or a principal still at high risk
--   or confirmed compromised; medium otherwise; a risk since remediated or dismissed is low.
-- why: >-
--   Workload identities have no MFA and no user to notice: a leaked secret or a sign-in from
--   attacker infrastructure is often only visible here, and the principal's application
--   permissions are what the attacker gets.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets, ask_customer]
-- tables: [risk_detections, risky_service_principals]
-- false_positives:
--   - A detection already investigated and dismissed (rated low)
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-workload-identity-risk
--   - https://learn.microsoft.com/graph/api/resources/serviceprincipalriskdetection
-- catalog: [RISKY-SP]
-- ---
WITH sp_detections AS (
  SELECT service_principal_id AS sp, MIN(service_principal_name) AS name, MIN(app_id) AS app_id,
         MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS detections,
         STRING_AGG(DISTINCT risk_event_type, ', ' ORDER BY risk_event_type) AS risk_event_types,
         MAX(CASE WHEN risk_level = 'high' THEN 1 ELSE 0 END) AS high,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT id, ';' ORDER BY id) AS record_ids
  FROM risk_detections
  WHERE service_principal_id IS NOT NULL AND user_id IS NULL AND user_principal_name IS NULL
  GROUP BY service_principal_id
),
ranked AS (
  SELECT service_principal_id AS sp, service_principal_name AS name, app_id, time, risk_level, risk_state,
         ROW_NUMBER() OVER (PARTITION BY service_principal_id ORDER BY time DESC) AS rn
  FROM risky_service_principals
),
state AS (
  SELECT * FROM ranked WHERE rn = 1
),
joined AS (
  SELECT COALESCE(d.sp, s.sp) AS sp,
         COALESCE(d.name, s.name) AS name,
         COALESCE(d.app_id, s.app_id) AS app_id,
         CASE WHEN d.first_seen IS NULL OR s.time < d.first_seen THEN s.time ELSE d.first_seen END AS first_seen,
         CASE WHEN d.last_seen IS NULL OR s.time > d.last_seen THEN s.time ELSE d.last_seen END AS last_seen,
         COALESCE(d.detections, 0) AS detections,
         d.risk_event_types, d.high, d.ips, d.record_ids,
         s.risk_level AS current_level, s.risk_state AS current_state
  FROM sp_detections d
  FULL JOIN state s ON d.sp = s.sp
)
SELECT first_seen, last_seen,
       COALESCE(name, app_id, sp) AS principals,
       ips,
       detections + CASE WHEN current_state IS NULL THEN 0 ELSE 1 END AS evidence_count,
       CONCAT('Identity Protection flagged the service principal ', COALESCE(name, app_id, sp), ': ',
              CAST(detections AS VARCHAR), ' workload-identity detection(s)',
              CASE WHEN risk_event_types IS NULL THEN '' ELSE CONCAT(' (', risk_event_types, ')') END,
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END,
              '; current state ', CASE WHEN current_state IS NULL THEN 'unknown (no risky-service-principal record)'
                                       ELSE CONCAT(current_state, ' at ', current_level, ' risk') END) AS summary,
       CASE WHEN current_state IN ('remediated', 'dismissed', 'confirmedSafe') THEN 'low'
            WHEN high = 1 OR current_state = 'confirmedCompromised' OR (current_level = 'high' AND current_state = 'atRisk') THEN 'high'
            ELSE 'medium' END AS severity,
       record_ids,
       sp AS service_principal_id, app_id, risk_event_types, current_level, current_state
FROM joined
WHERE detections > 0 OR current_state IN ('atRisk', 'confirmedCompromised')
