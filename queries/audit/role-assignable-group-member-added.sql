-- ---
-- id: PIM-GROUP-MEMBER
-- title: Member added to a role-assignable or PIM-managed group
-- kind: detection
-- severity: medium
-- techniques: [T1098.003, T1098.007]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   (1) PIM for Groups: a successful "Add member to role in PIM completed (permanent|timebound)"
--   or "Add eligible member to role in PIM completed (…)" in category GroupManagement (PIM
--   names the group's access, Member or Owner, as the Role target), or an activity naming a
--   group in PIM ("Add … member to group in PIM completed …"). (2) Core Directory: a successful
--   "Add member to group" or "Add owner to group" into a group known to be role-assignable
--   from the export itself - a directory role was assigned to the group, "Add group" / "Update
--   group" set IsAssignableToRole to true, or the group appears in PIM for Groups records - or
--   listed in the role_assignable_groups parameter (object ids or names). The group is read
--   from the Group.ObjectID / Group.DisplayName properties, else the Group target. Echoes
--   initiated by MS-PIM (activations of PIM for Groups) are skipped: activations are
--   PIM-ACTIVATE-ANOMALY's. Medium; high when the new member is a guest (#EXT#), when the
--   group holds a privileged directory role in the export (role_is_privileged), or when the
--   actor came from a hosting or intel-listed address or used an attack-tool user agent.
-- why: >-
--   Membership of a role-assignable group is a role assignment by another name: it carries the
--   group's roles (often Global Administrator) and shows up in no role-assignment alert.
--   Putting an account, especially an external one, in such a group is a quiet way to grant
--   admin rights or keep them.
-- remediation: [remove_role_assignment, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   role_assignable_groups: []
-- false_positives:
--   - Onboarding an admin into the tier-0 group through the documented process (check the ticket)
--   - Access reviews re-adding members (the actor is then the access-review service)
-- references:
--   - https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept
--   - https://learn.microsoft.com/entra/id-governance/privileged-identity-management/concept-pim-for-groups
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/NRT_UseraddedtoPrivilgedGroups.yaml
-- ---
WITH role_ops AS (
  -- groups that received a directory role (only role-assignable groups can)
  SELECT id, role_name, role_is_privileged, UNNEST(targets) AS t
  FROM audits
  WHERE result = 'success'
    AND (activity IN ('Add member to role', 'Add eligible member to role', 'Add scoped member to role',
                        'Add member to role outside of PIM (permanent)')
         OR activity LIKE 'Add member to role in PIM completed%'
         OR activity LIKE 'Add eligible member to role in PIM completed%')
    AND COALESCE(category, '') <> 'GroupManagement'
),
role_groups AS (
  SELECT LOWER(t.id) AS group_id, t.display_name AS group_name, role_name, role_is_privileged
  FROM role_ops WHERE LOWER(t.type) = 'group' AND t.id IS NOT NULL
),
pim_group_ops AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR COALESCE(ua_tool_kind, '') = 'attack_tool' AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND ((category = 'GroupManagement' AND logged_by_service = 'PIM'
          AND (activity LIKE 'Add member to role in PIM completed%'
               OR activity LIKE 'Add eligible member to role in PIM completed%'))
         OR activity LIKE 'Add % to group in PIM completed%')
),
pim_tg AS (
  SELECT id, UNNEST(targets) AS t FROM pim_group_ops
),
pim_tf AS (
  SELECT id, LOWER(t.type) AS ttype, t.id AS tid, LOWER(t.upn) AS tupn, t.display_name AS tname FROM pim_tg
),
pim_adds AS (
  SELECT p.id, MIN(p.time) AS time, MIN(p.activity) AS activity, MIN(p.actor_upn) AS actor_upn, MIN(p.actor) AS actor,
         MIN(p.ip_address) AS ip_address, MIN(p.user_agent) AS user_agent,
         MAX(CASE WHEN p.suspicious_source THEN 1 ELSE 0 END) AS suspicious,
         MIN(CASE WHEN g.ttype IN ('user', 'serviceprincipal') THEN COALESCE(g.tupn, g.tname, g.tid) END) AS member,
         MIN(CASE WHEN g.ttype = 'group' THEN LOWER(g.tid) END) AS group_id,
         MIN(CASE WHEN g.ttype = 'group' THEN g.tname END) AS group_name,
         CONCAT(CASE WHEN MIN(p.activity) LIKE '%eligible%' THEN 'eligible ' ELSE '' END,
                COALESCE(MIN(CASE WHEN g.ttype = 'role' THEN g.tname END), 'member')) AS membership
  FROM pim_group_ops p
  JOIN pim_tf g ON g.id = p.id
  GROUP BY p.id
),
known_groups AS (
  SELECT group_id, group_name,
         CONCAT('holds ', COALESCE(role_name, 'a directory role')) AS why,
         COALESCE(role_is_privileged, FALSE) AS privileged
  FROM role_groups
  UNION ALL
  SELECT LOWER(target_id) AS group_id, target_name AS group_name, 'was created or set role-assignable' AS why, FALSE AS privileged
  FROM audits
  WHERE result = 'success' AND activity IN ('Add group', 'Update group') AND target_id IS NOT NULL
    AND LOWER(COALESCE(changes, '')) ~ 'isassignabletorole: [^\n]*-> *\[?"?true'
  UNION ALL
  SELECT group_id, group_name, 'is managed in PIM for Groups' AS why, FALSE AS privileged
  FROM pim_adds WHERE group_id IS NOT NULL
),
known AS (
  SELECT group_id,
         STRING_AGG(DISTINCT why, ', ' ORDER BY why) AS why,
         MAX(CASE WHEN privileged THEN 1 ELSE 0 END) AS privileged
  FROM known_groups GROUP BY group_id
),
core_ops AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR COALESCE(ua_tool_kind, '') = 'attack_tool' AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add member to group', 'Add owner to group')
    -- PIM for Groups activations are written by MS-PIM into Core Directory too
    AND COALESCE(actor_app_name, actor_display_name, '') NOT LIKE 'MS-PIM%'
),
core_tg AS (
  SELECT id, UNNEST(targets) AS t FROM core_ops
),
core_props AS (
  SELECT id, t.id AS tid, LOWER(t.type) AS ttype, LOWER(t.upn) AS tupn, t.display_name AS tname,
         UNNEST(t.modified_properties) AS mp
  FROM core_tg
),
core_pf AS (
  SELECT id, tid, ttype, tupn, tname, mp.name AS pname, mp.new_value AS pvalue FROM core_props
),
core_adds AS (
  SELECT c.id, MIN(c.time) AS time, MIN(c.activity) AS activity, MIN(c.actor_upn) AS actor_upn, MIN(c.actor) AS actor,
         MIN(c.ip_address) AS ip_address, MIN(c.user_agent) AS user_agent,
         MAX(CASE WHEN c.suspicious_source THEN 1 ELSE 0 END) AS suspicious,
         MIN(CASE WHEN p.ttype IN ('user', 'serviceprincipal', 'device') THEN COALESCE(p.tupn, p.tname, p.tid) END) AS member,
         LOWER(COALESCE(MAX(CASE WHEN p.pname = 'Group.ObjectID' THEN p.pvalue END),
                        MIN(CASE WHEN p.ttype = 'group' THEN p.tid END))) AS group_id,
         COALESCE(MAX(CASE WHEN p.pname = 'Group.DisplayName' THEN p.pvalue END),
                  MIN(CASE WHEN p.ttype = 'group' THEN p.tname END)) AS group_name,
         CASE WHEN MIN(c.activity) = 'Add owner to group' THEN 'Owner' ELSE 'Member' END AS membership
  FROM core_ops c
  JOIN core_pf p ON p.id = c.id
  GROUP BY c.id
),
adds AS (
  SELECT a.*, 'PIM for Groups' AS path,
         COALESCE(k.why, 'is managed in PIM for Groups') AS why, COALESCE(k.privileged, 0) AS privileged
  FROM pim_adds a
  LEFT JOIN known k ON k.group_id = a.group_id
  UNION ALL
  SELECT a.*, 'Core Directory' AS path,
         COALESCE(k.why, 'is listed in role_assignable_groups') AS why, COALESCE(k.privileged, 0) AS privileged
  FROM core_adds a
  LEFT JOIN known k ON k.group_id = a.group_id
  WHERE k.group_id IS NOT NULL
     OR a.group_id IN {{role_assignable_groups}}
     OR LOWER(a.group_name) IN {{role_assignable_groups}}
)
SELECT time AS first_seen,
       time AS last_seen,
       CONCAT_WS(';', actor_upn, member) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'an unknown actor'), ' added ',
              COALESCE(member, 'an unnamed member'),
              CASE WHEN LOWER(COALESCE(member, '')) LIKE '%#ext#%' THEN ' (a guest)' ELSE '' END,
              ' to ', COALESCE(group_name, group_id, 'an unnamed group'), ' as ', LOWER(COALESCE(membership, 'member')),
              ' on ', STRFTIME(time, '%Y-%m-%d %H:%M'), ' UTC (', activity, '); the group ', why) AS summary,
       CASE WHEN LOWER(COALESCE(member, '')) LIKE '%#ext#%' OR privileged = 1 OR suspicious = 1 THEN 'high'
            ELSE 'medium' END AS severity,
       id AS record_ids,
       member, group_name, group_id, membership, path, why AS group_is_role_assignable_because,
       privileged = 1 AS group_holds_privileged_role, user_agent
FROM adds
