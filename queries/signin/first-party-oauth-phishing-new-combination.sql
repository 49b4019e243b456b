-- ---
-- id: OAUTH-FIRSTPARTY-PHISH
-- title: New Graph token for a user through VS Code, Azure CLI or Azure PowerShell (OAuth code phishing)
-- kind: detection
-- severity: medium
-- techniques: [T1528, T1566.002, T1550.001]
-- tactics: [credential-access, initial-access]
-- description: >-
--   A successful interactive or non-interactive user sign-in by Visual Studio Code, Azure CLI
--   or Azure PowerShell (dev_clients) to Microsoft Graph or Azure AD Graph (by resource id or
--   by resource display name), where that (user, client, resource) combination is new in the
--   window: its first use is after the first day of the sign-in logs (a combination already
--   in use on the first day is routine). Users in expected_users are skipped. One finding per
--   user, client and resource. Medium; high when any of its sign-ins came from a hosting, VPS
--   or anonymiser network that is not trusted, from an ASN that is not usual for the user
--   (only for users who have a learned usual ASN), or - on non-interactive sign-ins, where the
--   client itself redeems the token - with a user agent that is not the client's own (VS Code
--   needs 'VS Code', 'Visual Studio Code' or 'Electron'; Azure CLI 'python' or 'AZURECLI';
--   Azure PowerShell 'PowerShell' or 'azsdk-net'). The broad hunt over every use, including
--   FOCI clients to Azure AD Graph, is FOCI-OAUTH-PHISH.
-- why: >-
--   OAuth code phishing (Volexity's UTA0352/UTA0355, ConsentFix) sends the victim to a genuine
--   Microsoft sign-in for a pre-consented first-party developer client and has them paste the
--   redirect URL back; the attacker redeems it for Graph tokens. No consent prompt and no rogue
--   app appear: the only trace is a user who never used these tools holding a Graph token for
--   them, often redeemed from attacker infrastructure.
-- remediation: [revoke_sessions, reset_password, ask_customer]
-- tables: [signins]
-- params:
--   dev_clients: [aebc6443-996d-45c2-90f0-388ff96faa56, 04b07795-8ddb-461a-bbee-02f9e1bf7b46, 1950a258-227b-4e31-a9cf-717495945fc2]
--   graph_resources: [00000003-0000-0000-c000-000000000000, 00000002-0000-0000-c000-000000000000]
--   graph_names: [Microsoft Graph, Windows Azure Active Directory]
--   expected_users: []
-- false_positives:
--   - A developer or administrator starting to use VS Code, az or Az PowerShell during the window (list them in expected_users)
--   - Developers working from cloud workstations or dev boxes hosted in Azure, AWS or GCP
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_oauth_phishing_via_first_party_microsoft_application.toml
--   - https://www.volexity.com/blog/2025/04/22/phishing-for-codes-russian-threat-actors-target-microsoft-365-oauth-workflows/
--   - https://pushsecurity.com/blog/consentfix
--   - https://github.com/panther-labs/panther-analysis/blob/main/rules/azure_signin_rules/azure_vscode_oauth_phishing.yml
--   - https://github.com/secureworks/family-of-client-ids-research
-- catalog: [FOCI-OAUTH-PHISH]
-- ---
WITH export_start AS (
  SELECT STRFTIME(MIN(time), '%Y-%m-%d') AS first_day
  FROM signins
),
tokens AS (
  SELECT id, time, category, user_principal_name, ip_address, asn, app_id, app_display_name, country, user_agent,
         ip_hosting_provider, asn_is_usual_for_user,
         CASE WHEN resource_id = '00000002-0000-0000-c000-000000000000'
                   OR resource_display_name = 'Windows Azure Active Directory' THEN 'Azure AD Graph'
              ELSE 'Microsoft Graph' END AS resource,
         CASE WHEN ip_is_hosting AND NOT ip_is_trusted THEN 1 ELSE 0 END AS from_hosting,
         -- the client's own user agent; only judged where the client itself talks to Entra
         CASE WHEN category <> 'non_interactive' OR COALESCE(user_agent, '') = '' THEN 0
              WHEN app_id = 'aebc6443-996d-45c2-90f0-388ff96faa56'
                   AND NOT (user_agent ILIKE '%VS Code%' OR user_agent ILIKE '%Visual Studio Code%'
                            OR user_agent ILIKE '%VSCode%' OR user_agent ILIKE '%Electron%') THEN 1
              WHEN app_id = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'
                   AND NOT (user_agent ILIKE '%python%' OR user_agent ILIKE '%AZURECLI%') THEN 1
              WHEN app_id = '1950a258-227b-4e31-a9cf-717495945fc2'
                   AND NOT (user_agent ILIKE '%PowerShell%' OR user_agent ILIKE '%azsdk-net%') THEN 1
              ELSE 0 END AS foreign_ua
  FROM signins
  WHERE result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND NOT COALESCE(user_principal_name IN {{expected_users}}, FALSE)
    AND app_id IN {{dev_clients}}
    AND (resource_id IN {{graph_resources}} OR resource_display_name IN {{graph_names}})
),
-- users with a learned usual ASN: only for them does "not usual" mean something
user_baseline AS (
  SELECT user_principal_name, MAX(CASE WHEN asn_is_usual_for_user THEN 1 ELSE 0 END) AS has_usual_asn
  FROM signins
  WHERE user_principal_name IS NOT NULL
  GROUP BY user_principal_name
),
flagged AS (
  SELECT t.*,
         CASE WHEN b.has_usual_asn = 1 AND t.asn IS NOT NULL AND NOT COALESCE(t.asn_is_usual_for_user, FALSE)
              THEN 1 ELSE 0 END AS unusual_asn
  FROM tokens t
  LEFT JOIN user_baseline b ON t.user_principal_name = b.user_principal_name
),
per_combo AS (
  SELECT user_principal_name, app_id, resource,
         MIN(COALESCE(app_display_name, app_id)) AS app,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT category, ';' ORDER BY category) AS categories,
         STRING_AGG(DISTINCT country, ';' ORDER BY country) AS countries,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT CASE WHEN foreign_ua = 1 THEN user_agent END, ' | '
                    ORDER BY CASE WHEN foreign_ua = 1 THEN user_agent END) AS foreign_user_agents,
         SUM(from_hosting) AS hosting_signins,
         SUM(unusual_asn) AS unusual_asn_signins,
         SUM(foreign_ua) AS foreign_ua_signins,
         ARRAY_AGG(id) AS record_ids
  FROM flagged
  GROUP BY user_principal_name, app_id, resource
),
judged AS (
  SELECT p.*, e.first_day,
         STRFTIME(p.first_seen, '%Y-%m-%d') AS first_day_of_combo,
         CASE WHEN p.hosting_signins > 0 OR p.unusual_asn_signins > 0 OR p.foreign_ua_signins > 0 THEN 3 ELSE 2 END AS sev_rank
  FROM per_combo p
  CROSS JOIN export_start e
  WHERE STRFTIME(p.first_seen, '%Y-%m-%d') > e.first_day
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' obtained ', resource, ' tokens through ', app, ' for the first time on ',
              STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC (the sign-in logs start ', first_day, '): ',
              CAST(evidence_count AS VARCHAR), ' sign-in(s) from ',
              CASE WHEN ip_count <= 3 THEN COALESCE(REPLACE(ips, ';', ', '), 'an unknown IP')
                   ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END,
              CASE WHEN hosting_signins > 0
                   THEN CONCAT('; ', CAST(hosting_signins AS VARCHAR), ' from a hosting network (',
                               REPLACE(hosting_providers, ';', ', '), ')') ELSE '' END,
              CASE WHEN unusual_asn_signins > 0
                   THEN CONCAT('; ', CAST(unusual_asn_signins AS VARCHAR), ' from an ASN not usual for the user') ELSE '' END,
              CASE WHEN foreign_ua_signins > 0
                   THEN CONCAT('; ', CAST(foreign_ua_signins AS VARCHAR), ' non-interactive with a user agent that is not ',
                               app, '''s (', foreign_user_agents, ')') ELSE '' END) AS summary,
       CASE WHEN sev_rank >= 3 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       app,
       app_id,
       resource,
       first_day_of_combo,
       first_day AS logs_first_day,
       categories,
       countries,
       user_agents,
       hosting_signins,
       unusual_asn_signins,
       foreign_ua_signins
FROM judged
