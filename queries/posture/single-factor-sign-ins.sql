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
  SELECT id, time, user_principal_name, user_is_privileged, ip_is_trusted,
         COALESCE(app_display_name, app_id, 'unknown app') AS app,
         CASE WHEN authentication_requirement = 'singleFactorAuthentication' THEN 1 ELSE 0 END AS sfa,
         COALESCE(user_type, 'member') = 'member' AS is_member
  FROM signins
  WHERE category = 'interactive' AND result = 'success' AND user_principal_name IS NOT NULL
),
-- Every success once per scope it counts in: its app (member users only) and, for privileged
-- users of any type, the "privileged users" scope.
scoped AS (
  SELECT app AS scope, 0 AS privileged_scope, * FROM interactive_ok WHERE is_member
  UNION ALL
  SELECT 'privileged users' AS scope, 1 AS privileged_scope, * FROM interactive_ok WHERE user_is_privileged
),
per_scope AS (
  SELECT scope, MAX(privileged_scope) AS privileged_scope,
         COUNT(*) AS successes, SUM(sfa) AS sfa_successes,
         SUM(CASE WHEN sfa = 1 AND ip_is_trusted THEN 1 ELSE 0 END) AS from_trusted_ips,
         MIN(CASE WHEN sfa = 1 THEN time END) AS first_seen, MAX(CASE WHEN sfa = 1 THEN time END) AS last_seen,
         -- example evidence: the first 50 single-factor successes (the others sort last and are dropped)
         ARRAY_AGG(CASE WHEN sfa = 1 THEN id END ORDER BY 1 - sfa, time, id LIMIT 50) AS record_ids
  FROM scoped GROUP BY scope
),
scope_users AS (
  SELECT scope, user_principal_name, SUM(sfa) AS n, 0 - SUM(sfa) AS neg_n,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT CASE WHEN sfa = 1 THEN app END ORDER BY CASE WHEN sfa = 1 THEN app END), ', ') AS apps
  FROM scoped GROUP BY scope, user_principal_name
  HAVING SUM(sfa) > 0
),
scope_lists AS (
  SELECT scope, COUNT(*) AS users,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR), ' single-factor to ', apps) ORDER BY neg_n, user_principal_name) AS user_counts
  FROM scope_users GROUP BY scope
),
with_tenant AS (
  -- tenant-wide member share: the sum over every app scope, before dropping the clean apps
  SELECT *,
         SUM(CASE WHEN privileged_scope = 0 THEN sfa_successes ELSE 0 END) OVER () AS tenant_sfa,
         SUM(CASE WHEN privileged_scope = 0 THEN successes ELSE 0 END) OVER () AS tenant_successes
  FROM per_scope
),
findings AS (
  SELECT s.*, l.users, l.principals, l.top_users, l.user_counts,
         ROUND(100.0 * s.sfa_successes / s.successes, 1) AS share_pct
  FROM with_tenant s JOIN scope_lists l ON s.scope = l.scope
)
SELECT first_seen, last_seen, principals, CAST(NULL AS VARCHAR) AS ips, sfa_successes AS evidence_count,
       CASE WHEN privileged_scope = 1
            THEN CONCAT(CAST(users AS VARCHAR), CASE WHEN users = 1 THEN ' privileged user' ELSE ' privileged users' END,
                        ' signed in with a single factor: ', CAST(sfa_successes AS VARCHAR), ' of ', CAST(successes AS VARCHAR),
                        ' of their successful interactive sign-ins (', CAST(share_pct AS VARCHAR), '%): ',
                        ARRAY_TO_STRING(top_users, ', '), CASE WHEN users > 5 THEN ', …' ELSE '' END,
                        '; ', CAST(from_trusted_ips AS VARCHAR), ' from trusted IPs')
            ELSE CONCAT(scope, ': ', CAST(sfa_successes AS VARCHAR), ' of ', CAST(successes AS VARCHAR),
                        ' successful member interactive sign-ins (', CAST(share_pct AS VARCHAR), '%) were single-factor, by ',
                        CAST(users AS VARCHAR), CASE WHEN users = 1 THEN ' user (' ELSE ' users (' END,
                        ARRAY_TO_STRING(top_users, ', '), CASE WHEN users > 5 THEN ', …)' ELSE ')' END,
                        '; ', CAST(from_trusted_ips AS VARCHAR), ' from trusted IPs; tenant-wide ',
                        CAST(tenant_sfa AS VARCHAR), ' of ', CAST(tenant_successes AS VARCHAR), ' (',
                        CAST(ROUND(100.0 * tenant_sfa / tenant_successes, 1) AS VARCHAR), '%)')
       END AS summary,
       CASE WHEN privileged_scope = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       scope,
       sfa_successes, successes, share_pct AS sfa_share_pct, from_trusted_ips,
       ROUND(100.0 * tenant_sfa / tenant_successes, 1) AS tenant_sfa_share_pct,
       user_counts AS users
FROM findings
WHERE privileged_scope = 1
   OR (sfa_successes >= {{min_sfa_successes}} AND 100.0 * sfa_successes / successes >= {{min_share_pct}})
