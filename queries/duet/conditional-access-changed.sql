-- ---
-- id: DUET-CA-CHANGE
-- title: Conditional Access policy added, changed or deleted
-- kind: duet
-- severity: medium
-- techniques: [T1556.009]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   Every successful "Add conditional access policy", "Update conditional access policy" or
--   "Delete conditional access policy" (names matched case-insensitively). One question per
--   actor, policy and day, listing each change and the policy state before and after (from
--   the ConditionalAccessPolicy JSON). The dangerous shapes (policy disabled or set to
--   report-only, exclusions widened) are the CA-DISABLED and CA-EXCLUSION detections; this
--   asks about all changes.
-- why: >-
--   Conditional Access is the tenant's main control on sign-ins. Every change should match a
--   change request; an unexpected one can open a gap an attacker will use.
-- remediation: [ask_customer, revert_policy_change]
-- tables: [audits]
-- false_positives:
--   - Planned changes by the identity team
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_conditional_access_policy_modified.toml
-- ---
WITH ca AS (
  SELECT *, LOWER(activity) AS op
  FROM audits
  WHERE LOWER(activity) IN ('add conditional access policy', 'update conditional access policy',
                            'delete conditional access policy')
    AND result = 'success'
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM ca
),
mp AS (
  SELECT id, UNNEST(t.modified_properties) AS m FROM tg
),
policy_json AS (
  SELECT id,
         MAX(CASE WHEN m.name = 'ConditionalAccessPolicy' THEN m.old_value END) AS old_json,
         MAX(CASE WHEN m.name = 'ConditionalAccessPolicy' THEN m.new_value END) AS new_json
  FROM mp
  GROUP BY id
),
changes_described AS (
  SELECT c.*,
         NULLIF(SPLIT_PART(SPLIT_PART(COALESCE(p.old_json, ''), '"state":"', 2), '"', 1), '') AS old_state,
         NULLIF(SPLIT_PART(SPLIT_PART(COALESCE(p.new_json, ''), '"state":"', 2), '"', 1), '') AS new_state,
         COALESCE(c.actor_upn, c.actor_app_name, c.actor_display_name, 'an unknown actor') AS actor,
         COALESCE(c.target_name, c.target_id, 'unnamed policy') AS policy
  FROM ca c
  LEFT JOIN policy_json p ON c.id = p.id
),
described AS (
  SELECT *,
         CONCAT(STRFTIME(time, '%H:%M'), ' ',
                CASE WHEN op LIKE 'add%' THEN CONCAT('created (state ', COALESCE(new_state, 'unknown'), ')')
                     WHEN op LIKE 'delete%' THEN CONCAT('deleted (state was ', COALESCE(old_state, 'unknown'), ')')
                     WHEN old_state IS NOT NULL AND new_state IS NOT NULL AND old_state <> new_state
                          THEN CONCAT('updated, state ', old_state, ' -> ', new_state)
                     ELSE CONCAT('updated (state ', COALESCE(new_state, old_state, 'unknown'), ')') END) AS change
  FROM changes_described
),
per_policy AS (
  SELECT actor,
         policy,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(change, '; ' ORDER BY time) AS change_list,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT target_id) AS policy_ids,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(id) AS record_ids
  FROM described
  GROUP BY actor, policy, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       actor AS principals,
       ips,
       evidence_count,
       CONCAT(actor, ' changed Conditional Access policy "', policy, '" on ', day, ' (UTC): ', change_list,
              '; from ', REPLACE(COALESCE(ips, 'an unknown IP'), ';', ', ')) AS summary,
       record_ids,
       policy,
       policy_ids,
       change_list AS changes,
       user_agents
FROM per_policy
