-- ---
-- id: DEVICECODE
-- title: Device-code flow sign-in (device-code phishing)
-- kind: detection
-- severity: high
-- techniques: [T1528, T1566.002]
-- tactics: [credential-access, initial-access]
-- description: >-
--   Successful user sign-ins with authentication protocol deviceCode or original transfer
--   method deviceCodeFlow (the refresh tokens that descend from it), for users not listed in
--   the policy's expected_device_code_users, that show at least one of the catalog's
--   phishing signs (one finding per user, high): the session or correlation id of a
--   device-code sign-in shows at least min_ips IPs or min_user_agents user agents (the
--   victim's browser and the attacker's polling client), the device is not managed, the
--   resource is AAD Graph, Microsoft Graph or Exchange Online, the client is Microsoft
--   Authentication Broker (Storm-2372 device registration), a correlation id holds both
--   50199 and 0, or (added here) the IP is a hosting / VPS network. The reasons are listed.
--   Device-code use without any of these signs is the customer question DUET-DEVICECODE.
--   The catalog's "first device-code use in 7-30 days" needs history beyond the export and
--   is not checked.
-- why: >-
--   Device-code phishing (Storm-2372 and others) makes the victim enter an attacker's code at
--   microsoft.com/devicelogin: the attacker's client receives tokens for the victim, MFA
--   included, and often registers a device to obtain a Primary Refresh Token.
-- remediation: [revoke_sessions, reset_password, remove_device, review_configuration]
-- tables: [signins]
-- params:
--   min_ips: 2
--   min_user_agents: 2
-- false_positives:
--   - Meeting-room and kiosk devices, Azure CLI "az login --use-device-code" by administrators (list them in expected_device_code_users)
-- references:
--   - https://www.microsoft.com/security/blog/2025/02/13/storm-2372-conducts-device-code-phishing-campaign/
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/credential_access_azure_entra_susp_device_code_signin.toml
-- catalog: [DEVICECODE]
-- ---
WITH dc AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND result = 'success'
    AND user_principal_name IS NOT NULL
    AND (authentication_protocol = 'deviceCode' OR original_transfer_method = 'deviceCodeFlow')
    AND NOT COALESCE(device_code_expected, FALSE)
),
-- everything else that happened in the same flows: the browser that entered the code and
-- the client that polled for the token share the correlation / session id
corr_stats AS (
  SELECT s.correlation_id,
         COUNT(DISTINCT s.ip_address) AS corr_ips,
         COUNT(DISTINCT s.user_agent) AS corr_uas,
         MAX(CASE WHEN s.error_code = 50199 THEN 1 ELSE 0 END) AS has_50199,
         MAX(CASE WHEN s.error_code = 0 THEN 1 ELSE 0 END) AS has_0
  FROM signins s
  WHERE s.correlation_id IN (SELECT correlation_id FROM dc)
  GROUP BY s.correlation_id
),
sess_stats AS (
  SELECT s.session_id,
         COUNT(DISTINCT s.ip_address) AS sess_ips,
         COUNT(DISTINCT s.user_agent) AS sess_uas
  FROM signins s
  WHERE s.session_id IN (SELECT session_id FROM dc)
  GROUP BY s.session_id
),
flagged AS (
  SELECT d.*,
         CASE WHEN COALESCE(c.corr_ips, 0) >= {{min_ips}} OR COALESCE(c.corr_uas, 0) >= {{min_user_agents}}
                   OR COALESCE(x.sess_ips, 0) >= {{min_ips}} OR COALESCE(x.sess_uas, 0) >= {{min_user_agents}}
              THEN 1 ELSE 0 END AS f_multi_source,
         CASE WHEN NOT COALESCE(d.device_is_managed, FALSE) THEN 1 ELSE 0 END AS f_unmanaged,
         CASE WHEN d.resource_id IN ('00000002-0000-0000-c000-000000000000', '00000003-0000-0000-c000-000000000000',
                                     '00000002-0000-0ff1-ce00-000000000000') THEN 1 ELSE 0 END AS f_resource,
         CASE WHEN d.app_id = '29d9ed98-a469-4536-ade2-f981bc1d605e' THEN 1 ELSE 0 END AS f_broker,
         CASE WHEN COALESCE(c.has_50199, 0) = 1 AND COALESCE(c.has_0, 0) = 1 THEN 1 ELSE 0 END AS f_confirm,
         CASE WHEN d.ip_is_hosting THEN 1 ELSE 0 END AS f_hosting
  FROM dc d
  LEFT JOIN corr_stats c ON d.correlation_id = c.correlation_id
  LEFT JOIN sess_stats x ON d.session_id = x.session_id
),
per_user AS (
  SELECT user_principal_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN authentication_protocol = 'deviceCode' THEN 1 ELSE 0 END) AS device_code_logins,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(id) AS record_ids,
         MAX(f_multi_source) AS f_multi_source, MAX(f_unmanaged) AS f_unmanaged, MAX(f_resource) AS f_resource,
         MAX(f_broker) AS f_broker, MAX(f_confirm) AS f_confirm, MAX(f_hosting) AS f_hosting
  FROM flagged
  GROUP BY user_principal_name
),
explained AS (
  SELECT *,
         CONCAT(CASE WHEN f_multi_source = 1 THEN 'several IPs or user agents in one flow; ' ELSE '' END,
                CASE WHEN f_unmanaged = 1 THEN 'unmanaged device; ' ELSE '' END,
                CASE WHEN f_resource = 1 THEN 'Graph / AAD Graph / Exchange resource; ' ELSE '' END,
                CASE WHEN f_broker = 1 THEN 'Microsoft Authentication Broker client; ' ELSE '' END,
                CASE WHEN f_confirm = 1 THEN '50199 and 0 in one correlation; ' ELSE '' END,
                CASE WHEN f_hosting = 1 THEN 'hosting network IP; ' ELSE '' END) AS reasons
  FROM per_user
)
SELECT first_seen, last_seen, user_principal_name AS principals, ips, evidence_count,
       CONCAT(user_principal_name, ' obtained tokens through the device-code flow: ', CAST(device_code_logins AS VARCHAR),
              ' device-code sign-in(s) and ', CAST(evidence_count - device_code_logins AS VARCHAR),
              ' derived token use(s) from ', CAST(ip_count AS VARCHAR), ' IP(s)',
              '; phishing signs: ', RTRIM(reasons, '; ')) AS summary,
       record_ids, reasons, apps, resources, user_agents, countries, hosting_providers
FROM explained
-- plain device-code use is DUET-DEVICECODE's question, not a detection
WHERE reasons <> ''
