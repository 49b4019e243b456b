-- ---
-- id: ROLE-OUTSIDE-PIM
-- title: Directory role assigned outside PIM
-- kind: detection
-- severity: medium
-- techniques: [T1098.003]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A permanent, active role assignment made outside Privileged Identity Management: PIM's own
--   "Add member to role outside of PIM (permanent)" record, or a successful Core Directory "Add
--   member to role" whose initiator is not MS-PIM (PIM-made assignments are initiated by
--   MS-PIM / MS-PIM-Fairfax). Both records of one assignment are merged: one finding per
--   assignee and role. High when the role is privileged (by template id: the
--   role_is_privileged enrichment). Not implemented: the PIM alert configuration
--   rolesAssignedOutsidePrivilegedIdentityManagementAlertConfiguration (it names no assignee).
-- why: >-
--   A standing assignment made around PIM skips approval, MFA on activation and time limits;
--   attackers with role-management rights use it because nobody has to approve anything.
-- remediation: [remove_role_assignment, review_configuration]
-- tables: [audits]
-- false_positives:
--   - Tenants that do not use PIM (no P2 licence) assign every role directly
--   - Break-glass accounts, which are permanent by design
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.7.5v1]
-- catalog: [ROLE-OUTSIDE-PIM]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, ip_address, targets, role_is_privileged,
         -- PIM's own "outside of PIM" record may be initiated by MS-PIM: not the one who assigned
         CASE WHEN COALESCE(actor_app_name, actor_display_name, '') LIKE 'MS-PIM%' THEN NULL ELSE actor_upn END AS actor_upn,
         CASE WHEN COALESCE(actor_app_name, actor_display_name, '') LIKE 'MS-PIM%' THEN NULL
              ELSE COALESCE(actor_upn, actor_app_name, actor_display_name) END AS actor
  FROM audits
  WHERE result = 'success'
    AND (activity = 'Add member to role outside of PIM (permanent)'
         OR (activity = 'Add member to role'
             AND COALESCE(actor_app_name, actor_display_name, '') NOT LIKE 'MS-PIM%'))
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
         MIN(CASE WHEN LOWER(ttype) IN ('user', 'serviceprincipal', 'group') THEN COALESCE(tupn, tname, tid) END) AS assignee,
         MIN(CASE WHEN LOWER(ttype) IN ('user', 'serviceprincipal', 'group') THEN ttype END) AS assignee_type,
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
-- one finding per assignment: PIM's "outside of PIM" record and the Core Directory record merge
per_assignment AS (
  SELECT assignee, role,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         MIN(assignee_type) AS assignee_type,
         MIN(template_id) AS template_id,
         MAX(privileged) AS privileged,
         STRING_AGG(DISTINCT actor, ';' ORDER BY actor) AS actors,
         STRING_AGG(DISTINCT actor_upn, ';' ORDER BY actor_upn) AS actor_upns,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT activity ORDER BY activity) AS activities,
         ARRAY_AGG(id ORDER BY id) AS record_ids
  FROM assignments
  WHERE assignee IS NOT NULL
  GROUP BY assignee, role
)
SELECT first_seen, last_seen,
       CONCAT_WS(';', actor_upns, assignee) AS principals,
       ips, evidence_count,
       CONCAT(COALESCE(actors, 'unknown actor'), ' assigned ', role, ' to ', assignee,
              ' directly, outside PIM (', CAST(evidence_count AS VARCHAR), ' record(s))') AS summary,
       CASE WHEN privileged = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       assignee, assignee_type, role, template_id, actors, activities
FROM per_assignment
