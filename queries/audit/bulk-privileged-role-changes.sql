-- ---
-- id: ROLE-BULK
-- title: Bulk changes to privileged role membership
-- kind: detection
-- severity: high
-- techniques: [T1098.003]
-- tactics: [persistence, privilege-escalation, impact]
-- description: >-
--   One initiator adds or removes at least min_accounts distinct accounts to or from
--   privileged roles (decided by template id: the role_is_privileged enrichment) within one
--   window_minutes bin. Counts Core Directory "Add/Remove (eligible|scoped) member to/from role"
--   and the PIM "… in PIM completed …" records, success only; the MS-PIM echoes and PIM
--   activations are not counted. The role is read from Role.DisplayName (new value for adds,
--   old value for removals) or the PIM Role target. Fixed bins can split a burst that crosses a
--   bin boundary.
-- why: >-
--   Mass privilege changes are either a scripted takeover (many backdoor admins) or a lock-out
--   (legitimate admins removed); both need an immediate look at the initiator.
-- remediation: [remove_role_assignment, revoke_sessions, reset_password, confirm_compromised]
-- tables: [audits]
-- params:
--   window_minutes: 60
--   min_accounts: 10
-- false_positives:
--   - Scheduled access reviews or migrations that re-assign many admins at once
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
-- catalog: [ROLE-BULK]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, ip_address, actor_upn, targets, role_is_privileged,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         CASE WHEN activity LIKE 'Remove%' THEN 'removed' ELSE 'added' END AS direction,
         DIV(CAST(time AS BIGINT), {{window_minutes}} * 60000000) AS bucket
  FROM audits
  WHERE result = 'success'
    AND (activity LIKE '%member to role%' OR activity LIKE '%member from role%')
    AND NOT (LOWER(activity) LIKE '%request%' OR LOWER(activity) LIKE '%approv%'
             OR LOWER(activity) LIKE '%denied%' OR LOWER(activity) LIKE '%activation%'
             OR LOWER(activity) LIKE '%outside of pim%')
    AND COALESCE(actor_app_name, actor_display_name, '') NOT LIKE 'MS-PIM%'
),
tg AS (
  SELECT id, time, ip_address, actor_upn, actor, direction, bucket, role_is_privileged, UNNEST(targets) AS t
  FROM ops
),
props AS (
  -- one row per target and modified property (a target without properties keeps one row, p null)
  SELECT id, time, ip_address, actor_upn, actor, direction, bucket, role_is_privileged,
         t.id AS tid, t.type AS ttype, t.display_name AS tname, t.upn AS tupn,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
changes AS (
  -- adds carry the role in newValue, removals in oldValue
  SELECT id, MIN(time) AS time, MIN(ip_address) AS ip_address, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(direction) AS direction, MIN(bucket) AS bucket,
         MIN(CASE WHEN LOWER(ttype) IN ('user', 'serviceprincipal', 'group') THEN COALESCE(tupn, tname, tid) END) AS account,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName') THEN COALESCE(p.new_value, p.old_value) END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tname END)) AS role,
         COALESCE(MAX(CASE WHEN p.name IN ('Role.TemplateId', 'RoleDefinition.TemplateId') THEN COALESCE(p.new_value, p.old_value) END),
                  MIN(CASE WHEN LOWER(ttype) = 'role' THEN tid END)) AS template_id,
         MAX(CASE WHEN role_is_privileged THEN 1 ELSE 0 END) AS privileged
  FROM props
  GROUP BY id
),
privileged AS (
  SELECT *
  FROM changes
  WHERE actor IS NOT NULL AND account IS NOT NULL
    AND privileged = 1
),
bursts AS (
  SELECT actor, bucket,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT account) AS accounts,
         SUM(CASE WHEN direction = 'added' THEN 1 ELSE 0 END) AS adds,
         SUM(CASE WHEN direction = 'removed' THEN 1 ELSE 0 END) AS removals,
         MIN(actor_upn) AS actor_upn,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT account ORDER BY account) AS accounts_changed,
         ARRAY_AGG(DISTINCT role ORDER BY role) AS roles,
         ARRAY_AGG(id ORDER BY id) AS record_ids
  FROM privileged
  GROUP BY actor, bucket
  HAVING COUNT(DISTINCT account) >= {{min_accounts}}
)
SELECT first_seen, last_seen,
       COALESCE(actor_upn, actor) AS principals,
       ips, evidence_count,
       CONCAT(actor, ' changed privileged role membership of ', CAST(accounts AS VARCHAR), ' accounts in ',
              CAST(DIV(CAST(last_seen AS BIGINT) - CAST(first_seen AS BIGINT), 60000000) AS VARCHAR),
              ' min (', CAST(adds AS VARCHAR), ' additions, ', CAST(removals AS VARCHAR), ' removals)') AS summary,
       record_ids,
       actor, accounts, adds, removals, accounts_changed, roles
FROM bursts
