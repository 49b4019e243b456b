-- ---
-- id: GA-PURGE
-- title: New Global Administrator removes other Global Administrators
-- kind: detection
-- severity: critical
-- techniques: [T1531, T1098.003]
-- tactics: [impact, persistence]
-- description: >-
--   A user who was added to Global Administrator (Core Directory "Add (eligible) member to role"
--   or PIM "Add (eligible) member to role in PIM completed …", not initiated by MS-PIM) then, within
--   lookback_days, removes Global Administrator from at least min_removed other accounts within
--   window_minutes ("Remove member from role", "Remove eligible member from role" or the PIM
--   "Remove … member from role in PIM completed …" records; the role is the old value of
--   Role.DisplayName / Role.TemplateId or the PIM Role target). Removals by MS-PIM (expiry) are
--   ignored. Raised to critical from the Sentinel source's medium: this is a tenant lock-out.
-- why: >-
--   Lapsus$ / DEV-0537 style: the attacker promotes a foothold account, then strips every other
--   Global Administrator so the defenders cannot take the tenant back.
-- remediation: [disable_account, revoke_sessions, remove_role_assignment, confirm_compromised]
-- tables: [audits]
-- params:
--   lookback_days: 7
--   window_minutes: 60
--   min_removed: 2
-- false_positives:
--   - A newly appointed admin cleaning up stale Global Administrators (confirm with the customer)
-- references:
--   - https://www.microsoft.com/security/blog/2022/03/22/dev-0537-criminal-actor-targeting-organizations-for-data-exfiltration-and-destruction/
-- catalog: [GA-PURGE]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, ip_address, actor_upn, targets,
         CASE WHEN activity LIKE 'Remove%' THEN 'removed' ELSE 'added' END AS direction
  FROM audits
  WHERE result = 'success'
    AND (activity LIKE 'Add%member to role%' OR activity LIKE 'Remove%member from role%')
    AND NOT (LOWER(activity) LIKE '%request%' OR LOWER(activity) LIKE '%approv%'
             OR LOWER(activity) LIKE '%denied%' OR LOWER(activity) LIKE '%activation%'
             OR LOWER(activity) LIKE '%expired%')
    AND COALESCE(actor_app_name, actor_display_name, '') NOT LIKE 'MS-PIM%'
),
tg AS (
  SELECT id, time, ip_address, actor_upn, direction, UNNEST(targets) AS t
  FROM ops
),
props AS (
  -- one row per target and modified property (a target without properties keeps one row, p null)
  SELECT id, time, ip_address, actor_upn, direction,
         t.id AS tid, t.type AS ttype, t.display_name AS tname, t.upn AS tupn,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
ga_changes AS (
  -- Global Administrator additions and removals (adds carry the role in newValue, removals in oldValue)
  SELECT id, MIN(time) AS time, MIN(ip_address) AS ip_address, MIN(actor_upn) AS actor_upn,
         MIN(direction) AS direction,
         MIN(CASE WHEN LOWER(ttype) = 'user' THEN COALESCE(tupn, tname, tid) END) AS account
  FROM props
  GROUP BY id
  HAVING MIN(CASE WHEN LOWER(ttype) = 'user' THEN COALESCE(tupn, tname, tid) END) IS NOT NULL
     AND (COALESCE(MAX(CASE WHEN p.name IN ('Role.DisplayName', 'RoleDefinition.DisplayName') THEN COALESCE(p.new_value, p.old_value) END),
                   MIN(CASE WHEN LOWER(ttype) = 'role' THEN tname END), '') IN ('Global Administrator', 'Company Administrator')
          OR COALESCE(MAX(CASE WHEN p.name IN ('Role.TemplateId', 'RoleDefinition.TemplateId') THEN COALESCE(p.new_value, p.old_value) END),
                      MIN(CASE WHEN LOWER(ttype) = 'role' THEN tid END), '') = '62e90394-69f5-4237-9190-012177145e10')
),
-- each removal of another Global Administrator, paired with the remover's own GA grant in the look-back
by_new_admin AS (
  SELECT r.id, r.time, r.ip_address, r.actor_upn, r.account AS removed,
         g.time AS added_at, g.id AS add_id, g.actor_upn AS added_by
  FROM ga_changes r
  JOIN ga_changes g ON r.actor_upn = g.account
  WHERE r.direction = 'removed' AND g.direction = 'added'
    AND r.actor_upn <> r.account
    AND r.time > g.time
    AND CAST(r.time AS BIGINT) - CAST(g.time AS BIGINT) <= {{lookback_days}} * 86400000000
),
-- for each removal, the other GAs the same admin removed in the window that starts there
-- (one self-join only: every extra copy of the CTE chain deepens the query plan)
windows AS (
  SELECT a.actor_upn,
         a.time AS first_removal,
         MAX(b.time) AS last_seen,
         MIN(a.added_at) AS added_at,
         MIN(a.add_id) AS add_id,
         STRING_AGG(DISTINCT a.added_by, ';' ORDER BY a.added_by) AS added_by,
         COUNT(DISTINCT b.removed) AS removed_count,
         COUNT(DISTINCT b.id) AS removal_records,
         ARRAY_AGG(DISTINCT b.removed ORDER BY b.removed) AS removed_admins,
         STRING_AGG(DISTINCT b.ip_address, ';' ORDER BY b.ip_address) AS ips,
         STRING_AGG(DISTINCT b.id, ';' ORDER BY b.id) AS removal_ids
  FROM by_new_admin a
  JOIN by_new_admin b ON a.actor_upn = b.actor_upn
  WHERE b.time >= a.time
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{window_minutes}} * 60000000
  GROUP BY a.actor_upn, a.time
  HAVING COUNT(DISTINCT b.removed) >= {{min_removed}}
)
-- one finding per new admin: its densest window
SELECT added_at AS first_seen,
       last_seen,
       actor_upn AS principals,
       ips,
       removal_records + 1 AS evidence_count,
       CONCAT(actor_upn, ' became Global Administrator at ', STRFTIME(added_at, '%Y-%m-%d %H:%M'),
              ' UTC, then removed Global Administrator from ', CAST(removed_count AS VARCHAR), ' other accounts within ',
              CAST(DIV(CAST(last_seen AS BIGINT) - CAST(first_removal AS BIGINT), 60000000) AS VARCHAR), ' min') AS summary,
       CONCAT_WS(';', add_id, removal_ids) AS record_ids,
       removed_admins, removed_count, added_by, add_id, first_removal
FROM windows
-- densest window first, the earliest on ties (mixed ASC/DESC is not supported in OVER)
QUALIFY ROW_NUMBER() OVER (PARTITION BY principals
                           ORDER BY removed_count * 10000000000000000 - CAST(first_removal AS BIGINT) DESC) = 1
