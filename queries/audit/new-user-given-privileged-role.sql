-- ---
-- id: USER-CREATE-PRIV
-- title: New account given a privileged role within a day
-- kind: detection
-- severity: high
-- techniques: [T1136.003, T1098.003]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A successful "Add user" followed within max_hours by a successful role assignment to the
--   same object id ("Add member to role", "Add eligible member to role", "Add scoped member to
--   role", the PIM "… completed" and "outside of PIM" variants; requests are ignored) of a
--   privileged role (by template id: the role_is_privileged enrichment, which covers
--   Microsoft's PRIVILEGED roles, the CISA list, device local admin and custom roles). The new account, its
--   creator and the assigner are the principals. Critical when the creator or the assigner
--   acted from a hosting or intel-listed IP or used an attack-tool user agent.
-- why: >-
--   A fresh account with an admin role is the classic backdoor administrator: it survives the
--   reset of the account that was phished and blends in with real admins.
-- remediation: [disable_account, remove_role_assignment, revoke_sessions, confirm_compromised]
-- tables: [audits]
-- params:
--   max_hours: 24
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
-- false_positives:
--   - Onboarding of a new administrator or a dedicated admin account (ask for the ticket)
-- catalog: [USER-CREATE-ANOM]
-- ---
WITH new_users AS (
  SELECT id, time, target_id, target_upn, COALESCE(actor_upn, actor_app_name) AS creator, ip_address,
         (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') AS risky_source
  FROM audits
  WHERE activity = 'Add user' AND result = 'success' AND target_id IS NOT NULL
),
role_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND activity ILIKE '%member to role%'
    AND activity NOT ILIKE 'remove%'
    AND activity NOT ILIKE '%request%'
),
role_parts AS (
  SELECT id, tg.type AS kind, tg.id AS object_id, tg.upn AS upn, tg.display_name AS name,
         tg.modified_properties AS props
  FROM role_events
),
role_props AS (
  SELECT id, UNNEST(props) AS mp FROM role_parts
),
-- per assignment: the user that got the role, and the role's name
assignments AS (
  SELECT e.id,
         MAX(CASE WHEN e.kind = 'User' THEN e.object_id END) AS user_id,
         MAX(CASE WHEN e.kind = 'User' THEN e.upn END) AS user_upn,
         MAX(CASE WHEN e.kind = 'Role' THEN e.name END) AS role_target_name
  FROM role_parts e
  GROUP BY e.id
),
role_names AS (
  SELECT id, MAX(mp.new_value) AS role_name
  FROM role_props
  WHERE mp.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName')
  GROUP BY id
),
privileged_assignments AS (
  SELECT a.id, a.time, a.activity, COALESCE(a.actor_upn, a.actor_app_name) AS assigner, a.ip_address,
         (a.ip_is_hosting OR a.ip_intel IS NOT NULL OR a.ua_tool_kind = 'attack_tool') AS risky_source,
         s.user_id, s.user_upn, COALESCE(n.role_name, s.role_target_name) AS role_name
  FROM audits a
  JOIN assignments s ON s.id = a.id
  LEFT JOIN role_names n ON n.id = a.id
  WHERE s.user_id IS NOT NULL
    AND COALESCE(a.role_is_privileged, FALSE)
),
pairs AS (
  SELECT u.id AS add_id, u.time AS created, u.target_id, u.target_upn, u.creator, u.ip_address AS creator_ip,
         r.id AS role_id, r.time AS assigned, r.activity AS role_activity, r.assigner, r.ip_address AS assigner_ip,
         r.role_name, (u.risky_source OR r.risky_source) AS risky_source
  FROM new_users u
  JOIN privileged_assignments r ON r.user_id = u.target_id
  WHERE r.time >= u.time
    AND CAST(r.time AS BIGINT) - CAST(u.time AS BIGINT) <= {{max_hours}} * 3600000000
),
per_account AS (
  SELECT target_id,
         MIN(target_upn) AS account,
         MIN(created) AS first_seen,
         MAX(assigned) AS last_seen,
         MIN(assigned) AS first_assigned,
         COUNT(DISTINCT add_id) + COUNT(DISTINCT role_id) AS evidence_count,
         STRING_AGG(DISTINCT role_name, '; ' ORDER BY role_name) AS roles,
         STRING_AGG(DISTINCT role_activity, '; ' ORDER BY role_activity) AS role_activities,
         STRING_AGG(DISTINCT creator, ';' ORDER BY creator) AS creators,
         STRING_AGG(DISTINCT assigner, ';' ORDER BY assigner) AS assigners,
         STRING_AGG(DISTINCT creator_ip, ';' ORDER BY creator_ip) AS creator_ips,
         STRING_AGG(DISTINCT assigner_ip, ';' ORDER BY assigner_ip) AS assigner_ips,
         MAX(CASE WHEN risky_source THEN 1 ELSE 0 END) AS risky_source,
         CONCAT(STRING_AGG(DISTINCT add_id, ';'), ';', STRING_AGG(DISTINCT role_id, ';')) AS record_ids
  FROM pairs
  GROUP BY target_id
)
SELECT first_seen,
       last_seen,
       CONCAT(COALESCE(account, target_id), ';', COALESCE(creators, ''), ';', COALESCE(assigners, '')) AS principals,
       CONCAT(COALESCE(creator_ips, ''), ';', COALESCE(assigner_ips, '')) AS ips,
       evidence_count,
       CONCAT('new account ', COALESCE(account, target_id), ' created by ', COALESCE(creators, 'an unknown actor'),
              ' received ', roles, ' ',
              CAST(DIV(CAST(first_assigned AS BIGINT) - CAST(first_seen AS BIGINT), 60000000) AS VARCHAR),
              ' minutes later from ', COALESCE(assigners, 'an unknown actor'),
              ' (', role_activities, ')') AS summary,
       CASE WHEN risky_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       account,
       target_id AS account_object_id,
       roles,
       role_activities,
       creators,
       assigners,
       creator_ips,
       assigner_ips
FROM per_account
