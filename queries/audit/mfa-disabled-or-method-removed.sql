-- ---
-- id: MFA-REMOVED
-- title: MFA disabled or authentication method removed
-- kind: detection
-- severity: medium
-- techniques: [T1556.006]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   Per-user MFA is switched off ("Disable Strong Authentication", or "Update user" whose
--   StrongAuthenticationRequirement new value has State 0 or drops the state the old value
--   had), or an authentication method is deleted ("User deleted security info", "Admin
--   deleted security info"). Successful operations only. High when the account is privileged
--   or break-glass, or the change came from a hosting or intel-listed IP; medium when MFA is
--   disabled or a method is deleted by someone else; low when users delete one of their own
--   methods (the catalog's "did you expect this?" case).
-- why: >-
--   Removing MFA, or the owner's own method, is how an attacker keeps a foothold quiet: the
--   account then signs in with the password alone, or only with the attacker's method.
-- remediation: [require_mfa_reregistration, revoke_sessions, ask_customer]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/howto-mfa-userstates
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
-- false_positives:
--   - A migration from per-user MFA to Conditional Access (disables it for many users at once)
--   - Users removing an old phone number
-- catalog: [MFA-REMOVED]
-- ---
WITH user_updates AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity = 'Update user' AND result = 'success'
    AND changes LIKE '%StrongAuthenticationRequirement%'
),
requirement_changes AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM user_updates
),
-- per-user MFA went to State 0 (disabled), or the requirement (State 1 enabled / 2 enforced)
-- was removed altogether
per_user_mfa_off AS (
  SELECT id, mp.old_value AS old_value, mp.new_value AS new_value
  FROM requirement_changes
  WHERE mp.name = 'StrongAuthenticationRequirement'
    AND (mp.new_value LIKE '%"State":0%'
         OR (mp.old_value LIKE '%"State":%' AND COALESCE(mp.new_value, '') NOT LIKE '%"State":%'))
),
removals AS (
  SELECT a.id, a.time, a.activity, a.target_upn, a.actor_upn, a.actor_app_name, a.ip_address,
         a.user_agent, a.target_is_privileged, a.target_is_break_glass, a.ip_is_hosting,
         a.ip_hosting_provider, a.ip_intel,
         'per-user MFA disabled' AS change,
         CONCAT('StrongAuthenticationRequirement: ', COALESCE(p.old_value, '[]'), ' -> ', COALESCE(p.new_value, '[]')) AS detail
  FROM audits a
  JOIN per_user_mfa_off p ON p.id = a.id
  UNION ALL
  SELECT id, time, activity, target_upn, actor_upn, actor_app_name, ip_address,
         user_agent, target_is_privileged, target_is_break_glass, ip_is_hosting,
         ip_hosting_provider, ip_intel,
         'per-user MFA disabled' AS change, activity AS detail
  FROM audits
  WHERE activity = 'Disable Strong Authentication' AND result = 'success'
  UNION ALL
  SELECT id, time, activity, target_upn, actor_upn, actor_app_name, ip_address,
         user_agent, target_is_privileged, target_is_break_glass, ip_is_hosting,
         ip_hosting_provider, ip_intel,
         'authentication method deleted' AS change, COALESCE(result_reason, activity) AS detail
  FROM audits
  WHERE activity IN ('User deleted security info', 'Admin deleted security info') AND result = 'success'
)
SELECT time AS first_seen,
       time AS last_seen,
       CASE WHEN actor_upn IS NULL OR actor_upn = target_upn THEN target_upn
            ELSE CONCAT(target_upn, ';', actor_upn) END AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(change, ' for ',
              CASE WHEN target_is_break_glass THEN 'break-glass account '
                   WHEN target_is_privileged THEN 'privileged account ' ELSE '' END,
              COALESCE(target_upn, 'an unknown user'), ' by ',
              CASE WHEN actor_upn = target_upn THEN 'the user'
                   ELSE COALESCE(actor_upn, actor_app_name, 'an unknown actor') END,
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              ' (', detail, ')') AS summary,
       CASE WHEN target_is_privileged OR target_is_break_glass OR ip_is_hosting OR ip_intel IS NOT NULL THEN 'high'
            WHEN change = 'authentication method deleted' AND actor_upn = target_upn THEN 'low'
            ELSE 'medium' END AS severity,
       id AS record_ids,
       target_upn AS account,
       change,
       detail,
       COALESCE(actor_upn, actor_app_name) AS changed_by,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM removals
