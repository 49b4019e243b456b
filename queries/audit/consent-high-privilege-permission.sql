-- ---
-- id: CONSENT-HIGHPRIV
-- title: Tenant-wide or app-only grant of a high-impact permission
-- kind: detection
-- severity: high
-- techniques: [T1098.003, T1528]
-- tactics: [persistence, privilege-escalation, credential-access]
-- description: >-
--   A service principal receives a high-impact permission for the whole tenant: "Add app role
--   assignment to service principal" (application permission, AppRole.Value; the JSON-quoted
--   audit value "\"SMTP.SendAsApp\"" is decoded by the reader), "Add delegated permission grant"
--   with DelegatedPermissionGrant.ConsentType AllPrincipals (admin consent on behalf of all users;
--   only scopes absent from the old value count), or "Consent to application" with
--   ConsentContext.IsAdminConsent True (scopes from ConsentAction.Permissions). High-impact, by
--   family: directory control (Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All,
--   Directory.ReadWrite.All, Directory.AccessAsUser.All, RoleManagement.ReadWrite.Directory,
--   Domain.ReadWrite.All, Group.ReadWrite.All, Member.Read.Hidden, Organization.ReadWrite.All,
--   Policy.ReadWrite.*, EduRoster.ReadWrite.All); credentials of users (User.ReadWrite.All,
--   User.ManageCreds.All, UserAuthenticationMethod.ReadWrite.All); mail and Exchange
--   (full_access_as_app, Mail.Read / Mail.ReadWrite / Mail.Send with .Shared / .All,
--   MailboxSettings.ReadWrite, SMTP.SendAsApp, IMAP.AccessAsApp, POP.AccessAsApp,
--   Exchange.ManageAsApp, EWS.AccessAsUser.All, EAS.AccessAsUser.All); files and SharePoint
--   (Files.*, Sites.*, e.g. Files.Read.All, Files.ReadWrite.All, Sites.Read.All,
--   Sites.ReadWrite.All, Sites.FullControl.All). Any other application permission containing
--   "Write" counts too when the resource is a Microsoft API (Microsoft Graph, Exchange,
--   SharePoint, Azure AD Graph, other "Microsoft …" / "Office 365 …" / "Windows Azure …"
--   resources, or a Microsoft first-party app id in TargetId.ServicePrincipalNames) or unknown
--   (app-only "Consent to application" does not name the resource); a write role of the
--   organisation's own API (line-of-business daemon) does not. The records of one consent (same
--   grantee and correlation id) make one finding. Critical when the initiator's IP is a hosting
--   network or on an intel list, or its user agent is a tool or HTTP library.
-- why: >-
--   An app-only or tenant-wide grant lets the app read every mailbox, file or directory object,
--   or rewrite the directory, with its own credential and no user present: the core of illicit
--   consent and of Golden SAML / Solorigate style mail theft.
-- remediation: [revoke_consent_grant, disable_service_principal, remove_app_credential, confirm_compromised]
-- tables: [audits]
-- false_positives:
--   - Admin-approved line-of-business or security tools (backup, e-discovery, SIEM connectors)
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-app-consent
--   - https://learn.microsoft.com/graph/permissions-reference
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/ServicePrincipalAssignedAppRoleWithSensitiveAccess.yaml
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/ExchangeFullAccessGrantedToApp.yaml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_app_privileged_permissions.yml
-- catalog: [CONSENT-HIGHPRIV]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, correlation_id, actor_upn, ip_address, user_agent, target_id, target_name, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add app role assignment to service principal', 'Add delegated permission grant',
                     'Add OAuth2PermissionGrant', 'Consent to application')
),
tg AS (
  SELECT id, time, activity, correlation_id, actor_upn, ip_address, user_agent, target_id, target_name, actor,
         suspicious_source, UNNEST(targets) AS t
  FROM ops
),
props AS (
  -- a target without modified properties keeps one row (p null)
  SELECT id, time, activity, correlation_id, actor_upn, ip_address, user_agent, target_id, target_name, actor,
         suspicious_source, t.id AS tid, t.type AS ttype, t.display_name AS tname,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
per_op AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(correlation_id) AS correlation_id,
         MIN(actor_upn) AS actor_upn, MIN(actor) AS actor, MIN(ip_address) AS ip_address,
         MIN(user_agent) AS user_agent, MIN(target_id) AS target_id, MIN(target_name) AS target_name,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         MAX(CASE WHEN p.name = 'AppRole.Value' THEN p.new_value END) AS app_role,
         MAX(CASE WHEN p.name = 'DelegatedPermissionGrant.Scope' THEN p.new_value END) AS scope_new,
         MAX(CASE WHEN p.name = 'DelegatedPermissionGrant.Scope' THEN p.old_value END) AS scope_old,
         MAX(CASE WHEN p.name = 'DelegatedPermissionGrant.ConsentType' THEN p.new_value END) AS consent_type,
         MAX(CASE WHEN p.name = 'ConsentContext.IsAdminConsent' THEN p.new_value END) AS is_admin_consent,
         MAX(CASE WHEN p.name = 'ConsentContext.IsAppOnly' THEN p.new_value END) AS is_app_only,
         MAX(CASE WHEN p.name = 'ConsentAction.Permissions' THEN p.new_value END) AS consent_permissions,
         MAX(CASE WHEN p.name = 'ServicePrincipal.ObjectID' THEN p.new_value END) AS grantee_prop_id,
         MAX(CASE WHEN p.name = 'ServicePrincipal.DisplayName' AND COALESCE(p.new_value, '') <> '' THEN p.new_value END) AS grantee_prop_name,
         MAX(CASE WHEN p.name = 'TargetId.ServicePrincipalNames' AND tid = target_id THEN p.new_value END) AS target_spns,
         -- delegated grants: T[0] is the resource API, the client is the other service principal
         MAX(CASE WHEN LOWER(ttype) = 'serviceprincipal' AND tid <> target_id THEN tid END) AS other_sp_id,
         MAX(CASE WHEN LOWER(ttype) = 'serviceprincipal' AND tid <> target_id THEN tname END) AS other_sp_name
  FROM props
  GROUP BY id
),
grants AS (
  SELECT *,
         CASE WHEN activity = 'Add app role assignment to service principal' THEN 'application permission (app-only)'
              WHEN activity = 'Consent to application' AND LOWER(COALESCE(is_app_only, '')) = 'true' THEN 'admin consent (app-only)'
              WHEN activity = 'Consent to application' THEN 'admin consent for all users'
              ELSE 'delegated permission for all users' END AS grant_kind,
         activity = 'Add app role assignment to service principal' OR LOWER(COALESCE(is_app_only, '')) = 'true' AS app_only,
         -- the resource API is Microsoft's (or not named: app-only "Consent to application");
         -- T[0] is the resource for app role assignments and delegated grants
         activity = 'Consent to application'
           OR target_name ILIKE 'Microsoft %' OR target_name ILIKE 'Office 365 %'
           OR target_name ILIKE 'Windows Azure %' OR target_name ILIKE 'Azure %'
           OR LOWER(COALESCE(target_spns, '')) ~ '(-0000-c000-000000000000|-0ff1-ce00-000000000000|graph\.microsoft\.com|graph\.windows\.net|outlook\.office|\.sharepoint\.com|management\.azure\.com|vault\.azure\.net)' AS microsoft_api,
         CASE WHEN activity = 'Consent to application' THEN target_id
              ELSE COALESCE(grantee_prop_id, other_sp_id) END AS grantee_id,
         CASE WHEN activity = 'Consent to application' THEN target_name
              ELSE COALESCE(grantee_prop_name, other_sp_name, grantee_prop_id, other_sp_id) END AS grantee,
         CASE WHEN activity = 'Consent to application' THEN NULL ELSE target_name END AS resource,
         -- the permission words to test, space separated
         CASE WHEN activity = 'Add app role assignment to service principal' THEN app_role
              WHEN activity = 'Consent to application'
                THEN REPLACE(REPLACE(REPLACE(COALESCE(NULLIF(SPLIT_PART(consent_permissions, '=>', 2), ''), consent_permissions), ',', ' '), ']', ' '), '[', ' ')
              ELSE scope_new END AS permission_text
  FROM per_op
  WHERE activity = 'Add app role assignment to service principal'
     OR (activity IN ('Add delegated permission grant', 'Add OAuth2PermissionGrant') AND consent_type = 'AllPrincipals')
     OR (activity = 'Consent to application' AND LOWER(COALESCE(is_admin_consent, '')) = 'true')
),
tokens AS (
  SELECT *, TRIM(UNNEST(STRING_TO_ARRAY(COALESCE(permission_text, ''), ' '))) AS permission
  FROM grants
),
high_impact AS (
  SELECT *
  FROM tokens
  WHERE permission <> ''
    -- delegated grants: only scopes that were not granted before
    -- (literal containment: STRPOS and POSITION take a regex in polars, STRING_TO_ARRAY splits literally)
    AND ARRAY_LENGTH(STRING_TO_ARRAY(CONCAT(' ', COALESCE(scope_old, ''), ' '), CONCAT(' ', permission, ' '))) = 1
    -- high-impact permissions, one family a line (lower-case, anchored)
    AND (   -- directory control
            LOWER(permission) ~ '^(application\.readwrite\.all|approleassignment\.readwrite\.all|directory\.readwrite\.all|directory\.accessasuser\.all|rolemanagement\.readwrite\.directory|domain\.readwrite\.all|group\.readwrite\.all|member\.read\.hidden|organization\.readwrite\.all|policy\.readwrite\.[a-z.]+|eduroster\.readwrite\.all)$'
            -- credentials and methods of users
         OR LOWER(permission) ~ '^(user\.readwrite\.all|user\.managecreds\.all|userauthenticationmethod\.readwrite\.all)$'
            -- mail and Exchange: Graph mail scopes, EWS full access, SMTP / IMAP / POP app-only,
            -- Exchange app-only management, delegated EWS / EAS impersonation
         OR LOWER(permission) ~ '^(mail\.(read|readwrite|send)(\.shared|\.all)?|mailboxsettings\.readwrite|full_access_as_app|smtp\.sendasapp|imap\.accessasapp|pop\.accessasapp|exchange\.manageasapp|ews\.accessasuser\.all|eas\.accessasuser\.all)$'
            -- files and SharePoint (Files.Read.All, Files.ReadWrite.All, Sites.Read.All,
            -- Sites.ReadWrite.All, Sites.FullControl.All, …)
         OR LOWER(permission) ~ '^(files\.[a-z.]+|sites\.[a-z.]+)$'
            -- any other app-only write permission on a Microsoft API
         OR (app_only AND microsoft_api AND LOWER(permission) LIKE '%write%' AND permission NOT LIKE '%:%'))
),
per_consent AS (
  -- the Consent to application record and its grant records share grantee and correlation id
  SELECT COALESCE(grantee_id, grantee) AS grantee_key, COALESCE(correlation_id, id) AS operation,
         MIN(time) AS first_seen, MAX(time) AS last_seen,
         COUNT(DISTINCT id) AS evidence_count,
         MIN(grantee) AS grantee, MIN(grantee_id) AS grantee_id,
         STRING_AGG(DISTINCT actor_upn, ';' ORDER BY actor_upn) AS actor_upns,
         STRING_AGG(DISTINCT actor, ';' ORDER BY actor) AS actors,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT permission, ' ' ORDER BY permission) AS permissions,
         STRING_AGG(DISTINCT grant_kind, '; ' ORDER BY grant_kind) AS grant_kinds,
         STRING_AGG(DISTINCT resource, ';' ORDER BY resource) AS resources,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         STRING_AGG(DISTINCT id, ';' ORDER BY id) AS record_ids,
         MIN(user_agent) AS user_agent
  FROM high_impact
  GROUP BY COALESCE(grantee_id, grantee), COALESCE(correlation_id, id)
)
SELECT first_seen, last_seen,
       CONCAT_WS(';', actor_upns, grantee) AS principals,
       ips, evidence_count,
       CONCAT(COALESCE(actors, 'unknown actor'), ' granted ', permissions,
              CASE WHEN resources IS NOT NULL THEN CONCAT(' (', resources, ')') ELSE '' END,
              ' to service principal ', COALESCE(grantee, 'unknown'), ': ', grant_kinds) AS summary,
       CASE WHEN suspicious_source THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       grantee, grantee_id, permissions, grant_kinds, resources, actors, user_agent
FROM per_consent
