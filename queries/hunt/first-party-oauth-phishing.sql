-- ---
-- id: FOCI-OAUTH-PHISH
-- title: Graph tokens issued to developer tools or FOCI clients (OAuth code phishing)
-- kind: hunt
-- severity: medium
-- techniques: [T1528, T1550.001]
-- tactics: [credential-access]
-- description: >-
--   Successful user sign-ins where Visual Studio Code, Azure CLI or Azure PowerShell
--   (dev_clients) obtained a Microsoft Graph or Azure AD Graph token, or any family-of-
--   client-ids application obtained an Azure AD Graph token. One lead per account, client and
--   resource, skipping expected_users (developers, admins). Medium when the combination first
--   appears at least baseline_days after the account's first sign-in in the export (new for
--   the user); low when it was already in use at the start of the export. The catalog's
--   user_impersonation / unbound-session variant needs authentication processing details
--   the canonical model does not keep.
-- why: >-
--   OAuth code phishing (ConsentFix-style) has the victim sign in to a genuine Microsoft
--   page for a first-party developer client, then paste the redirect URL to the attacker,
--   who redeems it for Graph tokens. No consent prompt and no malicious app appear; the
--   only trace is an ordinary user suddenly holding developer-tool tokens.
-- remediation: [revoke_sessions, reset_password]
-- tables: [signins]
-- params:
--   dev_clients: [aebc6443-996d-45c2-90f0-388ff96faa56, 04b07795-8ddb-461a-bbee-02f9e1bf7b46, 1950a258-227b-4e31-a9cf-717495945fc2]
--   expected_users: []
--   baseline_days: 1
-- false_positives:
--   - Developers and administrators using VS Code, az or Az PowerShell (list them in expected_users)
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_oauth_phishing_via_first_party_microsoft_application.toml
--   - https://github.com/secureworks/family-of-client-ids-research
-- catalog: [FOCI-OAUTH-PHISH]
-- ---
WITH tokens AS (
  SELECT id, time, category, user_principal_name, ip_address, app_id, app_display_name, resource_id,
         resource_display_name, country, user_agent
  FROM signins
  WHERE result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND NOT COALESCE(user_principal_name IN {{expected_users}}, FALSE)
    AND ((app_id IN {{dev_clients}}
          AND resource_id IN ('00000003-0000-0000-c000-000000000000', '00000002-0000-0000-c000-000000000000'))
         OR (app_is_foci AND resource_id = '00000002-0000-0000-c000-000000000000'))
),
per_combo AS (
  SELECT user_principal_name,
         app_id,
         resource_id,
         MIN(app_display_name) AS app,
         MIN(resource_display_name) AS resource,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT category) AS categories,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(id) AS record_ids
  FROM tokens
  GROUP BY user_principal_name, app_id, resource_id
),
user_start AS (
  SELECT user_principal_name, MIN(time) AS user_first_seen
  FROM signins
  WHERE user_principal_name IS NOT NULL
  GROUP BY user_principal_name
),
judged AS (
  SELECT p.*,
         CAST(p.first_seen AS BIGINT) - CAST(u.user_first_seen AS BIGINT) >= {{baseline_days}} * 86400000000 AS new_for_user,
         DIV(CAST(p.first_seen AS BIGINT) - CAST(u.user_first_seen AS BIGINT), 3600000000) AS hours_of_prior_history
  FROM per_combo p
  JOIN user_start u ON p.user_principal_name = u.user_principal_name
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' obtained ', COALESCE(resource, resource_id), ' tokens through ',
              COALESCE(app, app_id), ' ', CAST(evidence_count AS VARCHAR), ' time(s) from ',
              CASE WHEN ip_count <= 3 THEN REPLACE(ips, ';', ', ') ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END,
              ', first on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC',
              CASE WHEN new_for_user THEN CONCAT(', after ', CAST(hours_of_prior_history AS VARCHAR),
                                                 ' h of the account''s activity without it')
                   ELSE ', already in use on the account''s first day in the export' END) AS summary,
       CASE WHEN new_for_user THEN 'medium' ELSE 'low' END AS severity,
       record_ids,
       app,
       app_id,
       resource,
       resource_id,
       new_for_user,
       categories,
       countries,
       user_agents
FROM judged
