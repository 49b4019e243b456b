-- ---
-- id: APP-CRED-AFTER-CONSENT
-- title: Credential added to an app after another user granted it admin consent
-- kind: detection
-- severity: medium
-- techniques: [T1098.001]
-- tactics: [persistence, credential-access]
-- description: >-
--   "Consent to application" with ConsentContext.IsAdminConsent = True (success) on a service
--   principal by one user, then within window_hours a credential added to the same app by a
--   different initiator: "Add service principal credentials" on the same service principal
--   (object id), or "Update application – Certificates and secrets management" on the app whose
--   AppId (additional detail) appears in the consent's TargetId.ServicePrincipalNames or whose
--   name equals the service principal's. High when the credential's initiator IP is a hosting
--   network or on an intel list, or its user agent is a tool or HTTP library.
-- why: >-
--   Admin consent turns an app into a holder of tenant-wide permissions; a secret added
--   afterwards by someone else lets that person act as the app with those permissions (the
--   Solorigate / NOBELIUM pattern).
-- remediation: [remove_app_credential, revoke_consent_grant, disable_service_principal, rotate_secrets]
-- tables: [audits]
-- params:
--   window_hours: 48
-- false_positives:
--   - A developer adding the first secret after an admin approved the app's permissions
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-app-consent
-- catalog: [APP-CRED-AFTER-CONSENT]
-- ---
WITH consent_ops AS (
  SELECT id, time, ip_address, actor_upn, target_id, target_name, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS consenter
  FROM audits
  WHERE result = 'success' AND activity = 'Consent to application'
),
consent_targets AS (
  SELECT id, time, ip_address, actor_upn, target_id, target_name, consenter, UNNEST(targets) AS t
  FROM consent_ops
),
consent_props AS (
  SELECT id, time, ip_address, actor_upn, target_id, target_name, consenter,
         UNNEST(t.modified_properties) AS p
  FROM consent_targets
),
consents AS (
  SELECT id AS consent_id, MIN(time) AS consented_at, MIN(consenter) AS consenter,
         MIN(ip_address) AS consent_ip, MIN(target_id) AS sp_id, MIN(target_name) AS sp_name,
         MAX(CASE WHEN p.name = 'ConsentContext.IsAdminConsent' THEN p.new_value END) AS is_admin_consent,
         MAX(CASE WHEN p.name = 'ConsentAction.Permissions' THEN p.new_value END) AS permissions,
         MAX(CASE WHEN p.name = 'TargetId.ServicePrincipalNames' THEN p.new_value END) AS sp_names
  FROM consent_props
  GROUP BY id
),
admin_consents AS (
  SELECT * FROM consents WHERE LOWER(COALESCE(is_admin_consent, '')) = 'true'
),
cred_ops AS (
  SELECT id, time, ip_address, actor_upn, target_id, target_name, additional_details, activity, user_agent,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS cred_actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source,
         changes AS cred_changes
  FROM audits
  WHERE result = 'success'
    AND (activity = 'Add service principal credentials'
         OR activity LIKE 'Update application%Certificates and secrets management%')
),
cred_details AS (
  SELECT id, UNNEST(additional_details) AS d FROM cred_ops
),
cred_app_ids AS (
  SELECT id, MAX(CASE WHEN LOWER(d.key) = 'appid' THEN d.value END) AS app_id
  FROM cred_details
  GROUP BY id
),
creds AS (
  SELECT c.*, a.app_id
  FROM cred_ops c
  LEFT JOIN cred_app_ids a ON c.id = a.id
),
-- consents x credential adds: same service principal, same app id or same name; later; other actor
matched AS (
  SELECT k.*, c.id AS cred_id, c.time AS cred_at, c.cred_actor, c.actor_upn AS cred_actor_upn,
         c.ip_address AS cred_ip, c.activity AS cred_activity, c.target_name AS cred_target,
         c.app_id, c.user_agent AS cred_user_agent, c.suspicious_source, c.cred_changes,
         DIV(CAST(c.time AS BIGINT) - CAST(k.consented_at AS BIGINT), 60000000) AS gap_min
  FROM admin_consents k
  CROSS JOIN creds c
  WHERE (c.target_id = k.sp_id
         -- literal containment (STRPOS takes a regex in polars; STRING_TO_ARRAY splits literally)
         OR (COALESCE(c.app_id, '') <> '' AND ARRAY_LENGTH(STRING_TO_ARRAY(COALESCE(k.sp_names, ''), c.app_id)) > 1)
         OR LOWER(COALESCE(c.target_name, '')) = LOWER(COALESCE(k.sp_name, '-')))
    AND c.time >= k.consented_at
    AND CAST(c.time AS BIGINT) - CAST(k.consented_at AS BIGINT) <= {{window_hours}} * 3600000000
    AND COALESCE(c.cred_actor, '') <> COALESCE(k.consenter, '')
)
SELECT consented_at AS first_seen,
       cred_at AS last_seen,
       CONCAT_WS(';', cred_actor_upn, sp_name) AS principals,
       CONCAT_WS(';', cred_ip, consent_ip) AS ips,
       2 AS evidence_count,
       CONCAT(COALESCE(cred_actor, 'unknown actor'), ' added a credential to ', COALESCE(cred_target, sp_name),
              ' ', CASE WHEN gap_min >= 60
                        THEN CONCAT(CAST(DIV(gap_min, 60) AS VARCHAR), ' h ', CAST(MOD(gap_min, 60) AS VARCHAR), ' min')
                        ELSE CONCAT(CAST(gap_min AS VARCHAR), ' min') END,
              ' after ', COALESCE(consenter, 'another user'), ' granted it admin consent') AS summary,
       CASE WHEN suspicious_source THEN 'high' ELSE 'medium' END AS severity,
       CONCAT_WS(';', consent_id, cred_id) AS record_ids,
       sp_name, sp_id, app_id, consenter, consent_id, permissions, cred_actor, cred_activity, cred_changes, cred_user_agent
FROM matched
