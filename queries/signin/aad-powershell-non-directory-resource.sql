-- ---
-- id: AADPS-NONAAD
-- title: Azure AD PowerShell client used against a non-directory resource
-- kind: detection
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access, collection]
-- description: >-
--   A successful user sign-in (interactive or non-interactive) with the Azure Active
--   Directory PowerShell client (1b730954-1685-4b74-9bfd-dac224a7b894) and an Azure AD token
--   issuer, to a resource other than AAD Graph (00000002-0000-0000-c000-000000000000) or
--   Microsoft Graph (00000003-0000-0000-c000-000000000000), for example Key Vault, Azure
--   Resource Manager or Exchange. One finding per user and resource.
-- why: >-
--   The retired AAD PowerShell module only talks to the directory. Its client id used for
--   another resource is a token obtained by a tool (ROADtools, AADInternals, MFASweep use
--   it as their default) to reach data the module never touches.
-- remediation: [revoke_sessions, rotate_secrets, ask_customer]
-- tables: [signins]
-- false_positives:
--   - Administrators' own scripts that reuse the AAD PowerShell client id
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SigninLogs/AzureAADPowerShellAnomaly.yaml
-- catalog: [AADPS-NONAAD]
-- ---
WITH hits AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND app_id = '1b730954-1685-4b74-9bfd-dac224a7b894'
    AND result = 'success'
    AND COALESCE(token_issuer_type, 'AzureAD') = 'AzureAD'
    AND resource_id IS NOT NULL
    AND resource_id NOT IN ('00000002-0000-0000-c000-000000000000', '00000003-0000-0000-c000-000000000000')
    AND user_principal_name IS NOT NULL
),
per_user AS (
  SELECT user_principal_name, resource_id,
         MIN(resource_display_name) AS resource,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, resource_id
)
SELECT first_seen, last_seen, user_principal_name AS principals, ips, evidence_count,
       CONCAT(user_principal_name, ' used the Azure AD PowerShell client to get ', CAST(evidence_count AS VARCHAR),
              ' token(s) for ', COALESCE(resource, resource_id)) AS summary,
       record_ids, resource, resource_id, user_agents, countries, hosting_providers
FROM per_user
