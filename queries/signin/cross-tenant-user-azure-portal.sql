-- ---
-- id: PARTNER-AZURE-PORTAL
-- title: External or partner user signed in to the Azure portal or Azure management
-- kind: detection
-- severity: medium
-- techniques: [T1078.004, T1199]
-- tactics: [initial-access, privilege-escalation]
-- description: >-
--   Successful interactive or non-interactive sign-ins to the Azure portal (app
--   c44b4083-3bb0-49c1-b47d-974e53cbdf3c) or Azure Resource Manager (resource
--   797f4846-ba00-4fd7-ba43-dac1f8f63013, "Windows Azure Service Management API") by an inbound
--   cross-tenant user: cross-tenant access type b2bCollaboration, b2bDirectConnect or
--   serviceProvider (GDAP / CSP partner), a guest, or a user whose home tenant differs from the
--   resource tenant. Users whose home tenant is one of the export's own tenants (where members
--   sign in to their own resources) are left out: their sign-ins to a partner's portal are
--   outbound (DUET-OTHER-TENANT). Guests' first use of Azure CLI / PowerShell is also
--   ADMIN-SHELL-NONADMIN's; this rule reports every inbound Azure portal and ARM session. One
--   finding per user and day. Medium; high when the guest was
--   invited, created or redeemed in the window (matched by object id, UPN, invited e-mail or the
--   e-mail inside the #EXT# UPN) and signed in within new_guest_hours of it, or when a sign-in
--   came from a hosting or intel-listed IP.
-- why: >-
--   The Azure portal and ARM are where subscriptions, key vaults and virtual machines are run.
--   An external identity there — a freshly invited guest, a partner technician through
--   delegated admin, a B2B account from a compromised supplier — reaches the tenant's cloud
--   estate with credentials and MFA the tenant does not control.
-- remediation: [ask_customer, revoke_sessions, delete_account, review_configuration]
-- tables: [signins, audits]
-- params:
--   new_guest_hours: 24
-- false_positives:
--   - Partners and managed-service providers who administer the tenant's Azure subscriptions through GDAP or B2B guest accounts
--   - External developers given access to a subscription on purpose
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://learn.microsoft.com/entra/external-id/cross-tenant-access-overview
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/AzurePortalSigninfromanotherAzureTenant.yaml
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/UnusualGuestActivity.yaml
--   - https://www.microsoft.com/security/blog/2023/10/25/octo-tempest-crosses-boundaries-to-facilitate-extortion-encryption-and-destruction/
-- catalog: [PARTNER-AZURE-PORTAL]
-- ---
WITH own AS (
  -- the exporting tenant(s): users signing in to resources of their own home tenant
  SELECT DISTINCT home_tenant_id AS tenant
  FROM signins
  WHERE home_tenant_id IS NOT NULL AND home_tenant_id = resource_tenant_id
),
azure AS (
  SELECT *
  FROM signins
  WHERE result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND (app_id = 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c'
         OR resource_id = '797f4846-ba00-4fd7-ba43-dac1f8f63013'
         OR app_display_name = 'Azure Portal'
         OR resource_display_name IN ('Windows Azure Service Management API', 'Azure Resource Manager', 'Microsoft Azure Management'))
),
inbound AS (
  SELECT a.*
  FROM azure a
  LEFT JOIN own o ON o.tenant = a.home_tenant_id
  WHERE o.tenant IS NULL
    AND (a.cross_tenant_access_type IN ('b2bCollaboration', 'b2bDirectConnect', 'serviceProvider')
         OR LOWER(COALESCE(a.user_type, '')) = 'guest'
         OR (a.home_tenant_id IS NOT NULL AND a.resource_tenant_id IS NOT NULL AND a.home_tenant_id <> a.resource_tenant_id))
),
guest_adds0 AS (
  SELECT id, time, activity, COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor, target_id,
         target_upn, additional_details,
         SPLIT_PART(COALESCE(target_upn, ''), '#ext#', 1) AS ext_prefix
  FROM audits
  WHERE result = 'success'
    AND (LOWER(activity) IN ('invite external user', 'invite external user with reset invitation status',
                             'invite internal user to b2b collaboration', 'redeem external user invite', 'viral user creation')
         OR (activity = 'Add user' AND COALESCE(target_upn, '') LIKE '%#ext#%'))
),
guest_details AS (
  SELECT id, UNNEST(additional_details) AS d FROM guest_adds0
),
guest_emails AS (
  SELECT id, MAX(CASE WHEN LOWER(d.key) = 'inviteduseremailaddress' THEN LOWER(d.value) END) AS invited_email
  FROM guest_details
  GROUP BY id
),
guest_adds AS (
  SELECT g.id, g.time, g.activity, g.actor, g.target_id, g.target_upn, e.invited_email,
         -- bob_partner.example#ext#@contoso.onmicrosoft.com -> bob@partner.example
         CASE WHEN g.target_upn LIKE '%#ext#%' AND STRPOS(g.ext_prefix, '_') > 0
              THEN CONCAT(SUBSTR(g.ext_prefix, 1, LENGTH(g.ext_prefix) - LENGTH(REVERSE(SPLIT_PART(REVERSE(g.ext_prefix), '_', 1))) - 1),
                          '@', REVERSE(SPLIT_PART(REVERSE(g.ext_prefix), '_', 1)))
         END AS ext_email
  FROM guest_adds0 g
  LEFT JOIN guest_emails e ON e.id = g.id
),
guest_keys AS (
  SELECT id, target_id AS key FROM guest_adds WHERE target_id IS NOT NULL
  UNION ALL
  SELECT id, target_upn AS key FROM guest_adds WHERE target_upn IS NOT NULL
  UNION ALL
  SELECT id, invited_email AS key FROM guest_adds WHERE invited_email IS NOT NULL
  UNION ALL
  SELECT id, ext_email AS key FROM guest_adds WHERE ext_email IS NOT NULL
),
signin_keys AS (
  SELECT id AS signin_id, user_id AS key FROM inbound WHERE user_id IS NOT NULL
  UNION ALL
  SELECT id AS signin_id, user_principal_name AS key FROM inbound
),
-- inbound sign-ins that follow the guest's invitation or creation within new_guest_hours
new_guest AS (
  SELECT DISTINCT s.id AS signin_id, g.id AS audit_id, g.activity, g.actor
  FROM signin_keys sk
  JOIN guest_keys gk ON gk.key = sk.key
  JOIN inbound s ON s.id = sk.signin_id
  JOIN guest_adds g ON g.id = gk.id
  WHERE s.time >= g.time
    AND CAST(s.time AS BIGINT) - CAST(g.time AS BIGINT) <= {{new_guest_hours}} * 3600000000
),
new_guest_per_signin AS (
  SELECT signin_id,
         STRING_AGG(DISTINCT audit_id, ';' ORDER BY audit_id) AS audit_ids,
         STRING_AGG(DISTINCT CONCAT(activity, ' by ', COALESCE(actor, 'an unknown actor')), '; '
                    ORDER BY CONCAT(activity, ' by ', COALESCE(actor, 'an unknown actor'))) AS guest_changes
  FROM new_guest
  GROUP BY signin_id
),
per_user AS (
  SELECT s.user_principal_name,
         STRFTIME(s.time, '%Y-%m-%d') AS day,
         MIN(s.time) AS first_seen,
         MAX(s.time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT s.ip_address, ';' ORDER BY s.ip_address) AS ips,
         STRING_AGG(DISTINCT COALESCE(s.cross_tenant_access_type, 'none'), ';' ORDER BY COALESCE(s.cross_tenant_access_type, 'none')) AS access_types,
         STRING_AGG(DISTINCT s.user_type, ';' ORDER BY s.user_type) AS user_types,
         STRING_AGG(DISTINCT s.home_tenant_id, ';' ORDER BY s.home_tenant_id) AS home_tenants,
         STRING_AGG(DISTINCT s.resource_tenant_id, ';' ORDER BY s.resource_tenant_id) AS resource_tenants,
         STRING_AGG(DISTINCT COALESCE(s.app_display_name, s.app_id), '; ' ORDER BY COALESCE(s.app_display_name, s.app_id)) AS apps,
         STRING_AGG(DISTINCT s.country, ';' ORDER BY s.country) AS countries,
         STRING_AGG(DISTINCT s.ip_hosting_provider, ';' ORDER BY s.ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT s.authentication_requirement, ';' ORDER BY s.authentication_requirement) AS authentication_requirements,
         STRING_AGG(DISTINCT n.audit_ids, ';' ORDER BY n.audit_ids) AS guest_audit_ids,
         STRING_AGG(DISTINCT n.guest_changes, '; ' ORDER BY n.guest_changes) AS guest_changes,
         MAX(CASE WHEN n.signin_id IS NOT NULL THEN 1 ELSE 0 END) AS new_guest,
         MAX(CASE WHEN COALESCE(s.ip_is_hosting, FALSE) OR s.ip_intel IS NOT NULL THEN 1 ELSE 0 END) AS risky_ip,
         ARRAY_AGG(s.id) AS record_ids
  FROM inbound s
  LEFT JOIN new_guest_per_signin n ON n.signin_id = s.id
  GROUP BY s.user_principal_name, STRFTIME(s.time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT('external user ', user_principal_name, ' (', access_types, ', home tenant ', COALESCE(home_tenants, 'unknown'),
              ') signed in ', CAST(evidence_count AS VARCHAR), ' time(s) to ', apps, ' on ', day, ' from ',
              REPLACE(COALESCE(ips, 'an unknown IP'), ';', ', '),
              CASE WHEN hosting_providers IS NULL THEN '' ELSE CONCAT(' (', hosting_providers, ')') END,
              CASE WHEN new_guest = 1
                   THEN CONCAT(', within ', CAST({{new_guest_hours}} AS VARCHAR), ' h of ', guest_changes)
                   ELSE '' END) AS summary,
       CASE WHEN new_guest = 1 OR risky_ip = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       access_types,
       user_types,
       home_tenants,
       resource_tenants,
       apps,
       countries,
       authentication_requirements,
       hosting_providers,
       guest_changes,
       guest_audit_ids
FROM per_user
