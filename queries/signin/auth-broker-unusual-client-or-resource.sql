-- ---
-- id: BROKER-UNUSUAL
-- title: Microsoft Authentication Broker used by a script or for an unusual resource
-- kind: detection
-- severity: medium
-- techniques: [T1550.001, T1528, T1078.004]
-- tactics: [credential-access, defense-evasion, initial-access]
-- description: >-
--   Successful user sign-ins (interactive or non-interactive) of Microsoft Authentication
--   Broker (29d9ed98-a469-4536-ade2-f981bc1d605e) from an untrusted address with either (1) a
--   user agent that is not one of the broker's platform clients — it does not start with
--   Mozilla or Dalvik and contains neither CFNetwork nor Windows-AzureAD-Authentication-Provider
--   — or is an attack tool or HTTP library (ua_tool_kind, which also catches tools forging a
--   browser string), or (2) a resource outside the broker's usual targets (usual_resources:
--   AAD Graph, Microsoft Graph, Device Registration Service, Intune enrolment / check-in /
--   MAM, Exchange Online, SharePoint Online, Teams services) that fewer than min_users users
--   of the export reach through the broker. One finding per user and day. Medium; high when a
--   sign-in came from a hosting or intel-listed IP or with an attack-tool user agent, or when
--   both (1) and (2) hold. HTTPLIB-UA reports HTTP-library user agents on every app; this rule
--   adds the broker context (a device registration or PRT phishing flow) and the resource test.
-- why: >-
--   The broker is the client that registers devices and brokers Primary Refresh Tokens.
--   Device-code and OAuth phishing kits (Storm-2372, Tycoon2FA) and roadtx replay its refresh
--   tokens from scripts, or mint broker tokens for APIs it never asks for on a real device.
-- remediation: [revoke_sessions, reset_password, remove_device, block_ip]
-- tables: [signins]
-- params:
--   min_users: 3
--   usual_resources:
--     - 00000002-0000-0000-c000-000000000000
--     - 00000003-0000-0000-c000-000000000000
--     - 01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9
--     - 90a2e5d2-fd7a-4a2e-bc90-3dc50ae8e3ee
--     - d4ebce55-015a-49b5-a083-c84d1797ae8c
--     - 0a5f63c0-b750-4f38-a71c-4fc0d58b89e2
--     - 0000000a-0000-0000-c000-000000000000
--     - 26a4ae64-5862-427f-a9b0-044e62572a4f
--     - 00000002-0000-0ff1-ce00-000000000000
--     - 00000003-0000-0ff1-ce00-000000000000
--     - cc15fd57-2c6c-4117-a88c-83b1d56b4bbe
-- false_positives:
--   - In-house tooling that obtains broker tokens from a script (list its egress in trusted_ips)
--   - A new Microsoft service the broker starts to request tokens for, used by fewer than min_users users
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_microsoft_auth_broker_nonstandard_user_agent.toml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_microsoft_auth_broker_unusual_resource.toml
--   - https://www.volexity.com/blog/2025/04/22/phishing-for-codes-russian-threat-actors-target-microsoft-365-oauth-workflows/
--   - https://dirkjanm.io/phishing-for-microsoft-entra-primary-refresh-tokens/
-- catalog: [BROKER-ODDUA]
-- ---
WITH broker AS (
  SELECT *,
         COALESCE(resource_id, resource_display_name, 'unknown resource') AS resource_key
  FROM signins
  WHERE app_id = '29d9ed98-a469-4536-ade2-f981bc1d605e'
    AND result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
),
-- how many users reach each resource through the broker in this export
reach AS (
  SELECT resource_key, COUNT(DISTINCT user_principal_name) AS users
  FROM broker
  GROUP BY resource_key
),
flagged AS (
  SELECT b.*,
         r.users AS resource_users,
         COALESCE(b.ua_tool_kind IN ('attack_tool', 'http_library'), FALSE)
           OR (b.user_agent IS NOT NULL AND TRIM(b.user_agent) <> ''
               AND NOT (b.user_agent ILIKE 'mozilla%' OR b.user_agent ILIKE 'dalvik%' OR b.user_agent ILIKE '%cfnetwork%'
                        OR b.user_agent ILIKE 'windows-azuread-authentication-provider%')) AS odd_ua,
         NOT COALESCE(b.resource_id IN {{usual_resources}}, FALSE) AND r.users < {{min_users}} AS odd_resource,
         COALESCE(b.ip_is_hosting, FALSE) OR b.ip_intel IS NOT NULL OR COALESCE(b.ua_tool_kind = 'attack_tool', FALSE) AS risky
  FROM broker b
  JOIN reach r ON r.resource_key = b.resource_key
  WHERE NOT b.ip_is_trusted
),
hits AS (
  SELECT * FROM flagged WHERE odd_ua OR odd_resource
),
per_user AS (
  SELECT user_principal_name,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN odd_ua THEN 1 ELSE 0 END) AS odd_ua_signins,
         SUM(CASE WHEN odd_resource THEN 1 ELSE 0 END) AS odd_resource_signins,
         MAX(CASE WHEN odd_ua AND odd_resource THEN 1 ELSE 0 END) AS both_signals,
         MAX(CASE WHEN risky THEN 1 ELSE 0 END) AS risky,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT CASE WHEN odd_ua THEN user_agent END, ' | ' ORDER BY CASE WHEN odd_ua THEN user_agent END) AS unusual_user_agents,
         STRING_AGG(DISTINCT CASE WHEN odd_resource THEN COALESCE(resource_display_name, resource_id) END, '; '
                    ORDER BY CASE WHEN odd_resource THEN COALESCE(resource_display_name, resource_id) END) AS unusual_resources,
         STRING_AGG(DISTINCT COALESCE(resource_display_name, resource_id), '; ' ORDER BY COALESCE(resource_display_name, resource_id)) AS resources,
         STRING_AGG(DISTINCT ua_tool, ';' ORDER BY ua_tool) AS ua_tools,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT category, ';' ORDER BY category) AS categories,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' on ', day, ': ', CAST(evidence_count AS VARCHAR),
              ' successful Microsoft Authentication Broker sign-in(s) from ', REPLACE(ips, ';', ', '),
              CASE WHEN odd_ua_signins > 0
                   THEN CONCAT(', ', CAST(odd_ua_signins AS VARCHAR), ' with a non-platform user agent (', unusual_user_agents,
                               CASE WHEN ua_tools IS NULL THEN '' ELSE CONCAT('; ', ua_tools) END, ')')
                   ELSE '' END,
              CASE WHEN odd_resource_signins > 0
                   THEN CONCAT(', ', CAST(odd_resource_signins AS VARCHAR), ' for a resource the broker rarely serves (', unusual_resources, ')')
                   ELSE '' END,
              CASE WHEN hosting_providers IS NULL THEN '' ELSE CONCAT(', via ', hosting_providers) END) AS summary,
       CASE WHEN risky = 1 OR both_signals = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       unusual_user_agents,
       unusual_resources,
       resources,
       ua_tools,
       hosting_providers,
       categories
FROM per_user
