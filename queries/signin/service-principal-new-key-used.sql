-- ---
-- id: SP-NEW-KEY-USED
-- title: Credential added to a service principal, then used
-- kind: detection
-- severity: high
-- techniques: [T1098.001, T1550.001]
-- tactics: [persistence, defense-evasion]
-- description: >-
--   A credential is added to an application or service principal ("Update application –
--   Certificates and secrets management" whose key list grew, or "Add service principal
--   credentials"; routine rolls by the Managed Service Identity app are ignored), and within
--   max_days the service principal signs in successfully either with a credential key id
--   that appears only in the new key list of that audit, or from an IP it had never used
--   before the credential was added. Audits and sign-ins are matched on the service
--   principal's object id or display name. One finding per credential addition; the
--   service principal and the account that added the credential are the principals. High,
--   unless every such sign-in came from the principal's usual sources (its networks or ASNs
--   in the policy or the learned baseline): then it is low, the shape of a scheduled
--   rotation deployed to the principal's own hosts.
-- why: >-
--   An attacker who adds a secret to an existing app inherits every permission of the app,
--   and the secret survives password resets and MFA changes. The first sign-in with that
--   key proves it is being used and shows from where.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets, reset_password, revoke_sessions]
-- tables: [audits, signins]
-- params:
--   max_days: 7
-- false_positives:
--   - A planned secret rotation whose new secret is deployed to a new host
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/NRT_NewAppOrServicePrincipalCredential.yaml
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-compromised-malicious-app
-- catalog: [SP-NEW-KEY-USED]
-- ---
WITH cred_adds AS (
  SELECT id AS audit_id, time AS added_at, activity, target_id, target_name, target_type,
         COALESCE(actor_upn, actor_app_name) AS actor, ip_address AS actor_ip,
         -- "name/KeyDescription: [old keys] -> [new keys]"
         SPLIT_PART(SPLIT_PART(changes, 'KeyDescription: ', 2), ' -> ', 1) AS old_keys,
         SPLIT_PART(SPLIT_PART(changes, 'KeyDescription: ', 2), ' -> ', 2) AS new_keys
  FROM audits
  WHERE result = 'success'
    AND (activity LIKE 'Update application%Certificates and secrets management%'
         OR activity = 'Add service principal credentials')
    AND COALESCE(actor_app_name, '') <> 'Managed Service Identity'
),
-- keep additions only (an update that removed a key shortens the list)
additions AS (
  SELECT * FROM cred_adds
  WHERE activity = 'Add service principal credentials' OR LENGTH(new_keys) > LENGTH(old_keys)
),
sp_signins AS (
  SELECT *, COALESCE(service_principal_id, app_id) AS sp_key FROM signins
  WHERE category = 'service_principal' AND result = 'success'
),
-- the audit target is the service principal (object id) or the application (same name)
matched AS (
  SELECT a.*, s.id AS signin_id, s.time AS signin_time, s.ip_address AS signin_ip, s.asn AS signin_asn,
         s.country AS signin_country, s.sp_key, s.service_principal_name, s.app_id,
         s.credential_key_id, s.ip_hosting_provider, s.resource_display_name, s.source_is_usual_for_sp
  FROM additions a
  JOIN sp_signins s ON s.service_principal_id = a.target_id
  UNION ALL
  SELECT a.*, s.id AS signin_id, s.time AS signin_time, s.ip_address AS signin_ip, s.asn AS signin_asn,
         s.country AS signin_country, s.sp_key, s.service_principal_name, s.app_id,
         s.credential_key_id, s.ip_hosting_provider, s.resource_display_name, s.source_is_usual_for_sp
  FROM additions a
  JOIN sp_signins s ON LOWER(s.service_principal_name) = LOWER(a.target_name)
  WHERE COALESCE(s.service_principal_id, '') <> COALESCE(a.target_id, '')
),
-- when the service principal first used each IP
ip_first AS (
  SELECT sp_key, ip_address, MIN(time) AS ip_first_used
  FROM sp_signins
  GROUP BY sp_key, ip_address
),
uses AS (
  SELECT m.*,
         CASE WHEN m.credential_key_id IS NOT NULL
                   AND STRPOS(LOWER(m.new_keys), LOWER(m.credential_key_id)) > 0
                   AND STRPOS(LOWER(m.old_keys), LOWER(m.credential_key_id)) = 0 THEN 1 ELSE 0 END AS new_key,
         CASE WHEN f.ip_first_used >= m.added_at THEN 1 ELSE 0 END AS new_ip
  FROM matched m
  JOIN ip_first f ON m.sp_key = f.sp_key AND m.signin_ip = f.ip_address
  WHERE m.signin_time > m.added_at
    AND CAST(m.signin_time AS BIGINT) - CAST(m.added_at AS BIGINT) <= {{max_days}} * 86400000000
),
hits AS (
  SELECT * FROM uses WHERE new_key = 1 OR new_ip = 1
),
per_addition AS (
  SELECT audit_id,
         MIN(added_at) AS added_at,
         MIN(activity) AS activity,
         MIN(actor) AS actor,
         MIN(actor_ip) AS actor_ip,
         MIN(COALESCE(service_principal_name, target_name)) AS sp_name,
         MIN(app_id) AS app_id,
         MIN(signin_time) AS first_use,
         MAX(signin_time) AS last_seen,
         COUNT(DISTINCT signin_id) AS uses,
         SUM(new_key) AS with_new_key,
         SUM(new_ip) AS from_new_ip,
         SUM(CASE WHEN source_is_usual_for_sp THEN 1 ELSE 0 END) AS from_usual_source,
         STRING_AGG(DISTINCT signin_ip, ';' ORDER BY signin_ip) AS signin_ips,
         ARRAY_AGG(DISTINCT signin_asn) AS signin_asns,
         ARRAY_AGG(DISTINCT signin_country) AS signin_countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT credential_key_id) AS credential_key_ids,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         STRING_AGG(DISTINCT signin_id, ';' ORDER BY signin_id) AS signin_ids
  FROM hits
  GROUP BY audit_id
)
SELECT added_at AS first_seen, last_seen,
       CONCAT(sp_name, ';', COALESCE(actor, '')) AS principals,
       CONCAT(COALESCE(actor_ip, ''), ';', signin_ips) AS ips,
       uses + 1 AS evidence_count,
       CONCAT(COALESCE(actor, 'an unknown actor'), ' added a credential to ', sp_name, ' and within ',
              CAST(DIV(CAST(first_use AS BIGINT) - CAST(added_at AS BIGINT), 60000000) AS VARCHAR), ' min it signed in ',
              CAST(uses AS VARCHAR), ' time(s): ', CAST(with_new_key AS VARCHAR), ' with the new key, ',
              CAST(from_new_ip AS VARCHAR), ' from IPs it had not used before (', signin_ips, ')') AS summary,
       CASE WHEN from_usual_source = uses THEN 'low' ELSE 'high' END AS severity,
       CONCAT(audit_id, ';', signin_ids) AS record_ids,
       from_usual_source, activity, actor, app_id, signin_asns, signin_countries, hosting_providers, credential_key_ids, resources
FROM per_addition
