-- ---
-- id: IDP-CONFIRMED
-- title: Identity confirmed compromised by an administrator
-- kind: detection
-- severity: critical
-- techniques: [T1078.004]
-- tactics: [initial-access, persistence]
-- description: >-
--   An administrator marked an identity compromised: a risk detection
--   adminConfirmedUserCompromised (or risk detail adminConfirmedSigninCompromised /
--   adminConfirmedUserCompromised, or state confirmedCompromised), a risky-user record in
--   state confirmedCompromised, or a successful audit ConfirmAccountCompromised /
--   ConfirmCompromised / ConfirmServicePrincipalCompromised. One finding per identity,
--   whichever sources carry it; the admins who confirmed are evidence.
-- why: >-
--   Someone already concluded this identity is in the attacker's hands. It seeds the
--   incident: scope every sign-in, change and token of the identity, and make sure it has
--   been fully remediated.
-- remediation: [disable_account, reset_password, revoke_sessions, require_mfa_reregistration, disable_service_principal]
-- tables: [risk_detections, risky_users, audits]
-- false_positives:
--   - Test confirmations during an Identity Protection pilot
-- references:
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-remediate-unblock
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
-- catalog: [IDP-CONFIRMED]
-- ---
WITH from_detections AS (
  SELECT COALESCE(user_id, user_principal_name) AS ukey, user_principal_name AS identity_name, time, id,
         ip_address, 'risk detection' AS source_kind, CAST(NULL AS VARCHAR) AS confirmed_by,
         CONCAT(risk_event_type, '/', COALESCE(risk_detail, ''), '/', COALESCE(risk_state, '')) AS fact
  FROM user_risk_detections
  WHERE risk_event_type = 'adminConfirmedUserCompromised'
     OR risk_detail IN ('adminConfirmedSigninCompromised', 'adminConfirmedUserCompromised')
     OR risk_state = 'confirmedCompromised'
),
from_risky_users AS (
  SELECT COALESCE(user_id, user_principal_name) AS ukey, user_principal_name AS identity_name, time, id,
         CAST(NULL AS VARCHAR) AS ip_address, 'risky user' AS source_kind, CAST(NULL AS VARCHAR) AS confirmed_by,
         CONCAT('riskyUser ', COALESCE(risk_level, ''), '/', COALESCE(risk_state, ''), '/', COALESCE(risk_detail, '')) AS fact
  FROM risky_users
  WHERE risk_state = 'confirmedCompromised' OR risk_detail = 'adminConfirmedUserCompromised'
),
from_audits AS (
  -- the admin's own IP is not evidence against the identity: leave it out of ips
  SELECT COALESCE(target_id, target_upn, target_name) AS ukey, COALESCE(target_upn, target_name) AS identity_name,
         time, id, CAST(NULL AS VARCHAR) AS ip_address, 'audit' AS source_kind,
         COALESCE(actor_upn, actor_app_name) AS confirmed_by,
         activity AS fact
  FROM audits
  WHERE activity IN ('ConfirmAccountCompromised', 'ConfirmCompromised', 'ConfirmServicePrincipalCompromised')
    AND result = 'success'
),
evidence AS (
  SELECT * FROM from_detections
  UNION ALL
  SELECT * FROM from_risky_users
  UNION ALL
  SELECT * FROM from_audits
),
per_identity AS (
  SELECT ukey,
         MAX(identity_name) AS identity_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT source_kind) AS sources,
         ARRAY_AGG(DISTINCT fact) AS facts,
         STRING_AGG(DISTINCT confirmed_by, ', ' ORDER BY confirmed_by) AS confirmed_by,
         ARRAY_AGG(id) AS record_ids
  FROM evidence
  GROUP BY ukey
)
SELECT first_seen, last_seen,
       COALESCE(identity_name, ukey) AS principals,
       ips,
       evidence_count,
       CONCAT(COALESCE(identity_name, ukey), ' was confirmed compromised by an administrator',
              CASE WHEN confirmed_by IS NULL THEN '' ELSE CONCAT(' (', confirmed_by, ')') END, ': ',
              CAST(evidence_count AS VARCHAR), ' record(s) in ', CAST(ARRAY_LENGTH(sources) AS VARCHAR),
              ' source(s)') AS summary,
       record_ids, sources, facts, confirmed_by
FROM per_identity
