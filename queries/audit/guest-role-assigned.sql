-- ---
-- id: ROLE-GUEST-PRIV
-- title: Guest account added to a directory role
-- kind: detection
-- severity: high
-- techniques: [T1098.003]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A guest (a target whose UPN contains "#EXT#") is added to an Entra role, eligible or active,
--   directly or through PIM: any successful "Add … member to role …" activity except the PIM
--   request / approval steps. In PIM records the role is a target of type Role and the user is a
--   later target, so every target is searched. One finding per guest and role (the PIM record
--   and its MS-PIM Core Directory echo merge). High when the role is privileged (by
--   template id: the role_is_privileged enrichment); medium for other roles.
-- why: >-
--   A guest's credentials, MFA and devices are governed by another organisation; a guest with a
--   directory role is an administrator your tenant cannot protect, a favourite persistence spot.
-- remediation: [remove_role_assignment, delete_account, ask_customer]
-- tables: [audits]
-- false_positives:
--   - Managed-service or partner staff deliberately invited as guests and given roles (prefer GDAP)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
-- catalog: [ROLE-GUEST-PRIV]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, ip_address, targets, role_is_privileged,
         -- MS-PIM is the initiator of the Core Directory echo, not the one who assigned
         CASE WHEN COALESCE(actor_app_name, actor_display_name, '') LIKE 'MS-PIM%' THEN NULL ELSE actor_upn END AS actor_upn,
         CASE WHEN COALESCE(actor_app_name, actor_display_name, '') LIKE 'MS-PIM%' THEN NULL
              ELSE COALESCE(actor_upn, actor_app_name, actor_display_name) END AS actor
  FROM audits
  WHERE result = 'success'
    AND activity LIKE 'Add%member to role%'
    AND NOT (LOWER(activity) LIKE '%request%' OR LOWER(activity) LIKE '%approv%' OR LOWER(activity) LIKE '%denied%')
),
tg AS (
  SELECT id, time, activity, ip_address, actor_upn, actor, role_is_privileged, UNNEST(targets) AS t
  FROM ops
),
props AS (
  -- one row per target and modified property (a target without properties keeps one row, p null)
  SELECT id, time, activity, ip_address, actor_upn, actor, role_is_privileged,
         t.id AS tid, t.type AS ttype, t.display_name AS tname, t.upn AS tupn,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
assignments AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(ip_address) AS ip_address,
         MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(CASE WHEN LOWER(tupn) LIKE '%#ext#%' THEN tupn END) AS guest,
         MIN(CASE WHEN LOWER(tupn) LIKE '%#ext#%' THEN tname END) AS guest_name,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tname END),
                  MAX(CASE WHEN p.name IN ('Role.TemplateId', 'RoleDefinition.TemplateId') THEN p.new_value END),
                  'unknown role') AS role,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.TemplateId', 'RoleDefinition.TemplateId') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tid END)) AS template_id,
         MAX(CASE WHEN role_is_privileged THEN 1 ELSE 0 END) AS privileged
  FROM props
  GROUP BY id
),
per_guest_role AS (
  SELECT guest, role,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         MIN(guest_name) AS guest_name,
         MIN(template_id) AS template_id,
         MAX(privileged) AS privileged,
         STRING_AGG(DISTINCT actor, ';' ORDER BY actor) AS actors,
         STRING_AGG(DISTINCT actor_upn, ';' ORDER BY actor_upn) AS actor_upns,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT activity ORDER BY activity) AS activities,
         ARRAY_AGG(id ORDER BY id) AS record_ids
  FROM assignments
  WHERE guest IS NOT NULL
  GROUP BY guest, role
)
SELECT first_seen, last_seen,
       CONCAT_WS(';', guest, actor_upns) AS principals,
       ips, evidence_count,
       CONCAT('guest ', guest, ' was added to ', role, ' by ', COALESCE(actors, 'an unknown actor'),
              ' (', CAST(evidence_count AS VARCHAR), ' record(s))') AS summary,
       CASE WHEN privileged = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       guest, guest_name, role, template_id, actors, activities
FROM per_guest_role
