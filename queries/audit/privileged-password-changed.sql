-- ---
-- id: PRIV-PWD-CHANGE
-- title: Password changed or reset on a privileged or break-glass account
-- kind: detection
-- severity: high
-- techniques: [T1098]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A successful password change or reset ("Change user password", "Change password
--   (self-service)", "Reset password (self-service)", "Reset password (by admin)", "Reset user
--   password", "Reset password", "Set force change user password", or "Update user" touching
--   PasswordProfile) on an account that is privileged (admin role in the window's audits or
--   policy privileged_users) or break-glass. One finding per account and day. Critical when
--   the change came from a hosting or intel-listed IP or an attack-tool user agent.
-- why: >-
--   Resetting an administrator's password hands the admin's rights to whoever reset it, and a
--   changed break-glass password can lock the customer out of their own tenant.
-- remediation: [ask_customer, revoke_sessions, reset_password]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
-- false_positives:
--   - Scheduled rotation of break-glass passwords; an admin changing an expired password
-- catalog: [PRIV-PWD-CHANGE]
-- ---
WITH changes AS (
  SELECT *,
         CASE WHEN actor_upn <> target_upn THEN actor_upn END AS other_actor
  FROM audits
  WHERE result = 'success'
    AND target_upn IS NOT NULL
    AND (target_is_privileged OR target_is_break_glass)
    AND (activity IN ('Change user password', 'Change password (self-service)',
                      'Reset password (self-service)', 'Reset password (by admin)',
                      'Reset user password', 'Reset password', 'Set force change user password')
         OR (activity = 'Update user' AND changes LIKE '%PasswordProfile%'))
),
per_account AS (
  SELECT target_upn,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT other_actor, ';' ORDER BY other_actor) AS other_actors,
         STRING_AGG(DISTINCT actor_app_name, ';' ORDER BY actor_app_name) AS actor_apps,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         MAX(CASE WHEN target_is_break_glass THEN 1 ELSE 0 END) AS is_break_glass,
         MAX(CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool'
                  THEN 1 ELSE 0 END) AS risky_source,
         ARRAY_AGG(id) AS record_ids
  FROM changes
  GROUP BY target_upn, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       CASE WHEN other_actors IS NULL THEN target_upn ELSE CONCAT(target_upn, ';', other_actors) END AS principals,
       ips,
       evidence_count,
       CONCAT('password of ', CASE WHEN is_break_glass = 1 THEN 'break-glass' ELSE 'privileged' END,
              ' account ', target_upn, ' changed on ', day, ' (', activities, ', ',
              CAST(evidence_count AS VARCHAR), ' record(s)) by ',
              COALESCE(other_actors, actor_apps, 'the account itself'),
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END) AS summary,
       CASE WHEN risky_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       target_upn AS account,
       activities,
       other_actors AS changed_by,
       actor_apps,
       user_agents,
       hosting_providers,
       ip_intel
FROM per_account
