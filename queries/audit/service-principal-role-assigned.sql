-- ---
-- id: ROLE-SP-PRIV
-- title: Service principal assigned a directory role
-- kind: detection
-- severity: high
-- techniques: [T1098.003]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A service principal is made a member of an Entra role: "Add member to role", "Add eligible
--   member to role", "Add scoped member to role" or "Add (eligible) member to role in PIM
--   completed …", result success, with a ServicePrincipal target. High when the role is
--   privileged (by template id: the role_is_privileged enrichment), medium
--   otherwise; critical when the initiator's IP is a hosting network or on an intel list, or
--   its user agent is a tool or HTTP library. The MS-PIM echo of a PIM record is skipped.
-- why: >-
--   An app holding a directory role acts with that role from anywhere, with any of its
--   credentials, without MFA or Conditional Access for users: a durable, quiet backdoor.
-- remediation: [remove_role_assignment, remove_app_credential, disable_service_principal]
-- tables: [audits]
-- false_positives:
--   - Provisioning or governance tools that need a directory role (documented per tenant)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications
-- catalog: [ROLE-SP-PRIV]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, targets, role_is_privileged,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND (activity IN ('Add member to role', 'Add eligible member to role', 'Add scoped member to role')
         OR activity LIKE 'Add member to role in PIM completed%'
         OR activity LIKE 'Add eligible member to role in PIM completed%')
    AND COALESCE(actor_app_name, actor_display_name, '') NOT LIKE 'MS-PIM%'
),
tg AS (
  SELECT id, time, activity, actor_upn, actor, ip_address, user_agent, suspicious_source, role_is_privileged,
         UNNEST(targets) AS t
  FROM ops
),
props AS (
  -- one row per target and modified property (a target without properties keeps one row, p null)
  SELECT id, time, activity, actor_upn, actor, ip_address, user_agent, suspicious_source, role_is_privileged,
         t.id AS tid, t.type AS ttype, t.display_name AS tname, t.upn AS tupn,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
assignments AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(ip_address) AS ip_address, MIN(user_agent) AS user_agent,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         MIN(CASE WHEN LOWER(ttype) = 'serviceprincipal' THEN COALESCE(tname, tid) END) AS sp_name,
         MIN(CASE WHEN LOWER(ttype) = 'serviceprincipal' THEN tid END) AS sp_object_id,
         MAX(CASE WHEN p.name = 'TargetId.ServicePrincipalNames' THEN p.new_value END) AS sp_names,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tname END)) AS role,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.TemplateId', 'RoleDefinition.TemplateId') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tid END)) AS template_id,
         MAX(CASE WHEN role_is_privileged THEN 1 ELSE 0 END) = 1 AS privileged_role
  FROM props
  GROUP BY id
),
rated AS (
  SELECT *
  FROM assignments
  WHERE sp_object_id IS NOT NULL
)
SELECT time AS first_seen,
       time AS last_seen,
       CONCAT_WS(';', sp_name, actor_upn) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'unknown actor'), ' assigned ', COALESCE(role, template_id, 'a directory role'),
              ' to service principal ', sp_name, ' (', activity, ')') AS summary,
       CASE WHEN privileged_role AND suspicious_source THEN 'critical'
            WHEN privileged_role THEN 'high'
            ELSE 'medium' END AS severity,
       id AS record_ids,
       sp_name, sp_object_id, sp_names, role, template_id, privileged_role, actor, activity, user_agent
FROM rated
