-- ---
-- id: CA-GRANT-OR
-- title: Conditional Access grant controls switched from "require all" (AND) to "require one" (OR)
-- kind: detection
-- severity: high
-- techniques: [T1556.009, T1562.001]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   A successful "Update conditional access policy" whose ConditionalAccessPolicy JSON shows
--   grantControls.operator going from AND in the old value to OR in the new value, while the
--   new grant controls hold at least two requirements (built-in controls such as mfa and
--   compliantDevice, an authentication strength, terms of use or custom controls): a policy
--   that demanded MFA and a compliant device now accepts either one. With a single control
--   the operator changes nothing and there is no finding. Policies switched to disabled are
--   left to CA-DISABLED (which also reports removed controls); exclusions and conditions are
--   CA-EXCLUSION. High for an enabled policy, medium for a report-only one; critical when
--   the actor came from a hosting or intel-listed IP or used an attack-tool user agent.
-- why: >-
--   Flipping AND to OR keeps the policy "on" and every control listed, so it survives a
--   glance at the portal, but the attacker with a stolen password and MFA session from an
--   unmanaged laptop now satisfies a policy that was meant to also demand a compliant device.
-- remediation: [revert_policy_change, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   min_controls: 2
-- false_positives:
--   - A deliberate relaxation, e.g. letting users satisfy the policy with either MFA or a hybrid-joined device during a migration
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant
--   - https://learn.microsoft.com/entra/identity/conditional-access/troubleshoot-policy-changes-audit-log
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_aad_secops_ca_policy_updatedby_bad_actor.yml
--   - https://github.com/panther-labs/panther-analysis/blob/main/rules/azure_signin_rules/azure_mfa_disabled.yml
-- catalog: [CA-EXCLUSION]
-- ---
WITH ca_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND LOWER(activity) = 'update conditional access policy'
),
ca_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM ca_events
),
-- The grant controls object of the old and new policy JSON (keys sorted by the ingester:
-- authenticationStrength, builtInControls, customAuthenticationFactors, operator, termsOfUse).
grants AS (
  SELECT id,
         SPLIT_PART(SPLIT_PART(COALESCE(mp.new_value, ''), '"state":"', 2), '"', 1) AS new_state,
         SPLIT_PART(COALESCE(mp.old_value, ''), '"grantControls":{', 2) AS og,
         SPLIT_PART(COALESCE(mp.new_value, ''), '"grantControls":{', 2) AS ng
  FROM ca_props
  WHERE mp.name = 'ConditionalAccessPolicy'
),
parsed AS (
  SELECT id, new_state,
         SPLIT_PART(SPLIT_PART(og, '"operator":"', 2), '"', 1) AS old_operator,
         SPLIT_PART(SPLIT_PART(ng, '"operator":"', 2), '"', 1) AS new_operator,
         REPLACE(SPLIT_PART(SPLIT_PART(og, '"builtInControls":[', 2), ']', 1), '"', '') AS old_controls,
         REPLACE(SPLIT_PART(SPLIT_PART(ng, '"builtInControls":[', 2), ']', 1), '"', '') AS new_controls,
         ng LIKE '"authenticationStrength":{%' AS new_strength,
         REPLACE(SPLIT_PART(SPLIT_PART(ng, '"termsOfUse":[', 2), ']', 1), '"', '') AS new_terms,
         REPLACE(SPLIT_PART(SPLIT_PART(ng, '"customAuthenticationFactors":[', 2), ']', 1), '"', '') AS new_custom
  FROM grants
),
counted AS (
  SELECT *,
         CASE WHEN new_controls = '' THEN 0 ELSE ARRAY_LENGTH(STRING_TO_ARRAY(new_controls, ',')) END
         + CASE WHEN new_strength THEN 1 ELSE 0 END
         + CASE WHEN new_terms = '' THEN 0 ELSE ARRAY_LENGTH(STRING_TO_ARRAY(new_terms, ',')) END
         + CASE WHEN new_custom = '' THEN 0 ELSE ARRAY_LENGTH(STRING_TO_ARRAY(new_custom, ',')) END AS new_requirements
  FROM parsed
),
flips AS (
  SELECT a.id, a.time, a.target_name AS policy, a.target_id AS policy_id,
         a.actor_upn, a.actor_app_name, a.ip_address, a.user_agent, a.ip_is_hosting,
         a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind,
         c.new_state, c.old_controls, c.new_controls, c.new_strength, c.new_terms, c.new_custom,
         c.new_requirements
  FROM audits a
  JOIN counted c ON c.id = a.id
  WHERE c.old_operator = 'AND' AND c.new_operator = 'OR'
    AND c.new_requirements >= {{min_controls}}
    AND c.new_state <> 'disabled'
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT('Conditional Access policy "', COALESCE(policy, policy_id, 'unknown'),
              '" now accepts any one of its ', CAST(new_requirements AS VARCHAR), ' grant requirements (',
              CONCAT_WS(', ', CASE WHEN new_controls <> '' THEN REPLACE(new_controls, ',', ', ') END,
                        CASE WHEN new_strength THEN 'authentication strength' END,
                        CASE WHEN new_terms <> '' THEN 'terms of use' END,
                        CASE WHEN new_custom <> '' THEN REPLACE(new_custom, ',', ', ') END),
              ') instead of all of them: operator AND -> OR',
              CASE WHEN new_state = 'enabledForReportingButNotEnforced' THEN ' (report-only policy)' ELSE '' END,
              ', by ', COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'critical'
            WHEN new_state = 'enabledForReportingButNotEnforced' THEN 'medium'
            ELSE 'high' END AS severity,
       id AS record_ids,
       policy,
       policy_id,
       new_state AS policy_state,
       old_controls AS old_grant_controls,
       new_controls AS new_grant_controls,
       new_requirements,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM flips
