-- ---
-- id: TOOL-HOUND
-- title: AzureHound / BloodHound collector sign-in
-- kind: detection
-- severity: high
-- techniques: [T1087.004, T1069.003, T1526]
-- tactics: [discovery]
-- description: >-
--   Sign-ins whose user agent is an AzureHound, SharpHound or BloodHound collector
--   (azurehound/, sharphound, bloodhound). One finding per account; high when at least one
--   succeeded (the collector got a token and enumerated the tenant), medium when all failed.
-- why: >-
--   AzureHound maps users, groups, roles, apps and their permissions to find the shortest
--   path to Global Administrator. Its presence means an attacker (or an unannounced
--   assessment) holds working credentials or tokens for this account.
-- remediation: [revoke_sessions, reset_password, ask_customer]
-- tables: [signins]
-- false_positives:
--   - Authorised BloodHound Enterprise collectors or penetration tests (confirm with the customer)
-- references:
--   - https://github.com/SpecterOps/AzureHound
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/signin_logs/azure_ad_azurehound_discovery.yml
-- catalog: [TOOL-HOUND]
-- ---
WITH hits AS (
  SELECT * FROM signins
  WHERE ua_tool IN ('AzureHound', 'BloodHound')
),
per_account AS (
  SELECT COALESCE(user_principal_name, service_principal_name, app_id) AS principal,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         STRING_AGG(DISTINCT ua_tool, ', ' ORDER BY ua_tool) AS tools,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY COALESCE(user_principal_name, service_principal_name, app_id)
)
SELECT first_seen, last_seen, principal AS principals, ips, evidence_count,
       CONCAT(tools, ' collector signed in as ', principal, ': ', CAST(evidence_count AS VARCHAR), ' sign-in(s), ',
              CAST(successes AS VARCHAR), ' successful') AS summary,
       CASE WHEN successes > 0 THEN 'high' ELSE 'medium' END AS severity,
       record_ids, tools, user_agents, apps, resources, error_codes, hosting_providers
FROM per_account
