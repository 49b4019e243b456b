-- ---
-- id: IDP-TOKEN
-- title: Identity Protection - token theft, AiTM, PRT or SAML issuer risk
-- kind: detection
-- severity: high
-- techniques: [T1557, T1550.001, T1606.002, T1528]
-- tactics: [credential-access, defense-evasion]
-- description: >-
--   Identity Protection risk detections of the token family: attackerinTheMiddle (AiTM
--   phishing proxy), anomalousToken (unusual token lifetime or replay from an unfamiliar
--   place), tokenIssuerAnomaly (a SAML token from a possibly compromised federation
--   issuer) and attemptedPrtAccess (an attempt to read the Primary Refresh Token on a
--   device). One finding per user and risk type. Detections an admin dismissed or confirmed
--   safe (ignored_states) are skipped; remediated detections and anomalousToken at low risk
--   (noisy per Microsoft) are medium. The linked sign-in's category (non-interactive means a
--   refresh token was replayed) and the user's latest risky-user state are evidence.
-- why: >-
--   Stolen session and refresh tokens bypass passwords and MFA: resetting the password alone
--   does not evict the attacker. tokenIssuerAnomaly can mean the federation server or its
--   signing certificate is compromised, which affects every federated user.
-- remediation: [revoke_sessions, reset_password, require_mfa_reregistration, remove_device, revert_federation]
-- tables: [risk_detections, signins, risky_users]
-- params:
--   ignored_states: [dismissed, confirmedSafe]
-- false_positives:
--   - anomalousToken at low or medium risk on travelling users with long-lived sessions
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
--   - https://learn.microsoft.com/security/operations/token-theft-playbook
-- catalog: [IDP-TOKEN]
-- ---
WITH hits AS (
  SELECT *,
         COALESCE(user_id, user_principal_name) AS ukey,
         CASE WHEN risk_state = 'remediated' THEN 2
              WHEN risk_event_type = 'anomalousToken' AND risk_level = 'low' THEN 2
              ELSE 3 END AS sev_rank
  FROM user_risk_detections
  WHERE risk_event_type IN ('attackerinTheMiddle', 'anomalousToken', 'tokenIssuerAnomaly', 'attemptedPrtAccess')
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
-- the sign-in each detection refers to (its request id is the sign-in id)
linked AS (
  SELECT DISTINCT s.id AS request_id, s.category AS signin_category, s.app_display_name AS signin_app,
         s.user_agent AS signin_user_agent
  FROM signins s
  JOIN hits h ON s.id = h.request_id
),
per_user AS (
  SELECT h.ukey, h.risk_event_type,
         MIN(h.user_principal_name) AS upn,
         MIN(h.time) AS first_seen,
         MAX(h.time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT h.ip_address, ';' ORDER BY h.ip_address) AS ips,
         ARRAY_AGG(DISTINCT h.risk_level) AS risk_levels,
         ARRAY_AGG(DISTINCT h.risk_state) AS risk_states,
         ARRAY_AGG(DISTINCT h.risk_detail) AS risk_details,
         ARRAY_AGG(DISTINCT h.detection_timing) AS detection_timing,
         ARRAY_AGG(DISTINCT h.country) AS countries,
         ARRAY_AGG(DISTINCT h.token_issuer_type) AS token_issuer_types,
         ARRAY_AGG(DISTINCT l.signin_category) AS signin_categories,
         ARRAY_AGG(DISTINCT l.signin_app) AS signin_apps,
         ARRAY_AGG(DISTINCT l.signin_user_agent) AS signin_user_agents,
         ARRAY_AGG(DISTINCT h.request_id) AS signin_request_ids,
         ARRAY_AGG(h.id) AS record_ids,
         MAX(h.sev_rank) AS sev_rank,
         MAX(h.user_is_privileged) AS user_is_privileged
  FROM hits h
  LEFT JOIN linked l ON h.request_id = l.request_id
  GROUP BY h.ukey, h.risk_event_type
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
       p.token_issuer_types, p.signin_categories, p.signin_apps, p.signin_user_agents, p.signin_request_ids,
       u.user_risk_level, u.user_risk_state, p.user_is_privileged
FROM per_user p
LEFT JOIN latest_user_risk u ON p.ukey = u.ukey
