-- ---
-- id: MFA-TOTP-BRUTE
-- title: TOTP verification code brute force
-- kind: detection
-- severity: medium
-- techniques: [T1110.001]
-- tactics: [credential-access]
-- description: >-
--   Member accounts' sign-ins failing with 500121 where the MFA method is "OATH verification
--   code" (MFA detail or an authentication step). Failures of one account at most
--   window_minutes apart form a burst; a burst with at least min_failures failures across at
--   least min_sessions distinct session ids (the correlation id when the export has no
--   session id) fires. High when a successful sign-in of the account follows within
--   window_minutes of the burst's last failure: the code was guessed.
-- why: >-
--   Trying many verification codes over many parallel sessions is a known bypass of TOTP
--   MFA; the attacker already has the password and is one lucky guess from full access.
-- remediation: [reset_password, revoke_sessions, require_mfa_reregistration]
-- tables: [signins]
-- params:
--   window_minutes: 10
--   min_failures: 20
--   min_sessions: 10
-- false_positives:
--   - An authenticator app with a badly drifted clock on a user's own device
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/credential_access_entra_id_totp_brute_force_attempts.toml
--   - https://www.oasis.security/resources/blog/oasis-security-research-team-discovers-microsoft-azure-mfa-bypass
-- catalog: [MFA-TOTP-BRUTE]
-- ---
WITH fails AS (
  SELECT id, time, user_principal_name, ip_address, app_display_name, country,
         COALESCE(session_id, correlation_id) AS session
  FROM signins
  WHERE error_code = 500121
    AND user_principal_name IS NOT NULL
    AND COALESCE(user_type, 'member') = 'member'
    AND (mfa_method ILIKE 'OATH verification code%'
         OR ARRAY_TO_STRING(auth_methods, '|') ILIKE '%OATH verification code%')
),
marked AS (
  SELECT *,
         CASE
           WHEN LAG(time) OVER (PARTITION BY user_principal_name ORDER BY time) IS NULL THEN 1
           WHEN CAST(time AS BIGINT) - CAST(LAG(time) OVER (PARTITION BY user_principal_name ORDER BY time) AS BIGINT)
                > {{window_minutes}} * 60000000 THEN 1
           ELSE 0
         END AS opens
  FROM fails
),
numbered AS (
  SELECT *, SUM(opens) OVER (PARTITION BY user_principal_name ORDER BY time) AS burst
  FROM marked
),
bursts AS (
  SELECT user_principal_name, burst,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS failures,
         COUNT(DISTINCT session) AS sessions,
         STRING_AGG(DISTINCT ip_address, ';') AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT country) AS countries
  FROM numbered
  GROUP BY user_principal_name, burst
  HAVING COUNT(*) >= {{min_failures}} AND COUNT(DISTINCT session) >= {{min_sessions}}
),
-- a success right after the burst: the code was guessed
guessed AS (
  SELECT b.user_principal_name, b.burst, MIN(s.time) AS success_at, MIN(s.ip_address) AS success_ip
  FROM bursts b
  JOIN signins s ON s.user_principal_name = b.user_principal_name
  WHERE s.result = 'success'
    AND s.time > b.first_seen
    AND CAST(s.time AS BIGINT) - CAST(b.last_seen AS BIGINT) <= {{window_minutes}} * 60000000
  GROUP BY b.user_principal_name, b.burst
)
SELECT b.first_seen,
       CASE WHEN g.success_at > b.last_seen THEN g.success_at ELSE b.last_seen END AS last_seen,
       b.user_principal_name AS principals,
       CASE WHEN g.success_ip IS NULL THEN b.ips ELSE CONCAT(b.ips, ';', g.success_ip) END AS ips,
       b.failures AS evidence_count,
       CONCAT(b.user_principal_name, ': ', CAST(b.failures AS VARCHAR), ' wrong verification codes across ',
              CAST(b.sessions AS VARCHAR), ' sessions in ',
              CAST(DIV(CAST(b.last_seen AS BIGINT) - CAST(b.first_seen AS BIGINT), 60000000) AS VARCHAR), ' min',
              CASE WHEN g.success_at IS NULL THEN ', no success after'
                   ELSE CONCAT(', then a successful sign-in from ', COALESCE(g.success_ip, '?')) END) AS summary,
       CASE WHEN g.success_at IS NULL THEN 'medium' ELSE 'high' END AS severity,
       b.sessions, b.ip_count, b.apps, b.countries, g.success_at, g.success_ip
FROM bursts b
LEFT JOIN guessed g ON b.user_principal_name = g.user_principal_name AND b.burst = g.burst
