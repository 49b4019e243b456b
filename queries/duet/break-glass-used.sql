-- ---
-- id: DUET-BREAKGLASS
-- title: Break-glass account used
-- kind: duet
-- severity: high
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Any sign-in, successful or not, by an account the policy lists under
--   break_glass_accounts. One question per account and day.
-- why: >-
--   Emergency-access accounts bypass most controls and should almost never be used; every
--   use must be explained by the customer.
-- remediation: [ask_customer, reset_password, revoke_sessions]
-- tables: [signins]
-- references:
--   - https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
-- catalog: [DUET-BREAKGLASS]
-- ---
WITH uses AS (
  SELECT user_principal_name,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         STRING_AGG(DISTINCT ip_address, ';') AS ips,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT app_display_name) AS apps
  FROM signins
  WHERE user_is_break_glass
  GROUP BY user_principal_name, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen, last_seen, user_principal_name AS principals, ips, evidence_count,
       CONCAT('break-glass account ', user_principal_name, ' signed in ', CAST(evidence_count AS VARCHAR),
              ' time(s) on ', day, ' (', CAST(successes AS VARCHAR), ' successful)') AS summary,
       countries, apps
FROM uses
