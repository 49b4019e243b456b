-- ---
-- id: POS-LEGACY-STACK
-- title: Deprecated authentication stacks in use
-- kind: posture
-- severity: low
-- description: >-
--   Apps still on retiring Microsoft identity plumbing, from successful sign-ins. (1) Apps
--   requesting tokens for Azure AD Graph (resource 00000002-0000-0000-c000-000000000000),
--   retired in favour of Microsoft Graph: every service principal or managed identity, and
--   user sign-ins through client apps other than the Microsoft first-party clients in
--   first_party_app_ids that still use it by design (Windows sign-in, Azure portal …). (2) Apps whose
--   users authenticate through AD FS (tokenIssuerType ADFederationServices). One finding each,
--   listing the apps with their sign-in counts. Not covered: ADAL usage, which is only in
--   authenticationProcessingDetails and not in the canonical schema.
-- why: >-
--   Azure AD Graph calls stop working as it is retired and were a favourite of AADInternals and
--   ROADtools; AD FS keeps an on-premises token signer whose theft (Golden SAML) forges any
--   user. Moving to Microsoft Graph, MSAL and Entra authentication removes both.
-- remediation: [review_configuration]
-- tables: [signins]
-- params:
--   first_party_app_ids:
--     - 38aa3b87-a06d-4817-b275-7a316988d93b   # Windows Sign In
--     - c44b4083-3bb0-49c1-b47d-974e53cbdf3c   # Azure Portal
--     - 29d9ed98-a469-4536-ade2-f981bc1d605e   # Microsoft Authentication Broker
--     - 9ba1a5c7-f17a-4de9-a1f1-6178c8d51223   # Microsoft Intune Company Portal
-- false_positives:
--   - Other Microsoft first-party clients that still call AAD Graph on the user's behalf; add their app ids to first_party_app_ids
-- references:
--   - https://learn.microsoft.com/graph/migrate-azure-ad-graph-overview
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/migrate-adfs-apps-stages
--   - https://learn.microsoft.com/entra/identity/monitoring-health/recommendation-migrate-to-microsoft-graph-api
-- baselines: ["Entra recommendation: Migrate applications/service principals from the retiring Azure AD Graph APIs", "Entra recommendation: Migrate applications from AD FS"]
-- catalog: [POS-LEGACY-STACK]
-- ---
WITH ok AS (
  SELECT *, COALESCE(app_display_name, service_principal_name, app_id, 'unknown app') AS app
  FROM signins WHERE result = 'success'
),
aad_graph AS (
  SELECT * FROM ok
  WHERE resource_id = '00000002-0000-0000-c000-000000000000'
    AND (category IN ('service_principal', 'managed_identity')
         OR COALESCE(app_id, '') NOT IN {{first_party_app_ids}})
),
aad_graph_apps AS (
  SELECT app, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         COUNT(DISTINCT COALESCE(user_principal_name, service_principal_name)) AS callers,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT category ORDER BY category), '/') AS categories
  FROM aad_graph GROUP BY app
),
aad_graph_agg AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n, COUNT(DISTINCT app) AS apps,
         ARRAY_AGG(DISTINCT COALESCE(user_principal_name, service_principal_name, app)
                   ORDER BY COALESCE(user_principal_name, service_principal_name, app)) AS identities,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM aad_graph
),
aad_graph_detail AS (
  SELECT ARRAY_AGG(app ORDER BY neg_n, app) AS principals,
         ARRAY_AGG(CONCAT(app, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, app LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(app, ': ', CAST(n AS VARCHAR), ' ', categories, ' sign-ins by ', CAST(callers AS VARCHAR), CASE WHEN callers = 1 THEN ' identity' ELSE ' identities' END)
                   ORDER BY neg_n, app) AS details
  FROM aad_graph_apps
),
adfs AS (
  SELECT * FROM ok WHERE token_issuer_type = 'ADFederationServices'
),
adfs_apps AS (
  SELECT app, COUNT(*) AS n, 0 - COUNT(*) AS neg_n, COUNT(DISTINCT user_principal_name) AS users,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT token_issuer_name ORDER BY token_issuer_name), ', ') AS issuers
  FROM adfs GROUP BY app
),
adfs_agg AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n, COUNT(DISTINCT app) AS apps,
         COUNT(DISTINCT user_principal_name) AS users,
         ARRAY_AGG(DISTINCT user_principal_name ORDER BY user_principal_name) AS identities,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM adfs
),
adfs_detail AS (
  SELECT ARRAY_AGG(app ORDER BY neg_n, app) AS principals,
         ARRAY_AGG(CONCAT(app, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, app LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(app, ': ', CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' sign-in by ' ELSE ' sign-ins by ' END, CAST(users AS VARCHAR), CASE WHEN users = 1 THEN ' user via ' ELSE ' users via ' END,
                          COALESCE(NULLIF(issuers, ''), 'AD FS')) ORDER BY neg_n, app) AS details
  FROM adfs_apps
)
SELECT g.first_seen, g.last_seen, d.principals, CAST(NULL AS VARCHAR) AS ips, g.n AS evidence_count,
       CONCAT(CAST(g.apps AS VARCHAR), CASE WHEN g.apps = 1 THEN ' app still calls' ELSE ' apps still call' END,
              ' the retiring Azure AD Graph API: ', CAST(g.n AS VARCHAR), ' successful token requests: ',
              ARRAY_TO_STRING(d.top, ', '), CASE WHEN g.apps > 5 THEN ', …' ELSE '' END) AS summary,
       g.record_ids, 'Azure AD Graph' AS check, d.details, g.identities
FROM aad_graph_agg g CROSS JOIN aad_graph_detail d
WHERE g.n > 0
UNION ALL
SELECT a.first_seen, a.last_seen, d.principals, CAST(NULL AS VARCHAR) AS ips, a.n AS evidence_count,
       CONCAT(CAST(a.apps AS VARCHAR), CASE WHEN a.apps = 1 THEN ' app still authenticates' ELSE ' apps still authenticate' END,
              ' users through AD FS: ', CAST(a.n AS VARCHAR), ' successful sign-ins by ', CAST(a.users AS VARCHAR),
              CASE WHEN a.users = 1 THEN ' user: ' ELSE ' users: ' END,
              ARRAY_TO_STRING(d.top, ', '), CASE WHEN a.apps > 5 THEN ', …' ELSE '' END) AS summary,
       a.record_ids, 'AD FS' AS check, d.details, a.identities
FROM adfs_agg a CROSS JOIN adfs_detail d
WHERE a.n > 0
