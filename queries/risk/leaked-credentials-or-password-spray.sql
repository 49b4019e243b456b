-- ---
-- id: IDP-CRED
-- title: Identity Protection - leaked credentials or validated password spray
-- kind: detection
-- severity: high
-- techniques: [T1110.003, T1078.004]
-- tactics: [credential-access, initial-access]
-- description: >-
--   Identity Protection risk detections of the credential family: leakedCredentials (the
--   user's current password was found in a leak) and passwordSpray (raised only when the
--   sprayed password was validated). One finding per user and risk type. Detections an
--   admin dismissed or confirmed safe (ignored_states) are skipped; a remediated detection
--   (for example a secure password change) is kept at medium. The user's latest risky-user
--   state, when exported, is shown as evidence.
-- why: >-
--   Both mean an attacker holds the user's working password. Until the password is reset
--   and sessions revoked, the account can be taken over wherever MFA has gaps.
-- remediation: [reset_password, revoke_sessions, confirm_compromised]
-- tables: [risk_detections, risky_users]
-- params:
--   ignored_states: [dismissed, confirmedSafe]
-- false_positives:
--   - A leaked password that the user had already changed before the detection was processed
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-password-spray
-- catalog: [IDP-CRED]
-- ---
WITH hits AS (
  SELECT *,
         COALESCE(user_id, user_principal_name) AS ukey,
         -- remediated (password changed, MFA-driven self-remediation) still means the
         -- password was known; keep it, one step lower
         CASE WHEN risk_state = 'remediated' THEN 2 ELSE 3 END AS sev_rank
  FROM user_risk_detections
  WHERE risk_event_type IN ('leakedCredentials', 'passwordSpray')
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
per_user AS (
  SELECT ukey, risk_event_type,
         MIN(user_principal_name) AS upn,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT risk_level) AS risk_levels,
         ARRAY_AGG(DISTINCT risk_state) AS risk_states,
         ARRAY_AGG(DISTINCT risk_detail) AS risk_details,
         ARRAY_AGG(DISTINCT detection_timing) AS detection_timing,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT request_id) AS signin_request_ids,
         ARRAY_AGG(id) AS record_ids,
         MAX(sev_rank) AS sev_rank,
         MAX(user_is_privileged) AS user_is_privileged
  FROM hits
  GROUP BY ukey, risk_event_type
)
SELECT p.first_seen, p.last_seen,
       COALESCE(p.upn, p.ukey) AS principals,
       p.ips,
       p.evidence_count,
       CONCAT('Identity Protection raised ', p.risk_event_type, ' for ', COALESCE(p.upn, p.ukey), ': ',
              CAST(p.evidence_count AS VARCHAR), ' detection(s)',
              CASE WHEN p.ips IS NULL THEN '' ELSE CONCAT(' from ', p.ips) END,
              CASE WHEN u.user_risk_state IS NULL THEN ''
                   ELSE CONCAT('; user risk now ', COALESCE(u.user_risk_level, '?'), '/', u.user_risk_state) END) AS summary,
       CASE WHEN p.sev_rank >= 3 THEN 'high' ELSE 'medium' END AS severity,
       p.record_ids,
       p.risk_event_type, p.risk_levels, p.risk_states, p.risk_details, p.detection_timing, p.countries,
       p.signin_request_ids, u.user_risk_level, u.user_risk_state, p.user_is_privileged
FROM per_user p
LEFT JOIN latest_user_risk u ON p.ukey = u.ukey
