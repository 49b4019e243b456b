-- ---
-- id: CA-EXCLUSION-GROUP
-- title: Dynamic membership rule changed on a group that Conditional Access excludes
-- kind: detection
-- severity: medium
-- techniques: [T1556.009, T1098]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   A successful "Update group" whose modified properties change MembershipRule (old and new
--   rule differ) on a group that some Conditional Access policy in the export excludes (its id
--   is in excludeGroups of any added, updated or deleted policy's JSON, old or new value), or
--   on a group named in the exclusion_groups parameter (ids or names). Medium; high when the
--   new rule names the actor's own UPN (the actor wrote themself into the exclusion) or the
--   actor came from a hosting or intel-listed IP or used an attack-tool or HTTP-library user
--   agent. Direct "Add member to group" into such a group is CA-EXCLUSION; this rule covers
--   the dynamic-group path, which writes no member-add event for the accounts it pulls in.
-- why: >-
--   Break-glass and service-account exclusions are often dynamic groups. Widening their rule
--   (an extra "-or user.userPrincipalName -eq ..." clause, a broader department match) drops
--   accounts out of MFA or block policies without any member-add or policy-change event.
-- remediation: [revert_policy_change, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   exclusion_groups: []
-- false_positives:
--   - Planned maintenance of a documented exclusion group's rule (check the change ticket and the new rule)
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/Conditional%20Access%20-%20Dynamic%20Group%20Exclusion%20Changes.yaml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_group_user_addition_ca_modification.yml
--   - https://learn.microsoft.com/entra/identity/users/groups-dynamic-membership
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
-- catalog: [CA-EXCLUSION]
-- ---
WITH ca_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE LOWER(activity) IN ('add conditional access policy', 'update conditional access policy',
                            'delete conditional access policy')
),
ca_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM ca_events
),
-- Every group id some policy excludes, as one searchable text.
excluded_groups AS (
  SELECT STRING_AGG(CONCAT(SPLIT_PART(SPLIT_PART(COALESCE(mp.old_value, ''), '"excludeGroups":[', 2), ']', 1), ',',
                           SPLIT_PART(SPLIT_PART(COALESCE(mp.new_value, ''), '"excludeGroups":[', 2), ']', 1)), ',') AS ids
  FROM ca_props
  WHERE mp.name = 'ConditionalAccessPolicy'
),
group_updates AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success' AND activity = 'Update group'
),
group_props AS (
  SELECT id, tg.id AS group_id, tg.display_name AS group_name, UNNEST(tg.modified_properties) AS mp
  FROM group_updates
  WHERE tg.type = 'Group' OR tg.type IS NULL
),
rule_changes AS (
  SELECT id, group_id, group_name,
         COALESCE(mp.old_value, '') AS old_rule,
         COALESCE(mp.new_value, '') AS new_rule
  FROM group_props
  WHERE mp.name = 'MembershipRule'
    AND COALESCE(mp.old_value, '') <> COALESCE(mp.new_value, '')
),
hits AS (
  SELECT a.id, a.time, a.actor_upn, a.actor_app_name, a.ip_address, a.user_agent, a.ip_is_hosting,
         a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind,
         r.group_id, r.group_name, r.old_rule, r.new_rule,
         a.actor_upn IS NOT NULL
           AND ARRAY_LENGTH(STRING_TO_ARRAY(LOWER(r.new_rule), a.actor_upn)) > 1
           AND ARRAY_LENGTH(STRING_TO_ARRAY(LOWER(r.old_rule), a.actor_upn)) = 1 AS actor_wrote_self_in
  FROM audits a
  JOIN rule_changes r ON r.id = a.id
  CROSS JOIN excluded_groups x
  WHERE (r.group_id IS NOT NULL AND ARRAY_LENGTH(STRING_TO_ARRAY(COALESCE(x.ids, ''), r.group_id)) > 1)
     OR r.group_id IN {{exclusion_groups}}
     OR r.group_name IN {{exclusion_groups}}
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT('Membership rule of Conditional-Access-excluded group ', COALESCE(group_name, group_id),
              ' changed by ', COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              CASE WHEN actor_wrote_self_in THEN ' (the new rule names the actor)' ELSE '' END,
              ': ', old_rule, ' -> ', new_rule) AS summary,
       CASE WHEN actor_wrote_self_in OR ip_is_hosting OR ip_intel IS NOT NULL
                 OR ua_tool_kind IN ('attack_tool', 'http_library')
            THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       group_name AS excluded_group,
       group_id,
       old_rule,
       new_rule,
       actor_wrote_self_in,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM hits
