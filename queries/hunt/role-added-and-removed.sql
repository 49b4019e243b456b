-- ---
-- id: ROLE-TRANSIENT
-- title: Directory role granted and removed within hours outside PIM
-- kind: hunt
-- severity: medium
-- techniques: [T1098.003, T1548.005]
-- tactics: [privilege-escalation, defense-evasion]
-- description: >-
--   A successful "Add member to role" followed, within max_hours, by "Remove member from
--   role" for the same member and role (Role.DisplayName / RoleDefinition.DisplayName),
--   neither initiated by MS-PIM (PIM activations and their expiry are expected to be
--   short). One lead per grant, with the directory changes the member made while holding
--   the role.
-- why: >-
--   Granting a role, using it and taking it away again is how an intruder with a privileged
--   account hides a temporary escalation from anyone who only looks at current role
--   membership. What the member did in that window is the question.
-- remediation: [ask_customer, remove_role_assignment, revoke_sessions]
-- tables: [audits]
-- params:
--   max_hours: 4
-- false_positives:
--   - Break-fix work where an admin grants a colleague a role for an hour outside PIM
-- references:
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Audit-UserAddedandRemovedfromRole.kql
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
-- catalog: [ROLE-TRANSIENT]
-- ---
WITH role_ops AS (
  SELECT * FROM audits
  WHERE LOWER(activity) IN ('add member to role', 'remove member from role')
    AND result = 'success'
    AND NOT (COALESCE(actor_app_name, '') LIKE 'MS-PIM%' OR COALESCE(actor_display_name, '') LIKE 'MS-PIM%')
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM role_ops
),
mp AS (
  SELECT id, UNNEST(t.modified_properties) AS m FROM tg
),
roles AS (
  -- the role is the new value of an add and the old value of a remove
  SELECT id,
         MAX(CASE WHEN m.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName')
                  THEN COALESCE(m.new_value, m.old_value) END) AS role
  FROM mp
  GROUP BY id
),
ops AS (
  SELECT o.id, o.time, o.activity, o.ip_address, o.target_id, o.target_upn, o.target_type,
         COALESCE(o.target_upn, o.target_name, o.target_id) AS member,
         COALESCE(o.target_id, o.target_upn, o.target_name) AS member_key,
         COALESCE(o.actor_upn, o.actor_app_name, o.actor_display_name, 'an unknown actor') AS actor,
         r.role
  FROM role_ops o
  JOIN roles r ON o.id = r.id
  WHERE r.role IS NOT NULL
),
pairs AS (
  SELECT a.id AS add_id, r.id AS remove_id, a.member, a.member_key, a.target_upn, a.target_type, a.role,
         a.time AS added_at, r.time AS removed_at, a.actor AS added_by, r.actor AS removed_by,
         a.ip_address AS add_ip, r.ip_address AS remove_ip,
         DIV(CAST(r.time AS BIGINT) - CAST(a.time AS BIGINT), 60000000) AS minutes_held
  FROM ops a
  JOIN ops r ON a.member_key = r.member_key AND a.role = r.role
  WHERE LOWER(a.activity) = 'add member to role'
    AND LOWER(r.activity) = 'remove member from role'
    AND r.time > a.time
    AND CAST(r.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{max_hours}} * 3600000000
  QUALIFY ROW_NUMBER() OVER (PARTITION BY add_id ORDER BY removed_at) = 1
),
actions AS (
  -- what the member changed in the directory while holding the role
  SELECT p.add_id, COUNT(*) AS actions_while_privileged, STRING_AGG(DISTINCT x.activity, ', ' ORDER BY x.activity) AS activities_while_privileged
  FROM pairs p
  JOIN audits x ON x.actor_upn = p.target_upn
  WHERE x.time >= p.added_at AND x.time <= p.removed_at
  GROUP BY p.add_id
)
SELECT p.added_at AS first_seen,
       p.removed_at AS last_seen,
       CONCAT(p.member, ';', p.added_by) AS principals,
       CONCAT(COALESCE(p.add_ip, ''), ';', COALESCE(p.remove_ip, '')) AS ips,
       2 AS evidence_count,
       CONCAT(p.member, ' was added to ', p.role, ' by ', p.added_by, ' at ', STRFTIME(p.added_at, '%Y-%m-%d %H:%M'),
              ' UTC and removed by ', p.removed_by, ' ', CAST(p.minutes_held AS VARCHAR), ' min later, outside PIM; ',
              CAST(COALESCE(x.actions_while_privileged, 0) AS VARCHAR), ' directory change(s) by the member meanwhile',
              CASE WHEN x.activities_while_privileged IS NULL THEN '' ELSE CONCAT(' (', x.activities_while_privileged, ')') END) AS summary,
       CONCAT(p.add_id, ';', p.remove_id) AS record_ids,
       p.role,
       p.member,
       p.target_type AS member_type,
       p.added_by,
       p.removed_by,
       p.minutes_held,
       COALESCE(x.actions_while_privileged, 0) AS actions_while_privileged,
       x.activities_while_privileged
FROM pairs p
LEFT JOIN actions x ON p.add_id = x.add_id
