-- ---
-- id: AUTHM-PRIV
-- title: Authentication method changed on a privileged account
-- kind: detection
-- severity: high
-- techniques: [T1556.006, T1098]
-- tactics: [persistence, credential-access]
-- description: >-
--   A security-info operation (a user or an admin registering, changing, updating, reviewing
--   or deleting an authentication method, or starting / finishing registration) succeeds on
--   an account that is privileged (it holds an admin role in the window's audits or is on the
--   policy's privileged_users list) or is a break-glass account. One finding per account and
--   day, listing the methods from the result reason. Critical when the operation came from a
--   hosting or intel-listed IP or an attack-tool user agent.
-- why: >-
--   A method added to an admin account is how an attacker who phished the password keeps MFA
--   access after a reset; a deleted method can lock the real owner out. Admin methods change
--   rarely, so every change should be confirmed with the owner.
-- remediation: [require_mfa_reregistration, revoke_sessions, reset_password, confirm_compromised]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://learn.microsoft.com/entra/identity/authentication/howto-mfa-userdevicesettings
-- false_positives:
--   - An administrator replacing a phone or enrolling a new FIDO2 key (confirm with the owner)
-- catalog: [AUTHM-PRIV]
-- ---
WITH method_changes AS (
  SELECT *,
         -- an admin acting on the account (helpdesk, or an attacker holding an admin role)
         CASE WHEN actor_upn <> target_upn THEN actor_upn END AS other_actor
  FROM audits
  WHERE result = 'success'
    AND activity IN ('User registered security info', 'User changed default security info',
                     'User deleted security info', 'User updated security info',
                     'User reviewed security info', 'Admin registered security info',
                     'Admin updated security info', 'Admin deleted security info',
                     'User registered all required security info',
                     'User started security info registration')
    AND target_upn IS NOT NULL
    AND (target_is_privileged OR target_is_break_glass)
),
-- One finding per account and day: a registration writes several records (started,
-- registered, registered all required) that belong together.
per_account AS (
  SELECT target_upn,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT result_reason, '; ' ORDER BY result_reason) AS methods,
         STRING_AGG(DISTINCT other_actor, ';' ORDER BY other_actor) AS other_actors,
         STRING_AGG(DISTINCT actor_app_name, ';' ORDER BY actor_app_name) AS actor_apps,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         MAX(CASE WHEN target_is_break_glass THEN 1 ELSE 0 END) AS is_break_glass,
         MAX(CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool'
                  THEN 1 ELSE 0 END) AS risky_source,
         ARRAY_AGG(id) AS record_ids
  FROM method_changes
  GROUP BY target_upn, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       CASE WHEN other_actors IS NULL THEN target_upn ELSE CONCAT(target_upn, ';', other_actors) END AS principals,
       ips,
       evidence_count,
       CONCAT(CASE WHEN is_break_glass = 1 THEN 'break-glass account ' ELSE 'privileged account ' END,
              target_upn, ': ', CAST(evidence_count AS VARCHAR), ' authentication-method change(s) on ', day,
              ' (', COALESCE(methods, activities), ')',
              CASE WHEN other_actors IS NULL THEN '' ELSE CONCAT(', made by ', other_actors) END,
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END) AS summary,
       CASE WHEN risky_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       target_upn AS account,
       activities,
       methods,
       other_actors AS changed_by,
       actor_apps,
       user_agents,
       hosting_providers,
       ip_intel
FROM per_account
