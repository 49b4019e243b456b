-- ---
-- id: POS-PRIV-STALE
-- title: Stale privileged accounts
-- kind: posture
-- severity: medium
-- description: >-
--   Privileged accounts (the policy's privileged_users, or seen receiving an admin role in the
--   audits) whose last successful sign-in is more than stale_days days before the end of the
--   window, or that never signed in while the window covers more than stale_days days. One
--   finding listing them with their last sign-in. Needs a window longer than stale_days.
-- why: >-
--   An admin account nobody uses is an admin account nobody watches: its password is not
--   rotated, its MFA methods go unreviewed and a takeover goes unnoticed. Remove the role or
--   the account.
-- remediation: [remove_role_assignment, disable_account, review_configuration]
-- tables: [signins, audits]
-- params:
--   stale_days: 30
-- false_positives:
--   - Break-glass accounts, which should rarely sign in (list them under break_glass_accounts and review separately)
-- references:
--   - https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-configure-security-alerts
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.7.1v1, "Entra recommendation: Use least privileged administrative roles"]
-- catalog: [POS-PRIV-HYGIENE]
-- ---
WITH bounds AS (
  SELECT MIN(time) AS window_start, MAX(time) AS window_end FROM signins
),
privileged AS (
  -- privileged users who signed in (successfully or not) …
  SELECT user_principal_name AS upn, MIN(time) AS known_since FROM signins
  WHERE user_is_privileged AND user_principal_name IS NOT NULL AND NOT user_is_break_glass
  GROUP BY user_principal_name
  UNION ALL
  -- … and those given a role in the window who may never have signed in
  SELECT target_upn AS upn, MIN(time) AS known_since FROM audits
  WHERE target_is_privileged AND target_upn IS NOT NULL AND NOT target_is_break_glass
    AND activity ILIKE '%member to role%' AND activity NOT ILIKE 'Remove%'
  GROUP BY target_upn
),
last_success AS (
  SELECT user_principal_name AS upn, MAX(time) AS last_ok FROM signins
  WHERE result = 'success' AND user_principal_name IS NOT NULL GROUP BY user_principal_name
),
stale AS (
  SELECT p.upn, MIN(p.known_since) AS known_since, MAX(l.last_ok) AS last_ok
  FROM privileged p
  LEFT JOIN last_success l ON p.upn = l.upn
  GROUP BY p.upn
),
flagged AS (
  SELECT s.* FROM stale s CROSS JOIN bounds b
  WHERE CAST(b.window_end AS BIGINT) - CAST(COALESCE(s.last_ok, s.known_since) AS BIGINT) > {{stale_days}} * 86400000000
    AND CAST(b.window_end AS BIGINT) - CAST(b.window_start AS BIGINT) > {{stale_days}} * 86400000000
),
agg AS (
  SELECT MIN(COALESCE(last_ok, known_since)) AS first_seen, MAX(COALESCE(last_ok, known_since)) AS last_seen,
         COUNT(*) AS users,
         ARRAY_AGG(upn ORDER BY upn) AS principals,
         ARRAY_AGG(upn ORDER BY upn LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(upn, ': ', CASE WHEN last_ok IS NULL
                                          THEN CONCAT('no successful sign-in since the role was given on ', STRFTIME(known_since, '%Y-%m-%d'))
                                          ELSE CONCAT('last successful sign-in ', STRFTIME(last_ok, '%Y-%m-%d')) END)
                   ORDER BY upn) AS details
  FROM flagged
),
privileged_count AS (
  SELECT COUNT(DISTINCT upn) AS users FROM privileged
)
SELECT g.first_seen, g.last_seen, g.principals, CAST(NULL AS VARCHAR) AS ips, g.users AS evidence_count,
       CONCAT(CAST(g.users AS VARCHAR), ' of ', CAST(c.users AS VARCHAR),
              CASE WHEN g.users = 1 THEN ' privileged accounts has' ELSE ' privileged accounts have' END,
              ' not signed in successfully for more than ', CAST({{stale_days}} AS VARCHAR), ' days: ',
              ARRAY_TO_STRING(g.top, ', '), CASE WHEN g.users > 5 THEN ', …' ELSE '' END) AS summary,
       c.users AS privileged_accounts, g.details
FROM agg g CROSS JOIN privileged_count c
WHERE g.users > 0
