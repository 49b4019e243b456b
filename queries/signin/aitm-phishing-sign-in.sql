-- ---
-- id: AITM-OFFICEHOME
-- title: Adversary-in-the-middle phishing sign-in (OfficeHome shape or phishing-kit client)
-- kind: detection
-- severity: high
-- techniques: [T1557, T1539]
-- tactics: [credential-access, initial-access]
-- description: >-
--   Two signals, one finding per user. (a) Shape: one correlation id of the OfficeHome app
--   (4765445b-32c6-49b0-83e6-1d93765276ca) holds result codes 0, 50140 and 50074 (or 53000
--   and 50074 when Conditional Access blocked the device), with a sign-in risk of medium
--   or high and at least one risk event type; the risk columns need Entra ID P2. (b) Kit
--   client: a sign-in with the node, axios or undici user agent (Tycoon 2FA and similar
--   kits) by Microsoft Authentication Broker to Exchange Online or Microsoft Graph, or by
--   OfficeHome (any resource: the kit relays the office.com login), from an untrusted IP.
--   High when any of the user's evidence sign-ins succeeded, medium otherwise.
--   Identity Protection's attackerinTheMiddle detection is reported by IDP-TOKEN.
-- why: >-
--   AiTM kits proxy the real Microsoft login, so the victim completes MFA and the attacker
--   walks away with the session cookie. Passwords and MFA do not stop the replay: the
--   sessions must be revoked and any MFA method or inbox rule the attacker added removed.
-- remediation: [revoke_sessions, reset_password, require_mfa_reregistration, block_ip]
-- tables: [signins]
-- params:
--   kit_tools: [node, axios, undici]
-- false_positives:
--   - Risky but genuine OfficeHome logins (medium risk from a new place) whose flow happens to include the KMSI prompt
-- references:
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-PotentialAiTM.kql
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_tycoon_entra_id.toml
-- catalog: [AITM-OFFICEHOME]
-- ---
WITH user_signins AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND user_principal_name IS NOT NULL
),
officehome AS (
  SELECT * FROM user_signins
  WHERE app_id = '4765445b-32c6-49b0-83e6-1d93765276ca' OR app_display_name = 'OfficeHome'
),
-- (a) the AiTM result-code shape inside one OfficeHome flow, with Identity Protection risk
shape_flows AS (
  SELECT correlation_id, user_principal_name
  FROM officehome
  WHERE correlation_id IS NOT NULL
  GROUP BY correlation_id, user_principal_name
  HAVING ((SUM(CASE WHEN error_code = 0 THEN 1 ELSE 0 END) > 0
           AND SUM(CASE WHEN error_code = 50140 THEN 1 ELSE 0 END) > 0
           AND SUM(CASE WHEN error_code = 50074 THEN 1 ELSE 0 END) > 0)
          OR (SUM(CASE WHEN error_code = 53000 THEN 1 ELSE 0 END) > 0
              AND SUM(CASE WHEN error_code = 50074 THEN 1 ELSE 0 END) > 0))
     AND SUM(CASE WHEN risk_level_during_signin IN ('medium', 'high') THEN 1 ELSE 0 END) > 0
     AND SUM(CASE WHEN ARRAY_LENGTH(risk_event_types) > 0 THEN 1 ELSE 0 END) > 0
),
shape_rows AS (
  SELECT o.*, 'OfficeHome AiTM result-code shape with sign-in risk' AS signal
  FROM officehome o
  JOIN shape_flows f ON o.correlation_id = f.correlation_id AND o.user_principal_name = f.user_principal_name
),
-- (b) the phishing kit's own HTTP client on the flows it relays
kit_rows AS (
  SELECT *, CONCAT(ua_tool, ' user agent on ', COALESCE(app_display_name, app_id)) AS signal
  FROM user_signins
  WHERE ua_tool IN {{kit_tools}}
    AND NOT ip_is_trusted
    AND ((app_id = '29d9ed98-a469-4536-ade2-f981bc1d605e'
          AND resource_id IN ('00000002-0000-0ff1-ce00-000000000000', '00000003-0000-0000-c000-000000000000'))
         OR app_id = '4765445b-32c6-49b0-83e6-1d93765276ca' OR app_display_name = 'OfficeHome')
),
evidence AS (
  SELECT * FROM shape_rows
  UNION ALL
  SELECT * FROM kit_rows
),
per_user AS (
  SELECT user_principal_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(DISTINCT id) AS evidence_count,
         COUNT(DISTINCT correlation_id) AS flows,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         STRING_AGG(DISTINCT signal, '; ' ORDER BY signal) AS signals,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT risk_level_during_signin) AS risk_levels,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT session_id) AS session_ids,
         ARRAY_AGG(DISTINCT id) AS record_ids
  FROM evidence
  GROUP BY user_principal_name
)
SELECT first_seen, last_seen, user_principal_name AS principals, ips, evidence_count,
       CONCAT('AiTM phishing indicators for ', user_principal_name, ': ', signals, ' (', CAST(evidence_count AS VARCHAR),
              ' sign-ins in ', CAST(flows AS VARCHAR), ' flow(s), ', CAST(successes AS VARCHAR), ' successful)') AS summary,
       CASE WHEN successes > 0 THEN 'high' ELSE 'medium' END AS severity,
       record_ids, signals, user_agents, resources, error_codes, risk_levels, countries, hosting_providers, session_ids
FROM per_user
