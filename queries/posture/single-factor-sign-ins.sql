-- ---
-- id: POS-SFA
-- title: Single-factor sign-ins succeed
-- kind: posture
-- severity: medium
-- description: >-
--   Share of successful interactive sign-ins that satisfied only a single factor
--   (authenticationRequirement singleFactorAuthentication). One finding per app for member
--   users, with the count, the app's share, the tenant-wide share, the users and how many came
--   from trusted IPs (a location-based MFA exclusion shows up there); apps need at least
--   min_sfa_successes single-factor successes and a share of at least min_share_pct percent.
--   One more finding, high, lists the privileged users with any single-factor interactive
--   success. Users never asked for MFA at all are POS-MFA-NEVER.
-- why: >-
--   A sign-in that needed only a password is one phished or sprayed password away from an
--   account takeover. Every app and user here is outside an MFA requirement, by design
--   (a trusted-location exclusion, an app left out of the policy) or by mistake.
-- remediation: [review_configuration]
-- tables: [signins]
-- params:
--   min_sfa_successes: 1
--   min_share_pct: 0
-- false_positives:
--   - Sign-ins from the office network when the MFA policy deliberately excludes trusted locations (see from_trusted_ips)
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-old-require-mfa-admin
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.3.2v2, MS.AAD.3.6v1, "Entra recommendation: Require MFA for administrative roles", "Entra recommendation: Ensure all users can complete MFA"]
-- catalog: [POS-SFA]
-- ---
WITH interactive_ok AS (
  SELECT *, COALESCE(app_display_name, app_id, 'unknown app') AS app
  FROM signins
  WHERE category = 'interactive' AND result = 'success' AND user_principal_name IS NOT NULL
),
member_ok AS (
  SELECT * FROM interactive_ok WHERE COALESCE(user_type, 'member') = 'member'
),
sfa AS (
  SELECT * FROM member_ok WHERE authentication_requirement = 'singleFactorAuthentication'
),
tenant AS (
  SELECT COUNT(*) AS successes,
         COUNT(*) FILTER (WHERE authentication_requirement = 'singleFactorAuthentication') AS sfa_successes
  FROM member_ok
),
-- Per app ------------------------------------------------------------------------------------
app_totals AS (
  SELECT app, COUNT(*) AS successes FROM member_ok GROUP BY app
),
app_users AS (
  SELECT app, user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         MIN(time) AS first_seen, MAX(time) AS last_seen,
         COUNT(*) FILTER (WHERE ip_is_trusted) AS trusted
  FROM sfa GROUP BY app, user_principal_name
),
per_app AS (
  SELECT app, MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen,
         SUM(n) AS sfa_successes, SUM(trusted) AS from_trusted_ips, COUNT(*) AS users,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR)) ORDER BY neg_n, user_principal_name) AS user_counts
  FROM app_users GROUP BY app
),
app_ids AS (
  -- Example evidence records (the first 50 per app).
  SELECT app, ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids FROM sfa GROUP BY app
),
app_findings AS (
  SELECT p.*, a.successes, ROUND(100.0 * p.sfa_successes / a.successes, 1) AS share_pct, i.record_ids
  FROM per_app p JOIN app_totals a ON p.app = a.app JOIN app_ids i ON p.app = i.app
  WHERE p.sfa_successes >= {{min_sfa_successes}}
    AND 100.0 * p.sfa_successes / a.successes >= {{min_share_pct}}
),
-- Privileged users (any user type) ----------------------------------------------------------
priv_ok AS (
  SELECT * FROM interactive_ok WHERE user_is_privileged
),
priv_users AS (
  SELECT user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         MIN(time) AS first_seen, MAX(time) AS last_seen,
         COUNT(*) FILTER (WHERE ip_is_trusted) AS trusted,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT app ORDER BY app), ', ') AS apps
  FROM priv_ok WHERE authentication_requirement = 'singleFactorAuthentication'
  GROUP BY user_principal_name
),
priv AS (
  SELECT MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen,
         SUM(n) AS sfa_successes, SUM(trusted) AS from_trusted_ips, COUNT(*) AS users,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR), ' to ', apps) ORDER BY neg_n, user_principal_name) AS user_counts
  FROM priv_users
),
priv_total AS (
  SELECT COUNT(*) AS successes FROM priv_ok
),
priv_ids AS (
  SELECT ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM priv_ok WHERE authentication_requirement = 'singleFactorAuthentication'
)
SELECT f.first_seen, f.last_seen, f.principals, CAST(NULL AS VARCHAR) AS ips, f.sfa_successes AS evidence_count,
       CONCAT(f.app, ': ', CAST(f.sfa_successes AS VARCHAR), ' of ', CAST(f.successes AS VARCHAR),
              ' successful member interactive sign-ins (', CAST(f.share_pct AS VARCHAR), '%) were single-factor, by ',
              CAST(f.users AS VARCHAR), CASE WHEN f.users = 1 THEN ' user (' ELSE ' users (' END,
              ARRAY_TO_STRING(f.top_users, ', '), CASE WHEN f.users > 5 THEN ', …)' ELSE ')' END,
              '; ', CAST(f.from_trusted_ips AS VARCHAR), ' from trusted IPs; tenant-wide ',
              CAST(t.sfa_successes AS VARCHAR), ' of ', CAST(t.successes AS VARCHAR), ' (',
              CAST(ROUND(100.0 * t.sfa_successes / t.successes, 1) AS VARCHAR), '%)') AS summary,
       'medium' AS severity,
       f.record_ids,
       f.app AS scope,
       f.sfa_successes, f.successes, f.share_pct AS sfa_share_pct, f.from_trusted_ips,
       ROUND(100.0 * t.sfa_successes / t.successes, 1) AS tenant_sfa_share_pct,
       f.user_counts AS users
FROM app_findings f CROSS JOIN tenant t
UNION ALL
SELECT p.first_seen, p.last_seen, p.principals, CAST(NULL AS VARCHAR) AS ips, p.sfa_successes AS evidence_count,
       CONCAT(CAST(p.users AS VARCHAR), CASE WHEN p.users = 1 THEN ' privileged user' ELSE ' privileged users' END,
              ' signed in with a single factor: ', CAST(p.sfa_successes AS VARCHAR), ' of ', CAST(pt.successes AS VARCHAR),
              ' of their successful interactive sign-ins (', CAST(ROUND(100.0 * p.sfa_successes / pt.successes, 1) AS VARCHAR),
              '%): ', ARRAY_TO_STRING(p.top_users, ', '), CASE WHEN p.users > 5 THEN ', …' ELSE '' END,
              '; ', CAST(p.from_trusted_ips AS VARCHAR), ' from trusted IPs') AS summary,
       'high' AS severity,
       i.record_ids,
       'privileged users' AS scope,
       p.sfa_successes, pt.successes, ROUND(100.0 * p.sfa_successes / pt.successes, 1) AS sfa_share_pct, p.from_trusted_ips,
       ROUND(100.0 * t.sfa_successes / t.successes, 1) AS tenant_sfa_share_pct,
       p.user_counts AS users
FROM priv p CROSS JOIN priv_total pt CROSS JOIN tenant t CROSS JOIN priv_ids i
WHERE p.users > 0
