-- ---
-- id: ADMIN-SHELL-NONADMIN
-- title: Admin shell (Graph / Azure / Exchange PowerShell, Azure CLI, Graph Explorer) first used by a guest or non-admin
-- kind: detection
-- severity: medium
-- techniques: [T1078.004, T1087.004, T1059.009]
-- tactics: [discovery, initial-access]
-- description: >-
--   A successful interactive or non-interactive user sign-in to a first-party administration
--   client (shell_apps: Microsoft Graph PowerShell 14d82eec, Graph Explorer de8bc8b5, Azure CLI
--   04b07795, Azure PowerShell 1950a258, Exchange Online PowerShell fb78d390 / a0c73c16, and
--   the SharePoint, Teams, Intune, Power BI, PnP, AADRM and Power Platform shells) by either a
--   guest (user type guest or an #EXT# UPN), or a member who is not privileged
--   (user_is_privileged false, not break-glass) and who signed in successfully on at least
--   min_history_days distinct days before this first use of that client in the export (a
--   developer who uses Azure CLI from the first day of the logs is routine; a finance clerk
--   whose first Graph PowerShell session comes after days of Outlook-only sign-ins is not).
--   One finding per user and client, over its sign-ins in the 24 h after the first use.
--   Azure CLI and Azure PowerShell tokens for Microsoft Graph / AAD Graph are left to
--   OAUTH-FIRSTPARTY-PHISH. Medium; high for guests, or when a sign-in came from a hosting
--   network that is not trusted, or from a network that is neither trusted, the user's own
--   address (ip_is_own_for_user) nor one of their usual ASNs.
-- why: >-
--   These clients are pre-consented for broad directory and mailbox scopes. Ordinary users
--   and guests have no reason to run them; an attacker with a phished session uses them (or
--   tools that borrow their client ids, such as GraphRunner and AzureHound's az login) to
--   enumerate users, groups, roles and mailboxes right after getting in.
-- remediation: [revoke_sessions, reset_password, ask_customer]
-- tables: [signins]
-- params:
--   shell_apps: [14d82eec-204b-4c2f-b7e8-296a70dab67e, de8bc8b5-d9f9-48b1-a8ad-b748da725064, 04b07795-8ddb-461a-bbee-02f9e1bf7b46, 1950a258-227b-4e31-a9cf-717495945fc2, fb78d390-0c51-40cd-8e17-fdbfab77341b, a0c73c16-a7e3-4564-9a95-2bdf47383716, 9bc3ab49-b65d-410a-85ad-de819febfddc, 12128f48-ec9e-42f0-b203-ea49fb6af367, d1ddf0e4-d672-4dae-b554-9d5bdfd93547, 23d8f6bd-1eb0-4cc2-a08c-7bf525c67bcd, 31359c7f-bd7e-475c-86db-fdb8c937548e, 90f610bf-206d-4950-b61d-37fa6fd1b224, 9cee029c-6210-4654-90bb-17e6e9d36617]
--   graph_dev_clients: [04b07795-8ddb-461a-bbee-02f9e1bf7b46, 1950a258-227b-4e31-a9cf-717495945fc2]
--   graph_resources: [00000003-0000-0000-c000-000000000000, 00000002-0000-0000-c000-000000000000]
--   min_history_days: 2
--   expected_users: []
-- false_positives:
--   - A newly hired or newly delegated administrator whose role assignment predates the export (add them to privileged_users or expected_users)
--   - Partner (GDAP) technicians and guest consultants who administer the tenant with these tools
--   - Power users running Graph Explorer to learn the API
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/MultipleDataSources/UnusualGuestActivity.yaml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_oauth_phishing_via_first_party_microsoft_application.toml
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/protect-against-consent-phishing
--   - https://github.com/dafthack/GraphRunner
-- catalog: [GUEST-ADMIN-SHELL]
-- ---
WITH shell AS (
  SELECT id, time, user_principal_name, user_type, app_id, app_display_name, resource_display_name,
         ip_address, asn, country, user_agent, ip_hosting_provider,
         COALESCE(user_is_privileged, FALSE) OR COALESCE(user_is_break_glass, FALSE) AS admin,
         LOWER(COALESCE(user_type, '')) = 'guest' OR user_principal_name LIKE '%#ext#%' AS guest,
         COALESCE(ip_is_hosting, FALSE) AND NOT COALESCE(ip_is_trusted, FALSE) AS hosting,
         NOT COALESCE(ip_is_trusted, FALSE) AND NOT COALESCE(ip_is_own_for_user, FALSE)
           AND NOT COALESCE(asn_is_usual_for_user, FALSE) AS unfamiliar
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND result = 'success'
    AND user_principal_name IS NOT NULL
    AND app_id IN {{shell_apps}}
    AND user_principal_name NOT IN {{expected_users}}
    AND NOT (app_id IN {{graph_dev_clients}}
             AND (COALESCE(resource_id, '') IN {{graph_resources}}
                  OR COALESCE(resource_display_name, '') IN ('Microsoft Graph', 'Windows Azure Active Directory')))
),
first_use AS (
  SELECT user_principal_name, app_id, MIN(time) AS first_time
  FROM shell
  GROUP BY user_principal_name, app_id
),
-- days with a successful sign-in of the user before the first use of the client
history AS (
  SELECT f.user_principal_name, f.app_id,
         COUNT(DISTINCT STRFTIME(s.time, '%Y-%m-%d')) AS prior_days,
         COUNT(*) AS prior_signins
  FROM first_use f
  JOIN signins s ON s.user_principal_name = f.user_principal_name
  WHERE s.result = 'success'
    AND s.category IN ('interactive', 'non_interactive')
    AND s.time < f.first_time
    AND STRFTIME(s.time, '%Y-%m-%d') < STRFTIME(f.first_time, '%Y-%m-%d')
  GROUP BY f.user_principal_name, f.app_id
),
per_user_app AS (
  SELECT s.user_principal_name, s.app_id,
         MIN(s.app_display_name) AS app,
         MIN(s.time) AS first_seen,
         MAX(s.time) AS last_seen,
         COUNT(*) AS signins,
         MAX(CASE WHEN s.admin THEN 1 ELSE 0 END) AS admin,
         MAX(CASE WHEN s.guest THEN 1 ELSE 0 END) AS guest,
         MAX(CASE WHEN s.hosting THEN 1 ELSE 0 END) AS hosting,
         MAX(CASE WHEN s.unfamiliar THEN 1 ELSE 0 END) AS unfamiliar,
         STRING_AGG(DISTINCT s.ip_address, ';' ORDER BY s.ip_address) AS ips,
         STRING_AGG(DISTINCT s.resource_display_name, ';' ORDER BY s.resource_display_name) AS resources,
         STRING_AGG(DISTINCT s.country, ';' ORDER BY s.country) AS countries,
         STRING_AGG(DISTINCT s.ip_hosting_provider, ';' ORDER BY s.ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT s.user_agent, ' | ' ORDER BY s.user_agent) AS user_agents,
         ARRAY_AGG(s.id) AS record_ids
  FROM shell s
  JOIN first_use f ON f.user_principal_name = s.user_principal_name AND f.app_id = s.app_id
  WHERE CAST(s.time AS BIGINT) - CAST(f.first_time AS BIGINT) <= 86400000000
  GROUP BY s.user_principal_name, s.app_id
),
hits AS (
  SELECT p.*, COALESCE(h.prior_days, 0) AS prior_days, COALESCE(h.prior_signins, 0) AS prior_signins
  FROM per_user_app p
  LEFT JOIN history h ON h.user_principal_name = p.user_principal_name AND h.app_id = p.app_id
  WHERE p.guest = 1
     OR (p.admin = 0 AND COALESCE(h.prior_days, 0) >= {{min_history_days}})
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       signins AS evidence_count,
       CONCAT(CASE WHEN guest = 1 THEN 'Guest ' ELSE 'Non-admin user ' END, user_principal_name,
              ' used ', COALESCE(app, app_id), ' for the first time in the export (', CAST(signins AS VARCHAR),
              ' sign-in(s) to ', COALESCE(resources, 'unknown resources'), ' from ', COALESCE(ips, 'unknown IPs'),
              CASE WHEN countries IS NULL THEN '' ELSE CONCAT(', ', countries) END, ') after ',
              CAST(prior_days AS VARCHAR), ' day(s) and ', CAST(prior_signins AS VARCHAR),
              ' earlier sign-in(s) without it',
              CASE WHEN hosting = 1 THEN CONCAT('; from hosting network ', COALESCE(hosting_providers, ''))
                   WHEN unfamiliar = 1 THEN '; from a network the user never used'
                   ELSE '' END) AS summary,
       CASE WHEN guest = 1 OR hosting = 1 OR unfamiliar = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       app,
       app_id,
       resources,
       guest = 1 AS is_guest,
       prior_days,
       prior_signins,
       countries,
       hosting_providers,
       user_agents
FROM hits
