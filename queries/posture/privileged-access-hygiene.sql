-- ---
-- id: POS-PRIV-HYGIENE
-- title: Privileged access hygiene
-- kind: posture
-- severity: high
-- description: >-
--   Findings about how admin roles are held, from the role history in the audits; one finding
--   per problem found. (1) Active admin-role assignments made outside PIM or as permanent
--   ("Add member to role" not initiated by MS-PIM, "Add member to role outside of PIM
--   (permanent)", "Add member to role in PIM completed (permanent)"). (2) Global Administrator
--   activations with no "request approved" event in the same correlation. (3) More than
--   max_global_admins distinct users seen holding Global Administrator (assigned or
--   activated) in the window. Stale admins are POS-PRIV-STALE and PIM's own alerts
--   POS-PIM-ALERTS. Not visible in these logs: synced (on-premises) admins, and a Global
--   Administrator count below two (the logs only show changes, not the standing members).
-- why: >-
--   Standing admin access and unapproved Global Administrator activation are what an attacker
--   with one phished admin session needs; every extra Global Administrator widens that target.
-- remediation: [remove_role_assignment, review_configuration]
-- tables: [audits]
-- params:
--   max_global_admins: 8
-- false_positives:
--   - Break-glass accounts, which are permanent Global Administrators by design
--   - Tenants without Entra ID P2, where PIM is not available
-- references:
--   - https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-configure-security-alerts
--   - https://learn.microsoft.com/entra/identity/role-based-access-control/best-practices
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.7.1v1, MS.AAD.7.2v1, MS.AAD.7.3v1, MS.AAD.7.4v1, MS.AAD.7.5v1, MS.AAD.7.6v1, MS.AAD.7.7v1, MS.AAD.7.8v1, MS.AAD.7.9v1, "Entra recommendation: Designate more than one Global Administrator", "Entra recommendation: Use least privileged administrative roles"]
-- catalog: [POS-PRIV-HYGIENE]
-- ---
WITH role_events AS (
  SELECT time, id, correlation_id, activity, role_is_privileged,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         COALESCE(actor_app_name, '') AS actor_app,
         UNNEST(targets) AS tgt
  FROM audits
  WHERE result = 'success' AND activity ILIKE '%member to role%'
),
-- One row per event, target and modified property (a target without properties keeps one row).
role_rows AS (
  SELECT time, id, correlation_id, activity, actor, actor_app, role_is_privileged,
         tgt.type AS ttype, tgt.display_name AS tname, COALESCE(tgt.upn, tgt.display_name, tgt.id) AS tprincipal,
         UNNEST(tgt.modified_properties) AS mp
  FROM role_events
),
-- Back to one row per event: the role is a Role target (PIM records) or the Role.DisplayName
-- property (Core Directory records); the assignee is the User / ServicePrincipal / Group target.
events AS (
  SELECT id, MIN(time) AS time, MIN(correlation_id) AS correlation_id, MIN(activity) AS activity,
         MIN(actor) AS actor, MIN(actor_app) AS actor_app,
         MAX(CASE WHEN role_is_privileged THEN 1 ELSE 0 END) AS privileged,
         COALESCE(MAX(CASE WHEN ttype = 'Role' THEN tname END),
                  MAX(CASE WHEN mp.name LIKE '%Role.DisplayName' OR mp.name = 'RoleDefinition.DisplayName'
                           THEN COALESCE(mp.new_value, mp.old_value) END)) AS role,
         MIN(CASE WHEN ttype IN ('User', 'ServicePrincipal', 'Group') THEN tprincipal END) AS assignee
  FROM role_rows
  GROUP BY id
),
classified AS (
  SELECT *,
         role IN ('Global Administrator', 'Company Administrator') AS is_ga,
         -- an approval anywhere in the same PIM request (correlation)
         MAX(CASE WHEN activity ILIKE 'Add member to role request approved%' THEN 1 ELSE 0 END)
           OVER (PARTITION BY COALESCE(correlation_id, id)) AS approved
  FROM events
),
-- One row per (problem, evidence event); a direct Global Administrator assignment is in two.
problems AS (
  SELECT 'outside_pim' AS problem, time, id, assignee,
         CONCAT(STRFTIME(time, '%Y-%m-%d %H:%M'), ' ', COALESCE(assignee, 'unknown'), ' → ', role, ' by ',
                COALESCE(actor, 'unknown'), ' (', activity, ')') AS detail,
         CONCAT(COALESCE(assignee, 'unknown'), ' → ', role) AS label
  FROM classified
  WHERE privileged = 1
    AND ((activity IN ('Add member to role', 'Add scoped member to role') AND actor_app NOT LIKE 'MS-PIM%')
         OR activity ILIKE 'Add member to role outside of PIM%'
         OR activity ILIKE 'Add member to role in PIM completed (permanent)%')
  UNION ALL
  SELECT 'ga_unapproved' AS problem, time, id, assignee,
         CONCAT(STRFTIME(time, '%Y-%m-%d %H:%M'), ' ', COALESCE(assignee, 'unknown'), ' activated ', role, ' without approval') AS detail,
         COALESCE(assignee, 'unknown') AS label
  FROM classified
  WHERE is_ga AND approved = 0 AND activity ILIKE 'Add member to role completed (PIM activation)%'
  UNION ALL
  -- assignments (direct, PIM eligible or active) and completed activations; not requests or removals
  SELECT 'ga_holders' AS problem, time, id, assignee,
         CONCAT(STRFTIME(time, '%Y-%m-%d %H:%M'), ' ', assignee, ': ', activity) AS detail,
         assignee AS label
  FROM classified
  WHERE is_ga AND assignee IS NOT NULL
    AND activity NOT ILIKE 'Remove%' AND activity NOT ILIKE '%requested%' AND activity NOT ILIKE '%request %'
),
per_problem AS (
  SELECT problem, MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n,
         COUNT(DISTINCT assignee) AS accounts,
         ARRAY_AGG(DISTINCT assignee ORDER BY assignee) AS principals,
         ARRAY_AGG(DISTINCT label ORDER BY label LIMIT 5) AS top,
         COUNT(DISTINCT label) AS labels,
         ARRAY_AGG(detail ORDER BY time, id) AS details,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM problems
  GROUP BY problem
)
SELECT first_seen, last_seen, principals, CAST(NULL AS VARCHAR) AS ips, n AS evidence_count,
       CASE problem
         WHEN 'outside_pim' THEN
           CONCAT(CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' active admin-role assignment' ELSE ' active admin-role assignments' END,
                  ' made outside PIM or as permanent, for ', CAST(accounts AS VARCHAR),
                  CASE WHEN accounts = 1 THEN ' account: ' ELSE ' accounts: ' END)
         WHEN 'ga_unapproved' THEN
           CONCAT(CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' Global Administrator activation' ELSE ' Global Administrator activations' END,
                  ' without an approval, by ', CAST(accounts AS VARCHAR), CASE WHEN accounts = 1 THEN ' user: ' ELSE ' users: ' END)
         WHEN 'ga_holders' THEN
           CONCAT(CAST(accounts AS VARCHAR), ' distinct users held Global Administrator in the window (more than ',
                  CAST({{max_global_admins}} AS VARCHAR), '): ')
         ELSE CONCAT('PIM raised ', CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' alert: ' ELSE ' alerts: ' END)
       END || ARRAY_TO_STRING(top, ', ') || CASE WHEN labels > 5 THEN ', …' ELSE '' END AS summary,
       record_ids,
       CASE problem
         WHEN 'outside_pim' THEN 'standing admin access outside PIM'
         WHEN 'ga_unapproved' THEN 'Global Administrator activation without approval'
         WHEN 'ga_holders' THEN 'too many Global Administrators'
         ELSE 'PIM alerts'
       END AS check,
       details
FROM per_problem
WHERE problem <> 'ga_holders' OR accounts > {{max_global_admins}}
