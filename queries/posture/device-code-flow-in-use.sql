-- ---
-- id: POS-DEVICECODE
-- title: Device code flow in use
-- kind: posture
-- severity: medium
-- description: >-
--   Successful user sign-ins through the device code flow (authenticationProtocol deviceCode,
--   or originalTransferMethod deviceCodeFlow on the tokens it produced) by users who are not
--   in the policy's expected_device_code_users (meeting rooms, kiosks, shared devices). One
--   finding with the users, apps and IPs, and the share of all user sign-in successes; the
--   expected users seen are counted but not listed. These are the exceptions a CA policy
--   blocking device code flow would have to allow.
-- why: >-
--   Device code phishing (Storm-2372 and the TokenTactics toolset) gets a victim to enter a
--   code on the real Microsoft page and hands the attacker refresh tokens that bypass MFA.
--   Blocking the flow for everyone who does not need it removes the technique.
-- remediation: [review_configuration, ask_customer]
-- tables: [signins]
-- params:
--   min_successes: 1
-- false_positives:
--   - Teams Rooms, Surface Hubs and CLI users (az login --use-device-code); add them to expected_device_code_users
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-block-authentication-flows
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.3.9v1]
-- catalog: [POS-DEVICECODE]
-- ---
WITH user_ok AS (
  SELECT *, COALESCE(app_display_name, app_id, 'unknown app') AS app
  FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND result = 'success'
    AND user_principal_name IS NOT NULL
),
device_code AS (
  SELECT * FROM user_ok
  WHERE authentication_protocol = 'deviceCode' OR original_transfer_method = 'deviceCodeFlow'
),
unexpected AS (
  SELECT * FROM device_code WHERE NOT device_code_expected
),
per_user AS (
  SELECT user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         COUNT(*) FILTER (WHERE authentication_protocol = 'deviceCode') AS code_redemptions,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT app ORDER BY app), ', ') AS apps,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT ip_address ORDER BY ip_address), ', ') AS user_ips,
         MIN(time) AS first_seen
  FROM unexpected GROUP BY user_principal_name
),
users AS (
  SELECT ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', apps, ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(code_redemptions AS VARCHAR), ' device code sign-in(s), ',
                          CAST(n - code_redemptions AS VARCHAR), ' token use(s), apps ', apps, ', from ', COALESCE(NULLIF(user_ips, ''), 'unknown IPs'),
                          ', first ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'))
                   ORDER BY neg_n, user_principal_name) AS user_details
  FROM per_user
),
totals AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS signins,
         COUNT(*) FILTER (WHERE authentication_protocol = 'deviceCode') AS code_redemptions,
         COUNT(DISTINCT user_principal_name) AS users,
         ARRAY_AGG(DISTINCT ip_address ORDER BY ip_address) FILTER (WHERE ip_address IS NOT NULL) AS ips,
         ARRAY_AGG(DISTINCT app ORDER BY app) FILTER (WHERE app IS NOT NULL) AS apps,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM unexpected
),
expected AS (
  SELECT COUNT(DISTINCT user_principal_name) AS users, COUNT(*) AS signins FROM device_code WHERE device_code_expected
),
all_ok AS (
  SELECT COUNT(*) AS successes FROM user_ok
)
SELECT t.first_seen, t.last_seen, u.principals, t.ips, t.signins AS evidence_count,
       CONCAT('device code flow succeeded for ', CAST(t.users AS VARCHAR),
              CASE WHEN t.users = 1 THEN ' user' ELSE ' users' END, ' not expected to use it: ',
              CAST(t.code_redemptions AS VARCHAR), CASE WHEN t.code_redemptions = 1 THEN ' device code sign-in and ' ELSE ' device code sign-ins and ' END,
              CAST(t.signins - t.code_redemptions AS VARCHAR),
              CASE WHEN t.signins - t.code_redemptions = 1 THEN ' use of the tokens issued (' ELSE ' uses of the tokens issued (' END, CAST(ROUND(100.0 * t.signins / a.successes, 2) AS VARCHAR),
              '% of ', CAST(a.successes AS VARCHAR), ' user sign-in successes): ', ARRAY_TO_STRING(u.top_users, ', '),
              CASE WHEN t.users > 5 THEN ', …' ELSE '' END,
              CASE WHEN e.users > 0 THEN CONCAT('; ', CAST(e.users AS VARCHAR),
                   CASE WHEN e.users = 1 THEN ' expected device-code user excluded' ELSE ' expected device-code users excluded' END) ELSE '' END) AS summary,
       t.record_ids,
       t.code_redemptions AS device_code_signins,
       t.signins - t.code_redemptions AS token_uses,
       ROUND(100.0 * t.signins / a.successes, 2) AS share_pct,
       e.users AS expected_users_seen, e.signins AS expected_signins,
       t.apps, u.user_details
FROM totals t
CROSS JOIN users u
CROSS JOIN expected e
CROSS JOIN all_ok a
WHERE t.signins >= {{min_successes}} AND t.signins > 0
