-- ---
-- id: PRIV-FAIL-SPIKE
-- title: Bad-password failures on a privileged or break-glass account
-- kind: detection
-- severity: high
-- techniques: [T1110]
-- tactics: [credential-access]
-- description: >-
--   The catalog's simpler variant: sign-ins failing with 50126 (bad password) for an account
--   that holds a privileged role (role grants in the audits or the policy's
--   privileged_users) or is a break-glass account, per account and UTC day: at least
--   min_failures of them, or fewer when a failing untrusted address then validated the
--   password (success, MFA interrupt or CA block). One typo is not a finding. Medium
--   instead of high when every failure came from a trusted IP. The 14-day hourly anomaly
--   series of the full catalog rule is not implemented (needs time-series decomposition).
--   Evidence tells whether a failing untrusted IP later validated the password.
-- why: >-
--   Administrators are the prize; a wrong password on one of their accounts from an
--   unknown network is someone trying it, and a break-glass account should see no sign-in
--   attempts at all.
-- remediation: [reset_password, revoke_sessions, block_ip]
-- tables: [signins]
-- params:
--   min_failures: 3
-- false_positives:
--   - An administrator mistyping the password at the office (lowered to medium on trusted IPs)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/PrivilegedAccountsSigninFailureSpikes.yaml
-- catalog: [PRIV-FAIL-SPIKE]
-- ---
WITH fails AS (
  SELECT id, time, user_principal_name, ip_address, app_display_name, country, ip_is_trusted,
         user_is_break_glass, STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE error_code = 50126
    AND user_principal_name IS NOT NULL
    AND (user_is_privileged OR user_is_break_glass)
),
dated AS (
  SELECT *, MIN(time) OVER (PARTITION BY user_principal_name, day) AS day_start FROM fails
),
per_day AS (
  SELECT user_principal_name, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS failures,
         SUM(CASE WHEN ip_is_trusted THEN 0 ELSE 1 END) AS untrusted_failures,
         MAX(CASE WHEN user_is_break_glass THEN 1 ELSE 0 END) AS break_glass,
         STRING_AGG(DISTINCT ip_address, ';') AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(id) AS record_ids
  FROM fails
  GROUP BY user_principal_name, day
),
-- did an untrusted failing IP later get the password right?
validated AS (
  SELECT f.user_principal_name, f.day, ARRAY_AGG(DISTINCT s.ip_address) AS validated_from
  FROM dated f
  JOIN signins s ON s.user_principal_name = f.user_principal_name AND s.ip_address = f.ip_address
  WHERE NOT f.ip_is_trusted AND s.first_factor_ok AND s.time >= f.day_start
  GROUP BY f.user_principal_name, f.day
)
SELECT p.first_seen, p.last_seen,
       p.user_principal_name AS principals,
       p.ips,
       p.failures AS evidence_count,
       CONCAT(CASE WHEN p.break_glass = 1 THEN 'break-glass' ELSE 'privileged' END, ' account ', p.user_principal_name,
              ': ', CAST(p.failures AS VARCHAR), ' bad-password failure(s) on ', p.day, ' from ',
              CAST(p.ip_count AS VARCHAR), ' IP(s), ', CAST(p.untrusted_failures AS VARCHAR),
              ' from untrusted networks') AS summary,
       CASE WHEN p.untrusted_failures = 0 THEN 'medium' ELSE 'high' END AS severity,
       v.validated_from IS NOT NULL AS access,
       p.record_ids,
       p.break_glass = 1 AS is_break_glass, p.untrusted_failures, p.apps, p.countries, v.validated_from
FROM per_day p
LEFT JOIN validated v ON p.user_principal_name = v.user_principal_name AND p.day = v.day
WHERE p.failures >= {{min_failures}} OR v.validated_from IS NOT NULL
