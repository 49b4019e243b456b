-- ---
-- id: DUET-ADMIN-CONSENT
-- title: Admin granted tenant-wide consent to an application
-- kind: duet
-- severity: medium
-- techniques: [T1528]
-- tactics: [credential-access, persistence]
-- description: >-
--   A successful "Consent to application" whose ConsentContext.IsAdminConsent or
--   ConsentContext.OnBehalfOfAll is True: an administrator consented for the whole
--   organisation. One question per consent, with the client application, whether the grant
--   is app-only, and the scopes of the first grant in ConsentAction.Permissions. Grants made
--   directly through the API without the consent flow ("Add delegated permission grant",
--   "Add app role assignment to service principal") are not covered here; CONSENT-HIGHPRIV
--   flags the high-impact ones.
-- why: >-
--   Tenant-wide consent lets the application act for every user (delegated) or as itself
--   (app-only) until the grant is revoked, whatever happens to the admin's password. An admin
--   tricked by a consent-phishing app, or a compromised admin, hands over the tenant's data.
-- remediation: [ask_customer, revoke_consent_grant, disable_service_principal]
-- tables: [audits]
-- false_positives:
--   - Planned onboarding of a new SaaS application by an administrator
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-app-consent
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent
-- ---
WITH consents AS (
  SELECT * FROM audits
  WHERE LOWER(activity) = 'consent to application' AND result = 'success'
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM consents
),
mp AS (
  SELECT id, UNNEST(t.modified_properties) AS m FROM tg
),
props AS (
  SELECT id, m.name AS prop, m.new_value AS new_value FROM mp
),
ctx AS (
  SELECT id,
         MAX(CASE WHEN prop = 'ConsentContext.IsAdminConsent' AND LOWER(new_value) = 'true' THEN 1 ELSE 0 END) AS admin_consent,
         MAX(CASE WHEN prop = 'ConsentContext.OnBehalfOfAll' AND LOWER(new_value) = 'true' THEN 1 ELSE 0 END) AS on_behalf_of_all,
         MAX(CASE WHEN prop = 'ConsentContext.IsAppOnly' AND LOWER(new_value) = 'true' THEN 1 ELSE 0 END) AS app_only,
         MAX(CASE WHEN prop = 'ConsentAction.Permissions' THEN new_value END) AS permissions,
         MAX(CASE WHEN prop = 'TargetId.ServicePrincipalNames' THEN new_value END) AS service_principal_names
  FROM props
  GROUP BY id
),
granted AS (
  SELECT c.*, x.app_only, x.permissions, x.service_principal_names,
         -- "[] => [[Id: …, ConsentType: AllPrincipals, Scope: Mail.Read offline_access, CreatedDateTime: …]]"
         NULLIF(TRIM(SPLIT_PART(SPLIT_PART(SPLIT_PART(COALESCE(x.permissions, ''), '=>', 2), 'Scope:', 2), ',', 1)), '') AS scopes
  FROM consents c
  JOIN ctx x ON c.id = x.id
  WHERE x.admin_consent = 1 OR x.on_behalf_of_all = 1
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor_upn, actor_display_name, actor_app_name, 'an unknown actor'),
              ' granted tenant-wide', CASE WHEN app_only = 1 THEN ' app-only' ELSE '' END,
              ' consent to application "', COALESCE(target_name, target_id, 'unknown'), '"',
              CASE WHEN scopes IS NULL THEN '' ELSE CONCAT(' for ', scopes) END,
              ' on ', STRFTIME(time, '%Y-%m-%d %H:%M'), ' UTC from ', COALESCE(ip_address, 'an unknown IP')) AS summary,
       id AS record_ids,
       target_name AS app,
       target_id AS service_principal_id,
       service_principal_names,
       scopes,
       permissions,
       app_only = 1 AS app_only,
       user_agent
FROM granted
