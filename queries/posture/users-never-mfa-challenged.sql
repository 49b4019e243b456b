-- ---
-- id: POS-MFA-NEVER
-- title: Users never asked for MFA
-- kind: posture
-- severity: medium
-- description: >-
--   Member users with at least min_successes successful sign-ins (interactive or
--   non-interactive) in the window and no sign-in at all that shows MFA: no
--   multiFactorAuthentication requirement, no MFA method in authenticationDetails / mfaDetail,
--   and no MFA prompt or registration interrupt (50074, 50076, 50079, 50072, 500121). One
--   finding listing those users with their share of the active member users; high when one
--   of them is privileged. MFA done before the window only counts if a token carrying it
--   (multiFactorAuthentication) was used inside the window.
-- why: >-
--   An account that is never challenged for MFA is protected by its password alone, and one
--   that has not registered a method can be registered by whoever phishes the password
--   first. Every active user should be able to complete MFA and be required to.
-- remediation: [require_mfa_reregistration, review_configuration]
-- tables: [signins]
-- params:
--   min_successes: 1
-- false_positives:
--   - Short windows where a user only refreshed tokens issued before the window from a single-factor trusted location
-- references:
--   - https://learn.microsoft.com/entra/identity/monitoring-health/recommendation-mfa-from-known-devices
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.3.2v2, "Entra recommendation: Ensure all users can complete MFA"]
-- catalog: [POS-SFA]
-- ---
WITH member_signins AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND user_principal_name IS NOT NULL
    AND COALESCE(user_type, 'member') = 'member'
),
per_user AS (
  SELECT user_principal_name,
         COUNT(*) FILTER (WHERE result = 'success') AS successes,
         0 - COUNT(*) FILTER (WHERE result = 'success') AS neg_successes,
         COUNT(*) FILTER (WHERE result = 'success' AND category = 'interactive') AS interactive_successes,
         -- Any sign of MFA: a token with the MFA claim, a method used, or a prompt / registration interrupt.
         COUNT(*) FILTER (WHERE authentication_requirement = 'multiFactorAuthentication'
                            OR mfa_method IS NOT NULL
                            OR error_code IN (50074, 50076, 50079, 50072, 500121)) AS mfa_signs,
         MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged,
         MIN(time) FILTER (WHERE result = 'success') AS first_success,
         MAX(time) FILTER (WHERE result = 'success') AS last_success,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT app_display_name ORDER BY app_display_name), ', ') AS apps
  FROM member_signins
  GROUP BY user_principal_name
),
active AS (
  SELECT * FROM per_user WHERE successes >= {{min_successes}}
),
never AS (
  SELECT * FROM active WHERE mfa_signs = 0
),
agg AS (
  SELECT MIN(first_success) AS first_seen, MAX(last_success) AS last_seen,
         COUNT(*) AS users, SUM(successes) AS successes, SUM(interactive_successes) AS interactive_successes,
         SUM(privileged) AS privileged_users,
         ARRAY_AGG(user_principal_name ORDER BY neg_successes, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, CASE WHEN privileged = 1 THEN ' [privileged]' ELSE '' END)
                   ORDER BY neg_successes, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(successes AS VARCHAR), ' successes (',
                          CAST(interactive_successes AS VARCHAR), ' interactive) to ', COALESCE(NULLIF(apps, ''), 'unknown apps'),
                          CASE WHEN privileged = 1 THEN ' [privileged]' ELSE '' END)
                   ORDER BY neg_successes, user_principal_name) AS user_details
  FROM never
),
active_count AS (
  SELECT COUNT(*) AS active_users FROM active
),
never_ids AS (
  SELECT ARRAY_AGG(s.id ORDER BY s.time, s.id LIMIT 50) AS record_ids
  FROM member_signins s JOIN never n ON s.user_principal_name = n.user_principal_name
  WHERE s.result = 'success'
)
SELECT g.first_seen, g.last_seen, g.principals, CAST(NULL AS VARCHAR) AS ips, g.successes AS evidence_count,
       CONCAT(CAST(g.users AS VARCHAR), ' of ', CAST(c.active_users AS VARCHAR), ' active member users (',
              CAST(ROUND(100.0 * g.users / c.active_users, 1) AS VARCHAR), '%) signed in successfully ',
              CAST(g.successes AS VARCHAR), ' times without ever being asked for MFA',
              CASE WHEN g.privileged_users > 0 THEN CONCAT(', ', CAST(g.privileged_users AS VARCHAR), ' of them privileged') ELSE '' END,
              ': ', ARRAY_TO_STRING(g.top_users, ', '), CASE WHEN g.users > 5 THEN ', …' ELSE '' END) AS summary,
       CASE WHEN g.privileged_users > 0 THEN 'high' ELSE 'medium' END AS severity,
       i.record_ids,
       g.users AS users_without_mfa, c.active_users, ROUND(100.0 * g.users / c.active_users, 1) AS share_pct,
       g.privileged_users, g.interactive_successes, g.user_details
FROM agg g CROSS JOIN active_count c CROSS JOIN never_ids i
WHERE g.users > 0
