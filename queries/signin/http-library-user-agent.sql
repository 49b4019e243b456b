-- ---
-- id: HTTPLIB-UA
-- title: Sign-in from an HTTP library or phishing-kit user agent
-- kind: detection
-- severity: high
-- techniques: [T1557, T1110]
-- tactics: [credential-access, initial-access]
-- description: >-
--   Sign-ins (interactive, non-interactive, service principal) whose user agent is a
--   programming HTTP library (axios, node-fetch, undici, node, python-requests, aiohttp,
--   Go-http-client, go-resty, okhttp, fasthttp, curl, libwww-perl; the ua_tool enrichment)
--   or the Kali365 phishing kit. Trusted IPs (in-house tooling) are ignored. A user with at
--   least one success is high (credential replay or AiTM automation), one finding per
--   account. Workloads are scripts: a service principal's sign-ins count only from a source
--   that is not one of its usual networks or ASNs (policy or learned baseline), and its
--   success is then medium; an SDK user agent from the principal's own hosts is normal. Failures of accounts that never succeeded are
--   grouped per source IP at low: they feed the spray rules. The catalog's
--   BAV2ROPC string is a legacy-auth client, not a library; include_legacy_ropc adds it
--   (ROPC-SFA and LEGACY-SUCCESS cover it by default).
-- why: >-
--   Browsers and Microsoft clients do not sign in as axios or python-requests. A successful
--   sign-in with such a user agent is typically a phishing proxy relaying a stolen session
--   or a script replaying stolen credentials or tokens (2024-25 account-takeover campaigns).
-- remediation: [revoke_sessions, reset_password, block_ip]
-- tables: [signins]
-- params:
--   include_legacy_ropc: false
-- false_positives:
--   - In-house Node or Python tooling signing in as users (list its egress in trusted_ips)
--   - Automation service principals written with requests or axios
-- references:
--   - https://github.com/SigmaHQ/sigma/blob/master/rules-threat-hunting/cloud/azure/signin_logs/azure_ad_signin_axios_user_agent.yml
--   - https://www.proofpoint.com/us/blog/threat-insight/attackers-unleash-teamfiltration-account-takeover-campaign
-- catalog: [HTTPLIB-UA]
-- ---
WITH hits AS (
  SELECT *,
         COALESCE(user_principal_name, service_principal_name, service_principal_id, app_id) AS principal
  FROM signins
  WHERE (ua_tool_kind = 'http_library'
         OR ua_tool = 'Kali365 phishing kit'
         OR ({{include_legacy_ropc}} AND ua_tool_kind = 'legacy_ropc'))
    AND NOT ip_is_trusted
    AND (category IN ('interactive', 'non_interactive')
         OR (category = 'service_principal' AND NOT source_is_usual_for_sp))
),
per_account AS (
  SELECT principal,
         STRING_AGG(DISTINCT ua_tool, ', ' ORDER BY ua_tool) AS tools,
         MIN(category) AS category,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY principal
),
-- accounts that got in: one finding each
succeeded AS (
  SELECT first_seen, last_seen, principal AS principals, ips, evidence_count,
         CONCAT(principal, ' signed in successfully ', CAST(successes AS VARCHAR), ' time(s) with HTTP-library user agents: ', tools,
                ' (', CAST(evidence_count AS VARCHAR), ' sign-ins from ', CAST(ip_count AS VARCHAR),
                ' IP(s))') AS summary,
         CASE WHEN category = 'service_principal' THEN 'medium' ELSE 'high' END AS severity,
         record_ids, tools, user_agents, apps, resources, countries, hosting_providers, error_codes,
         CAST(NULL AS VARCHAR) AS targeted_users, CAST(1 AS BIGINT) AS targeted
  FROM per_account
  WHERE successes > 0
),
-- failures of accounts that never got in: grouped per source, they are spray/probing noise
failed AS (
  SELECT h.* FROM hits h
  JOIN per_account p ON h.principal = p.principal
  WHERE p.successes = 0
),
per_source AS (
  SELECT ip_address,
         STRING_AGG(DISTINCT ua_tool, ', ' ORDER BY ua_tool) AS tools,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT principal) AS targeted,
         STRING_AGG(DISTINCT principal, ';' ORDER BY principal) AS targeted_users,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(id) AS record_ids
  FROM failed
  GROUP BY ip_address
),
failures AS (
  SELECT first_seen, last_seen, CAST(NULL AS VARCHAR) AS principals, ip_address AS ips, evidence_count,
         CONCAT(CAST(evidence_count AS VARCHAR), ' failed sign-in(s) with HTTP-library user agents (', tools, ') from ',
                COALESCE(ip_address, 'an unknown IP'), ' against ', CAST(targeted AS VARCHAR), ' account(s), none successful') AS summary,
         'low' AS severity,
         record_ids, tools, user_agents, apps, resources, countries, hosting_providers, error_codes,
         targeted_users, CAST(targeted AS BIGINT) AS targeted
  FROM per_source
)
SELECT * FROM succeeded
UNION ALL
SELECT * FROM failures
