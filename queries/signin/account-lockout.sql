-- ---
-- id: LOCKOUT
-- title: Smart lockout of an account, or mass lockouts across the tenant
-- kind: detection
-- severity: medium
-- techniques: [T1110]
-- tactics: [credential-access]
-- description: >-
--   Sign-ins failing with 50053 (account locked by smart lockout, or a sign-in from a
--   malicious IP blocked). Tenant-wide: a mass_window_minutes window with at least
--   mass_min_lockouts lockouts across at least mass_min_users accounts, ignoring private
--   (RFC 1918) addresses and Microsoft's ASN 8075, is one high finding (a spray); the locked
--   accounts are listed as evidence, not as principals. Other lockouts give one finding per
--   account and UTC day when there are at least min_lockouts of them, or when the account
--   then signs in successfully from a locked-out address that is not trusted (someone got
--   the password right after all) — unless that address is the account's own
--   (ip_is_own_for_user: it served the account's successes on two days before the lockout;
--   the user's stuck phone at home, then the user). High for a privileged or break-glass account; low when
--   every lockout came from one address on one of the user's usual networks (their own
--   phone or mail client with a stale password); medium otherwise.
--   Windows are fixed, not the source's rolling 30-minute look-back.
-- why: >-
--   Smart lockout only triggers after repeated bad passwords from unfamiliar places: someone
--   is guessing that account's password. Many lockouts at once mean a spray large enough to
--   trip the lockout threshold.
-- remediation: [block_ip, ask_customer, reset_password]
-- tables: [signins]
-- params:
--   mass_window_minutes: 30
--   mass_min_lockouts: 30
--   mass_min_users: 25
--   min_lockouts: 5
-- false_positives:
--   - A user with an old password saved on a phone, locking themselves out repeatedly
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/credential_access_entra_id_excessive_account_lockouts.toml
-- catalog: [LOCKOUT]
-- ---
WITH locks AS (
  SELECT id, time, user_principal_name, ip_address, asn, app_display_name, country, ip_is_private,
         ip_is_trusted, asn_is_usual_for_user, ip_is_own_for_user,
         user_is_privileged OR user_is_break_glass AS privileged,
         DIV(CAST(time AS BIGINT), {{mass_window_minutes}} * 60000000) AS bucket,
         STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE error_code = 50053 AND user_principal_name IS NOT NULL
),
mass_candidates AS (
  SELECT * FROM locks WHERE NOT ip_is_private AND COALESCE(asn, 0) <> 8075
),
mass_buckets AS (
  SELECT bucket
  FROM mass_candidates
  GROUP BY bucket
  HAVING COUNT(*) >= {{mass_min_lockouts}} AND COUNT(DISTINCT user_principal_name) >= {{mass_min_users}}
),
mass AS (
  SELECT m.bucket,
         MIN(m.time) AS first_seen,
         MAX(m.time) AS last_seen,
         COUNT(*) AS lockouts,
         COUNT(DISTINCT m.user_principal_name) AS users,
         ARRAY_AGG(DISTINCT m.user_principal_name) AS locked_users,
         STRING_AGG(DISTINCT m.ip_address, ';') AS ips,
         COUNT(DISTINCT m.ip_address) AS ip_count,
         SUM(CASE WHEN m.privileged THEN 1 ELSE 0 END) AS privileged_lockouts,
         ARRAY_AGG(DISTINCT m.app_display_name) AS apps,
         ARRAY_AGG(DISTINCT m.country) AS countries,
         STRING_AGG(m.id, ';') AS record_ids
  FROM mass_candidates m
  JOIN mass_buckets b ON m.bucket = b.bucket
  GROUP BY m.bucket
),
-- lockouts outside a mass window, one finding per account and day
single AS (
  SELECT l.* FROM locks l
  LEFT JOIN mass_buckets b ON l.bucket = b.bucket
  WHERE b.bucket IS NULL
),
per_user AS (
  SELECT user_principal_name, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS lockouts,
         STRING_AGG(DISTINCT ip_address, ';') AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         MAX(CASE WHEN privileged THEN 1 ELSE 0 END) = 1 AS privileged,
         ARRAY_AGG(DISTINCT user_principal_name) AS locked_users,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT country) AS countries,
         MIN(CASE WHEN asn_is_usual_for_user THEN 1 ELSE 0 END) AS all_usual,
         STRING_AGG(id, ';') AS record_ids
  FROM single
  GROUP BY user_principal_name, day
),
-- a later success from an untrusted address that was locked out
got_in AS (
  SELECT l.user_principal_name, l.day, MIN(s.time) AS success_at
  FROM single l
  JOIN signins s ON s.user_principal_name = l.user_principal_name AND s.ip_address = l.ip_address
  WHERE s.result = 'success' AND s.time > l.time AND NOT l.ip_is_trusted AND NOT l.ip_is_own_for_user
    AND CAST(s.time AS BIGINT) - CAST(l.time AS BIGINT) <= 86400000000
  GROUP BY l.user_principal_name, l.day
),
accounts AS (
  SELECT p.*, g.success_at
  FROM per_user p
  LEFT JOIN got_in g ON g.user_principal_name = p.user_principal_name AND g.day = p.day
  WHERE p.lockouts >= {{min_lockouts}} OR g.success_at IS NOT NULL
)
SELECT first_seen, last_seen,
       CAST(NULL AS VARCHAR) AS principals,
       ips,
       lockouts AS evidence_count,
       CONCAT('mass lockout: ', CAST(lockouts AS VARCHAR), ' smart-lockout failures across ', CAST(users AS VARCHAR),
              ' accounts from ', CAST(ip_count AS VARCHAR), ' IP(s) within ', CAST({{mass_window_minutes}} AS VARCHAR),
              ' min') AS summary,
       'high' AS severity,
       FALSE AS access,
       record_ids,
       'tenant' AS scope, users AS account_count, locked_users, apps, countries
FROM mass
UNION ALL
SELECT first_seen, last_seen,
       user_principal_name AS principals,
       ips,
       lockouts AS evidence_count,
       CONCAT(CASE WHEN privileged THEN 'privileged account ' ELSE '' END, user_principal_name, ' locked out ',
              CAST(lockouts AS VARCHAR), ' time(s) on ', day, ' from ', CAST(ip_count AS VARCHAR), ' IP(s)',
              CASE WHEN success_at IS NULL THEN '' ELSE ', then signed in from a locked-out address' END) AS summary,
       CASE WHEN privileged THEN 'high'
            WHEN all_usual = 1 AND ip_count = 1 AND success_at IS NULL THEN 'low'
            ELSE 'medium' END AS severity,
       success_at IS NOT NULL AS access,
       record_ids,
       'account' AS scope, 1 AS account_count, locked_users, apps, countries
FROM accounts
