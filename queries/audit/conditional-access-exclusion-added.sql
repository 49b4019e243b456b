-- ---
-- id: CA-EXCLUSION
-- title: Conditional Access exclusion added or scope narrowed
-- kind: detection
-- severity: high
-- techniques: [T1556.009, T1562.001]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   (1) A successful "Update conditional access policy" of a policy that is not disabled, whose
--   ConditionalAccessPolicy JSON differs between old and new value in the excluded users,
--   groups, roles or applications, in the locations or platforms conditions, or whose included
--   users / groups / roles / applications lose "All" (high); other changes of the included
--   users, groups or roles, or of the client app types, are medium. (2) "Add member to group"
--   into a group that some Conditional Access policy in the export excludes (excludeGroups in
--   any policy JSON), or into a group listed in the exclusion_groups parameter (ids or names):
--   high. Critical when the actor came from a hosting or intel-listed IP or used an
--   attack-tool user agent. State changes and removed grant controls are CA-DISABLED.
-- why: >-
--   Excluding one account, group or app from an MFA or block policy is a quiet way to keep
--   the policy "on" for the dashboard while the attacker's sign-ins skip it.
-- remediation: [revert_policy_change, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   exclusion_groups: []
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/troubleshoot-policy-changes-audit-log
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
-- false_positives:
--   - Adding a break-glass or service account to the documented exclusion group
-- catalog: [CA-EXCLUSION]
-- ---
WITH ca_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity IN ('Add conditional access policy', 'Update conditional access policy',
                     'Delete conditional access policy')
),
ca_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM ca_events
),
policy_json AS (
  SELECT id, COALESCE(mp.old_value, '') AS o, COALESCE(mp.new_value, '') AS n
  FROM ca_props
  WHERE mp.name = 'ConditionalAccessPolicy'
),
-- The lists compared, old and new ("key":[...] with the ingester's sorted, compact JSON).
lists AS (
  SELECT id, o, n,
         SPLIT_PART(SPLIT_PART(n, '"state":"', 2), '"', 1) AS new_state,
         SPLIT_PART(SPLIT_PART(o, '"excludeUsers":[', 2), ']', 1) AS o_xu,
         SPLIT_PART(SPLIT_PART(n, '"excludeUsers":[', 2), ']', 1) AS n_xu,
         SPLIT_PART(SPLIT_PART(o, '"excludeGroups":[', 2), ']', 1) AS o_xg,
         SPLIT_PART(SPLIT_PART(n, '"excludeGroups":[', 2), ']', 1) AS n_xg,
         SPLIT_PART(SPLIT_PART(o, '"excludeRoles":[', 2), ']', 1) AS o_xr,
         SPLIT_PART(SPLIT_PART(n, '"excludeRoles":[', 2), ']', 1) AS n_xr,
         SPLIT_PART(SPLIT_PART(o, '"excludeApplications":[', 2), ']', 1) AS o_xa,
         SPLIT_PART(SPLIT_PART(n, '"excludeApplications":[', 2), ']', 1) AS n_xa,
         SPLIT_PART(SPLIT_PART(o, '"includeUsers":[', 2), ']', 1) AS o_iu,
         SPLIT_PART(SPLIT_PART(n, '"includeUsers":[', 2), ']', 1) AS n_iu,
         SPLIT_PART(SPLIT_PART(o, '"includeGroups":[', 2), ']', 1) AS o_ig,
         SPLIT_PART(SPLIT_PART(n, '"includeGroups":[', 2), ']', 1) AS n_ig,
         SPLIT_PART(SPLIT_PART(o, '"includeRoles":[', 2), ']', 1) AS o_ir,
         SPLIT_PART(SPLIT_PART(n, '"includeRoles":[', 2), ']', 1) AS n_ir,
         SPLIT_PART(SPLIT_PART(o, '"includeApplications":[', 2), ']', 1) AS o_ia,
         SPLIT_PART(SPLIT_PART(n, '"includeApplications":[', 2), ']', 1) AS n_ia,
         SPLIT_PART(SPLIT_PART(o, '"locations":{', 2), '}', 1) AS o_loc,
         SPLIT_PART(SPLIT_PART(n, '"locations":{', 2), '}', 1) AS n_loc,
         SPLIT_PART(SPLIT_PART(o, '"platforms":{', 2), '}', 1) AS o_plat,
         SPLIT_PART(SPLIT_PART(n, '"platforms":{', 2), '}', 1) AS n_plat,
         SPLIT_PART(SPLIT_PART(o, '"clientAppTypes":[', 2), ']', 1) AS o_cat,
         SPLIT_PART(SPLIT_PART(n, '"clientAppTypes":[', 2), ']', 1) AS n_cat
  FROM policy_json
  WHERE o <> '' AND n <> ''
),
diffs AS (
  SELECT id, new_state,
         CONCAT_WS('; ',
           CASE WHEN o_xu <> n_xu THEN CONCAT('excluded users [', o_xu, '] -> [', n_xu, ']') END,
           CASE WHEN o_xg <> n_xg THEN CONCAT('excluded groups [', o_xg, '] -> [', n_xg, ']') END,
           CASE WHEN o_xr <> n_xr THEN CONCAT('excluded roles [', o_xr, '] -> [', n_xr, ']') END,
           CASE WHEN o_xa <> n_xa THEN CONCAT('excluded applications [', o_xa, '] -> [', n_xa, ']') END,
           CASE WHEN o_loc <> n_loc THEN CONCAT('locations {', o_loc, '} -> {', n_loc, '}') END,
           CASE WHEN o_plat <> n_plat THEN CONCAT('platforms {', o_plat, '} -> {', n_plat, '}') END,
           CASE WHEN (o_iu LIKE '%"All"%' AND n_iu NOT LIKE '%"All"%')
                  OR (o_ia LIKE '%"All"%' AND n_ia NOT LIKE '%"All"%')
                THEN CONCAT('scope narrowed from All: users [', o_iu, '] -> [', n_iu, '], applications [',
                            o_ia, '] -> [', n_ia, ']') END) AS widened,
         CONCAT_WS('; ',
           CASE WHEN o_iu <> n_iu AND NOT (o_iu LIKE '%"All"%' AND n_iu NOT LIKE '%"All"%')
                THEN CONCAT('included users [', o_iu, '] -> [', n_iu, ']') END,
           CASE WHEN o_ig <> n_ig THEN CONCAT('included groups [', o_ig, '] -> [', n_ig, ']') END,
           CASE WHEN o_ir <> n_ir THEN CONCAT('included roles [', o_ir, '] -> [', n_ir, ']') END,
           CASE WHEN o_cat <> n_cat THEN CONCAT('client app types [', o_cat, '] -> [', n_cat, ']') END) AS other_scope
  FROM lists
),
policy_changes AS (
  SELECT a.id, a.time, a.actor_upn, a.actor_app_name, a.ip_address, a.user_agent,
         a.ip_is_hosting, a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind,
         a.target_name AS object_name, CAST(NULL AS VARCHAR) AS member,
         CASE WHEN d.widened <> '' THEN d.widened ELSE d.other_scope END AS change,
         CASE WHEN d.widened <> '' THEN 'high' ELSE 'medium' END AS base_severity,
         'policy scope changed' AS kind
  FROM audits a
  JOIN diffs d ON d.id = a.id
  WHERE a.result = 'success'
    AND a.activity = 'Update conditional access policy'
    AND d.new_state <> 'disabled'
    AND (d.widened <> '' OR d.other_scope <> '')
),
-- Groups some policy excludes, as one searchable text, plus the customer's list.
excluded_groups AS (
  SELECT STRING_AGG(CONCAT(o_xg, ',', n_xg), ',') AS ids FROM lists
),
group_adds AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity = 'Add member to group' AND result = 'success'
),
added_to AS (
  SELECT id,
         MAX(CASE WHEN tg.type = 'Group' THEN tg.id END) AS group_id,
         MAX(CASE WHEN tg.type = 'Group' THEN tg.display_name END) AS group_name,
         MAX(CASE WHEN tg.type <> 'Group' THEN COALESCE(tg.upn, tg.display_name, tg.id) END) AS member
  FROM group_adds
  GROUP BY id
),
member_adds AS (
  SELECT a.id, a.time, a.actor_upn, a.actor_app_name, a.ip_address, a.user_agent,
         a.ip_is_hosting, a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind,
         g.group_name AS object_name, g.member,
         CONCAT(COALESCE(g.member, 'a member'), ' added to CA-excluded group ',
                COALESCE(g.group_name, g.group_id)) AS change,
         'high' AS base_severity,
         'member added to exclusion group' AS kind
  FROM audits a
  JOIN added_to g ON g.id = a.id
  CROSS JOIN excluded_groups x
  WHERE (g.group_id IS NOT NULL AND STRPOS(COALESCE(x.ids, ''), g.group_id) > 0)
     OR g.group_id IN {{exclusion_groups}}
     OR g.group_name IN {{exclusion_groups}}
),
all_changes AS (
  SELECT * FROM policy_changes
  UNION ALL
  SELECT * FROM member_adds
)
SELECT time AS first_seen,
       time AS last_seen,
       CASE WHEN member IS NULL THEN COALESCE(actor_upn, actor_app_name)
            ELSE CONCAT(COALESCE(actor_upn, actor_app_name, ''), ';', member) END AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(CASE WHEN kind = 'policy scope changed'
                   THEN CONCAT('Conditional Access policy "', COALESCE(object_name, 'unknown'), '" changed: ', change)
                   ELSE change END,
              ' by ', COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'critical'
            ELSE base_severity END AS severity,
       id AS record_ids,
       kind,
       object_name AS policy_or_group,
       member AS added_member,
       change,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM all_changes
