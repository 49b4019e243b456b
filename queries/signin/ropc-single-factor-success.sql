-- ---
-- id: ROPC-SFA
-- title: Single-factor sign-in with ROPC (password grant)
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access, defense-evasion]
-- description: >-
--   Successful single-factor member-user sign-ins (interactive or non-interactive) that used
--   the resource owner password credentials grant: authentication protocol ropc, or a
--   BAV2ROPC / CBAinPROD / CBAinTAR user agent. Fires on an account's first such sign-in
--   and on any that follows more than lookback_days without one (an offline export cannot
--   see before its own start, so the first one in the export always counts). Trusted IPs
--   are ignored. High for a privileged or break-glass account.
-- why: >-
--   ROPC hands a bare password to the token endpoint and gets tokens back without MFA;
--   attack tools and sprayers use it to turn a guessed password into access.
-- remediation: [block_legacy_auth, reset_password, revoke_sessions]
-- tables: [signins]
-- params:
--   lookback_days: 10
-- false_positives:
--   - Old scripts or line-of-business apps that sign in with username and password
-- references:
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/signin_logs/azure_app_ropc_authentication.yml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_unusual_ropc_login_attempt.toml
-- catalog: [ROPC-SFA]
-- ---
WITH ropc AS (
  SELECT id, time, user_principal_name, ip_address, app_display_name, app_id, resource_display_name,
         user_agent, authentication_protocol, client_app_used, country, ip_is_hosting,
         user_is_privileged OR user_is_break_glass AS privileged
  FROM signins
  WHERE result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND COALESCE(user_type, 'member') = 'member'
    AND authentication_requirement = 'singleFactorAuthentication'
    AND (LOWER(COALESCE(authentication_protocol, '')) = 'ropc' OR COALESCE(ua_tool_kind, '') = 'legacy_ropc')
    AND NOT ip_is_trusted
),
-- new for the account: nothing like it in the preceding lookback_days
spaced AS (
  SELECT *,
         LAG(time) OVER (PARTITION BY user_principal_name ORDER BY time) AS previous
  FROM ropc
),
new_ones AS (
  SELECT * FROM spaced
  WHERE previous IS NULL
     OR CAST(time AS BIGINT) - CAST(previous AS BIGINT) > {{lookback_days}} * 86400000000
),
-- how often the account used ROPC afterwards, for context
followers AS (
  SELECT n.id, COUNT(*) AS later_uses, STRING_AGG(DISTINCT r.ip_address, ';') AS later_ips, MAX(r.time) AS last_use
  FROM new_ones n
  JOIN ropc r ON r.user_principal_name = n.user_principal_name
  WHERE r.time > n.time
    AND CAST(r.time AS BIGINT) - CAST(n.time AS BIGINT) <= {{lookback_days}} * 86400000000
  GROUP BY n.id
)
SELECT n.time AS first_seen,
       COALESCE(f.last_use, n.time) AS last_seen,
       n.user_principal_name AS principals,
       n.ip_address AS ips,
       1 + COALESCE(f.later_uses, 0) AS evidence_count,
       CONCAT(CASE WHEN n.privileged THEN 'privileged account ' ELSE '' END, n.user_principal_name,
              ' signed in single-factor with ROPC to ', COALESCE(n.app_display_name, n.app_id, 'an app'), ' from ',
              COALESCE(n.ip_address, '?'), ' (', COALESCE(n.user_agent, 'no user agent'), '); ',
              CAST(COALESCE(f.later_uses, 0) AS VARCHAR), ' more ROPC sign-in(s) in the next ',
              CAST({{lookback_days}} AS VARCHAR), ' days') AS summary,
       CASE WHEN n.privileged THEN 'high' ELSE 'medium' END AS severity,
       n.id AS record_ids,
       n.app_display_name AS app, n.resource_display_name AS resource, n.user_agent, n.authentication_protocol,
       n.client_app_used, n.country, n.ip_is_hosting AS hosting_ip, f.later_ips
FROM new_ones n
LEFT JOIN followers f ON n.id = f.id
