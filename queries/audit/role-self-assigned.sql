-- ---
-- id: PIM-SELF-ASSIGN
-- title: User assigned or approved a role for themself
-- kind: detection
-- severity: high
-- techniques: [T1098.003, T1548.005]
-- tactics: [privilege-escalation, persistence]
-- description: >-
--   A successful role assignment whose initiator is also the assignee: "Add member to role",
--   "Add eligible member to role", "Add scoped member to role" (Core Directory), "Add member to
--   role outside of PIM (permanent)", "Add (eligible) member to role in PIM completed
--   (permanent|timebound)", "Update member in PIM approved by admin (extend/renew)", or an
--   approval of one's own activation request ("Add member to role request approved (PIM
--   activation)"). Directory roles, PIM for Groups and Azure resources alike. The assignee is
--   the User target (the first target in Core Directory records, a later one in PIM records);
--   initiator and assignee are the same person when their UPNs match, or their object ids
--   match and neither the UPNs nor the display names contradict it (sanitised samples reuse
--   placeholder ids). The user's own activations ("… completed / requested (PIM activation)")
--   are self-service by design and excluded, as are the Core Directory echoes initiated by
--   MS-PIM. One finding per user, role and day. High; critical when the initiator came from a
--   hosting or intel-listed address or used an attack-tool user agent. Complements
--   ROLE-ADD-PRIV (privileged assignments by anyone) for the self-granted case, whatever the
--   role.
-- why: >-
--   Nobody should grant themselves a role or approve their own elevation: it skips the second
--   pair of eyes PIM exists for, and it is how an attacker with role-management rights turns a
--   helpdesk or role-admin account into a standing or eligible Global Administrator.
-- remediation: [remove_role_assignment, revoke_sessions, reset_password, confirm_compromised]
-- tables: [audits]
-- false_positives:
--   - A Global Administrator making themself eligible for a narrower role to stop using GA (check the ticket)
--   - Tenant bootstrap, when the first admin configures PIM for their own account
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
--   - https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-use-audit-log
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_ad_self-assignment_privileged_role.yml
-- ---
WITH ops AS (
  SELECT id, time, activity, logged_by_service, actor_upn, actor_user_id, actor_display_name, ip_address,
         user_agent, ua_tool, role_name, role_template_id, role_is_privileged, targets,
         ip_is_hosting OR ip_intel IS NOT NULL OR COALESCE(ua_tool_kind, '') = 'attack_tool' AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND actor_type = 'user'
    AND (activity IN ('Add member to role', 'Add eligible member to role', 'Add scoped member to role',
                      'Add member to role outside of PIM (permanent)',
                      'Add member to role request approved (PIM activation)',
                      'Update member in PIM approved by admin (extend/renew)')
         OR activity LIKE 'Add member to role in PIM completed%'
         OR activity LIKE 'Add eligible member to role in PIM completed%')
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM ops
),
assignees AS (
  SELECT id,
         MIN(CASE WHEN LOWER(t.type) = 'user' THEN t.id END) AS assignee_id,
         MIN(CASE WHEN LOWER(t.type) = 'user' THEN LOWER(t.upn) END) AS assignee_upn,
         MIN(CASE WHEN LOWER(t.type) = 'user' THEN t.display_name END) AS assignee_name,
         MIN(CASE WHEN LOWER(t.type) IN ('role', 'group') THEN t.display_name END) AS target_role
  FROM tg GROUP BY id
),
selfs AS (
  SELECT o.*, a.assignee_upn, a.assignee_id,
         COALESCE(o.role_name, a.target_role, o.role_template_id, 'an unnamed role') AS role,
         STRFTIME(o.time, '%Y-%m-%d') AS day
  FROM ops o
  JOIN assignees a ON a.id = o.id
  WHERE (o.actor_upn IS NOT NULL AND o.actor_upn = a.assignee_upn)
     OR (o.actor_user_id IS NOT NULL AND LOWER(o.actor_user_id) = LOWER(a.assignee_id)
         AND NOT COALESCE(o.actor_upn <> a.assignee_upn, FALSE)
         AND NOT COALESCE(LOWER(o.actor_display_name) <> LOWER(a.assignee_name), FALSE))
),
per_grant AS (
  SELECT COALESCE(actor_upn, assignee_upn, actor_user_id) AS account, role, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         MIN(role_template_id) AS role_template_id,
         MAX(CASE WHEN role_is_privileged THEN 1 ELSE 0 END) AS privileged,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) AS suspicious,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         MAX(CASE WHEN activity LIKE '%approved%' THEN 1 ELSE 0 END) AS self_approval,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         ARRAY_AGG(id ORDER BY time) AS record_ids
  FROM selfs
  GROUP BY COALESCE(actor_upn, assignee_upn, actor_user_id), role, day
)
SELECT first_seen, last_seen,
       account AS principals,
       ips, evidence_count,
       CONCAT(account, CASE WHEN self_approval = 1 THEN ' approved their own request for ' ELSE ' assigned themself ' END,
              role, CASE WHEN privileged = 1 THEN ' (privileged)' ELSE '' END,
              ' on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC',
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', REPLACE(ips, ';', ', ')) END,
              ' (', activities, ')') AS summary,
       CASE WHEN suspicious = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       role, role_template_id, privileged = 1 AS role_is_privileged, self_approval = 1 AS self_approval,
       activities, user_agents
FROM per_grant
