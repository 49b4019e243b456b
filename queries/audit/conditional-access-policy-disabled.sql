-- ---
-- id: CA-DISABLED
-- title: Conditional Access policy disabled, deleted or weakened
-- kind: detection
-- severity: high
-- techniques: [T1556.009, T1562.001]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   A successful "Delete conditional access policy", or an "Update conditional access policy"
--   of an enabled policy whose ConditionalAccessPolicy JSON (old → new value) shows the state
--   going from enabled to disabled or to report-only (enabledForReportingButNotEnforced), or
--   the grant controls weakened: a built-in control (mfa, block, compliantDevice,
--   domainJoinedDevice, approvedApplication, compliantApplication, passwordChange) or an
--   authentication strength removed. Changes to who and what a policy covers (exclusions,
--   conditions) are CA-EXCLUSION. High; critical when the actor came from a hosting or
--   intel-listed IP or used an attack-tool user agent; medium for deleting a policy that was
--   not enabled.
-- why: >-
--   Conditional Access is what forces MFA and blocks risky sign-ins; an attacker with an admin
--   session switches it off first, and every later sign-in passes with the password alone.
-- remediation: [revert_policy_change, revoke_sessions, confirm_compromised]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/troubleshoot-policy-changes-audit-log
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
-- false_positives:
--   - A planned switch to report-only while troubleshooting a policy (ask for the change ticket)
-- catalog: [CA-DISABLED]
-- ---
WITH ca_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Update conditional access policy', 'Delete conditional access policy')
),
ca_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM ca_events
),
-- The policy JSON before and after, and the parts this rule compares (keys are sorted by the
-- ingester, so the first "state" is the policy's own).
policy_json AS (
  SELECT id,
         mp.old_value AS old_json,
         mp.new_value AS new_json,
         SPLIT_PART(SPLIT_PART(COALESCE(mp.old_value, ''), '"state":"', 2), '"', 1) AS old_state,
         SPLIT_PART(SPLIT_PART(COALESCE(mp.new_value, ''), '"state":"', 2), '"', 1) AS new_state,
         SPLIT_PART(SPLIT_PART(COALESCE(mp.old_value, ''), '"builtInControls":[', 2), ']', 1) AS old_controls,
         SPLIT_PART(SPLIT_PART(COALESCE(mp.new_value, ''), '"builtInControls":[', 2), ']', 1) AS new_controls
  FROM ca_props
  WHERE mp.name = 'ConditionalAccessPolicy'
),
-- grant controls present before and missing after
removed_controls AS (
  SELECT id,
         CONCAT_WS(', ',
           CASE WHEN old_controls LIKE '%"mfa"%' AND new_controls NOT LIKE '%"mfa"%' THEN 'mfa' END,
           CASE WHEN old_controls LIKE '%"block"%' AND new_controls NOT LIKE '%"block"%' THEN 'block' END,
           CASE WHEN old_controls LIKE '%"compliantDevice"%' AND new_controls NOT LIKE '%"compliantDevice"%' THEN 'compliantDevice' END,
           CASE WHEN old_controls LIKE '%"domainJoinedDevice"%' AND new_controls NOT LIKE '%"domainJoinedDevice"%' THEN 'domainJoinedDevice' END,
           CASE WHEN old_controls LIKE '%"approvedApplication"%' AND new_controls NOT LIKE '%"approvedApplication"%' THEN 'approvedApplication' END,
           CASE WHEN old_controls LIKE '%"compliantApplication"%' AND new_controls NOT LIKE '%"compliantApplication"%' THEN 'compliantApplication' END,
           CASE WHEN old_controls LIKE '%"passwordChange"%' AND new_controls NOT LIKE '%"passwordChange"%' THEN 'passwordChange' END,
           CASE WHEN old_json LIKE '%"authenticationStrength":{%' AND COALESCE(new_json, '') NOT LIKE '%"authenticationStrength":{%'
                THEN 'authenticationStrength' END) AS removed
  FROM policy_json
),
changes AS (
  SELECT a.id, a.time, a.activity, a.target_name AS policy, a.target_id AS policy_id,
         a.actor_upn, a.actor_app_name, a.ip_address, a.user_agent, a.ip_is_hosting,
         a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind,
         p.old_state, p.new_state, p.old_controls, p.new_controls, r.removed,
         p.old_json IS NOT NULL AS old_json_present, p.new_json IS NOT NULL AS new_json_present,
         CASE
           WHEN a.activity = 'Delete conditional access policy' THEN 'deleted'
           WHEN p.old_state = 'enabled' AND p.new_state = 'disabled' THEN 'disabled'
           WHEN p.old_state = 'enabled' AND p.new_state = 'enabledForReportingButNotEnforced' THEN 'set to report-only'
           WHEN p.old_state = 'enabled' AND r.removed <> '' THEN CONCAT('grant control removed: ', r.removed)
         END AS change
  FROM audits a
  LEFT JOIN policy_json p ON p.id = a.id
  LEFT JOIN removed_controls r ON r.id = a.id
  WHERE a.result = 'success'
    AND a.activity IN ('Update conditional access policy', 'Delete conditional access policy')
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT('Conditional Access policy "', COALESCE(policy, policy_id, 'unknown'), '" ', change,
              CASE WHEN change = 'deleted' AND old_state <> '' THEN CONCAT(' (it was ', old_state, ')') ELSE '' END,
              ' by ', COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'critical'
            WHEN change = 'deleted' AND COALESCE(old_state, '') NOT IN ('', 'enabled') THEN 'medium'
            ELSE 'high' END AS severity,
       id AS record_ids,
       policy,
       policy_id,
       change,
       CASE WHEN old_state <> '' THEN old_state END AS old_state,
       CASE WHEN new_state <> '' THEN new_state END AS new_state,
       CASE WHEN old_json_present THEN REPLACE(old_controls, '"', '') END AS old_grant_controls,
       CASE WHEN new_json_present THEN REPLACE(new_controls, '"', '') END AS new_grant_controls,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM changes
WHERE change IS NOT NULL
