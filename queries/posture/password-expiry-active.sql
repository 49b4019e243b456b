-- ---
-- id: POS-PWD-EXPIRY
-- title: Password expiration still enforced
-- kind: posture
-- severity: low
-- description: >-
--   Sign-ins rejected with 50055 (the password has expired) for at least min_users distinct
--   users in the window: the tenant, or those accounts, still expire passwords. 50133 (session
--   invalid after a password expiry or change) is counted as context only, because every
--   ordinary password change produces it too.
-- why: >-
--   Forced periodic changes push users to predictable passwords (Summer2026!, Autumn2026!) that
--   sprays guess first. Current NIST and Microsoft guidance is to stop expiring passwords and
--   rely on MFA, banned-password lists and leaked-credential detection instead.
-- remediation: [review_configuration]
-- tables: [signins]
-- params:
--   min_users: 1
-- false_positives:
--   - Synced accounts whose on-premises AD still enforces expiry while cloud expiry is off; the 50055 then comes from password hash sync
-- references:
--   - https://learn.microsoft.com/microsoft-365/admin/manage/set-password-expiration-policy
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.6.1v1, "Entra recommendation: Do not expire passwords"]
-- catalog: [POS-PWD-EXPIRY]
-- ---
WITH expired AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND error_code = 50055 AND user_principal_name IS NOT NULL
),
per_user AS (
  SELECT user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n, MIN(time) AS first_seen, MAX(time) AS last_seen,
         MAX(CASE WHEN ip_is_trusted THEN 0 ELSE 1 END) AS untrusted
  FROM expired GROUP BY user_principal_name
),
agg AS (
  SELECT MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen, COUNT(*) AS users, SUM(n) AS n,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' expired-password sign-in, first ' ELSE ' expired-password sign-ins, first ' END,
                          STRFTIME(first_seen, '%Y-%m-%d')) ORDER BY neg_n, user_principal_name) AS details
  FROM per_user
),
ids AS (
  SELECT ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids FROM expired
),
session_expired AS (
  SELECT COUNT(*) AS n, COUNT(DISTINCT user_principal_name) AS users FROM signins WHERE error_code = 50133
),
active AS (
  SELECT COUNT(DISTINCT user_principal_name) AS users FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND result = 'success' AND user_principal_name IS NOT NULL
)
SELECT g.first_seen, g.last_seen, g.principals, CAST(NULL AS VARCHAR) AS ips, g.n AS evidence_count,
       CONCAT('passwords still expire: ', CAST(g.users AS VARCHAR), CASE WHEN g.users = 1 THEN ' user' ELSE ' users' END,
              ' (', CAST(ROUND(100.0 * g.users / GREATEST(s.users, 1), 1) AS VARCHAR), '% of ', CAST(s.users AS VARCHAR),
              ' active users) hit 50055 expired password ', CAST(g.n AS VARCHAR), CASE WHEN g.n = 1 THEN ' time: ' ELSE ' times: ' END,
              ARRAY_TO_STRING(g.top, ', '), CASE WHEN g.users > 5 THEN ', …' ELSE '' END,
              CASE WHEN e.n > 0
                   THEN CONCAT('; plus ', CAST(e.n AS VARCHAR), ' session-invalid (50133) sign-in(s) for ', CAST(e.users AS VARCHAR),
                               CASE WHEN e.users = 1 THEN ' user' ELSE ' users' END)
                   ELSE '' END) AS summary,
       i.record_ids,
       g.users AS users_with_expired_password, s.users AS active_users, e.n AS session_expired_50133,
       g.details
FROM agg g CROSS JOIN ids i CROSS JOIN session_expired e CROSS JOIN active s
WHERE g.users >= {{min_users}} AND g.users > 0
