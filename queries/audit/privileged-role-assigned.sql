-- ---
-- id: ROLE-ADD-PRIV
-- title: User added to a privileged directory role
-- kind: detection
-- severity: high
-- techniques: [T1098.003]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A user is made a member of a privileged Entra role: "Add member to role", "Add eligible
--   member to role", "Add scoped member to role" (Core Directory) or "Add (eligible) member to
--   role in PIM completed (permanent|timebound)" (PIM), result success. The role comes from the
--   Role.DisplayName / RoleDefinition.DisplayName modified property or, in PIM records, from the
--   Role target; the user is the User target (its index varies in PIM records). A role is
--   privileged by the role_is_privileged enrichment: privilege is the role_is_privileged enrichment,
--   decided by template id (Microsoft's PRIVILEGED roles plus CISA's list, custom roles
--   included), by name only when the record has no template id.
--   The Core Directory echo of a PIM operation (initiated by MS-PIM) is skipped: the PIM record
--   names the admin. Service principals receiving roles are ROLE-SP-PRIV; PIM activations are
--   left to PIM-ACTIVATION-ANOM. Critical when the initiator's IP is a hosting network or on an
--   intel list, or its user agent is a tool or HTTP library. Not implemented: the "first time
--   in 14 days" weighting (an offline window has no reliable history).
-- why: >-
--   A new privileged role member is the most direct form of tenant takeover and of persistence:
--   an attacker who can assign roles gives a second, quieter account the keys.
-- remediation: [remove_role_assignment, revoke_sessions, reset_password, confirm_compromised]
-- tables: [audits]
-- false_positives:
--   - Planned admin onboarding (check the change ticket)
--   - Tenants without PIM, where every admin assignment is a direct one
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
-- catalog: [ROLE-ADD-PRIV]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, logged_by_service, actor_upn, ip_address, user_agent, targets, role_is_privileged,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND (activity IN ('Add member to role', 'Add eligible member to role', 'Add scoped member to role')
         OR activity LIKE 'Add member to role in PIM completed%'
         OR activity LIKE 'Add eligible member to role in PIM completed%')
    -- the Core Directory copy of a PIM assignment is initiated by MS-PIM; the PIM record has the admin
    AND COALESCE(actor_app_name, actor_display_name, '') NOT LIKE 'MS-PIM%'
),
tg AS (
  SELECT id, time, activity, logged_by_service, actor_upn, actor, ip_address, user_agent, suspicious_source,
         role_is_privileged, UNNEST(targets) AS t
  FROM ops
),
props AS (
  -- one row per target and modified property (a target without properties keeps one row, p null)
  SELECT id, time, activity, logged_by_service, actor_upn, actor, ip_address, user_agent, suspicious_source,
         role_is_privileged, t.id AS tid, t.type AS ttype, t.display_name AS tname, t.upn AS tupn,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
assignments AS (
  SELECT id,
         MIN(time) AS time, MIN(activity) AS activity, MIN(logged_by_service) AS logged_by_service,
         MIN(actor_upn) AS actor_upn, MIN(actor) AS actor, MIN(ip_address) AS ip_address,
         MIN(user_agent) AS user_agent, MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         -- the account receiving the role: a User target (first in Core Directory, later in PIM records)
         MIN(CASE WHEN LOWER(ttype) = 'user' THEN COALESCE(tupn, tname, tid) END) AS assignee,
         MIN(CASE WHEN LOWER(ttype) = 'user' THEN tid END) AS assignee_id,
         -- Core Directory: Role.* properties; PIM: a target of type Role (id = role definition id)
         COALESCE(MAX(CASE WHEN p.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tname END)) AS role,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.TemplateId', 'RoleDefinition.TemplateId') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tid END)) AS template_id,
         MAX(CASE WHEN p.name = 'Role.WellKnownObjectName' THEN p.new_value END) AS well_known,
         MAX(CASE WHEN role_is_privileged THEN 1 ELSE 0 END) = 1 AS role_privileged
  FROM props
  GROUP BY id
),
privileged AS (
  SELECT *
  FROM assignments
  WHERE assignee IS NOT NULL
    AND role_privileged
)
SELECT time AS first_seen,
       time AS last_seen,
       CONCAT_WS(';', actor_upn, assignee) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'unknown actor'), ' added ', assignee, ' to ',
              COALESCE(role, template_id, 'a privileged role'), ' (', activity, ')') AS summary,
       CASE WHEN suspicious_source THEN 'critical' ELSE 'high' END AS severity,
       id AS record_ids,
       assignee, assignee_id, role, template_id, activity, actor, logged_by_service, user_agent
FROM privileged
