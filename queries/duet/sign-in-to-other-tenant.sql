-- ---
-- id: DUET-OTHER-TENANT
-- title: User signed in to another organisation's tenant
-- kind: duet
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Successful user sign-ins whose home tenant is the customer's and whose resource tenant is
--   another one (B2B guest access, direct connect, passthrough). The customer's tenants are
--   those whose users sign in to their own resources in the export (home = resource tenant),
--   which keeps inbound guests out. One question per user and resource tenant; medium for
--   privileged users, low otherwise.
-- why: >-
--   A user's identity used in a tenant the customer does not control can move data out, or
--   show an attacker using the stolen account where the customer's logging and Conditional
--   Access do not reach.
-- remediation: [ask_customer, review_configuration]
-- tables: [signins]
-- false_positives:
--   - Staff collaborating with partners, suppliers or a parent company as guests (restrict with outbound cross-tenant access settings)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-YourUsersSigningIntoOtherTenantsAsGuests.kql
-- catalog: [DUET-OTHER-TENANT]
-- ---
WITH own AS (
  -- the exporting tenant(s): users signing in to resources of their own home tenant
  SELECT DISTINCT home_tenant_id AS tenant
  FROM signins
  WHERE home_tenant_id IS NOT NULL AND home_tenant_id = resource_tenant_id
),
outbound AS (
  SELECT s.*
  FROM signins s
  JOIN own o ON s.home_tenant_id = o.tenant
  WHERE s.category IN ('interactive', 'non_interactive')
    AND s.result = 'success'
    AND s.user_principal_name IS NOT NULL
    AND s.resource_tenant_id IS NOT NULL
    AND s.resource_tenant_id <> s.home_tenant_id
),
per_tenant AS (
  SELECT user_principal_name,
         resource_tenant_id,
         MIN(home_tenant_id) AS home_tenant_id,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT app_display_name, ', ' ORDER BY app_display_name) AS app_list,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT cross_tenant_access_type) AS access_types,
         ARRAY_AGG(DISTINCT country) AS countries,
         MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged,
         ARRAY_AGG(id) AS record_ids
  FROM outbound
  GROUP BY user_principal_name, resource_tenant_id
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' signed in to another tenant (', resource_tenant_id, ') ',
              CAST(evidence_count AS VARCHAR), ' time(s)',
              CASE WHEN first_seen = last_seen THEN CONCAT(' on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC')
                   ELSE CONCAT(' between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC') END,
              ', using ', COALESCE(app_list, 'an unnamed app'), ', from ',
              CASE WHEN ip_count <= 3 THEN REPLACE(ips, ';', ', ') ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END,
              CASE WHEN privileged = 1 THEN '; the account is privileged' ELSE '' END) AS summary,
       CASE WHEN privileged = 1 THEN 'medium' ELSE 'low' END AS severity,
       record_ids,
       resource_tenant_id,
       home_tenant_id,
       app_list AS apps,
       resources,
       access_types,
       countries
FROM per_tenant
