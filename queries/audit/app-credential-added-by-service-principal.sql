-- ---
-- id: APP-CRED-BY-SP
-- title: Credential added to an application or service principal by a service principal
-- kind: detection
-- severity: medium
-- techniques: [T1098.001]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A service principal (actor_type app: initiatedBy.app with only a servicePrincipalId, no user;
--   keyed on actor_sp_id, then the app's name, never on the app id, which app-initiated audits
--   leave null) adds a credential: "Update application – Certificates and secrets management"
--   (activity text trimmed, en dash) whose KeyDescription gained a KeyIdentifier with
--   KeyUsage=Verify that the old list did not have (the same activity also logs removals), or
--   "Add service principal credentials" (a new Verify key when KeyDescription lists identifiers;
--   any record otherwise). User actors are APP-CRED-ADD's. Ignored: the Managed Service Identity
--   platform rolling a managed identity's certificate (target names identity.azure.net). Medium.
--   Low for the learned routine rotation: the target is a credential-automation app
--   (target_is_automation: an application renewed its credentials on >= 3 days, from the baseline
--   or the policy's automation_apps) and this same actor added credentials to it on >= 3 distinct
--   days in the logs; the routine events of one actor and target make one finding. High when the
--   actor's IP is a hosting network or on an intel list, or the user agent is a tool or HTTP
--   library. One finding per actor, target and day otherwise.
-- why: >-
--   An application holding Application.ReadWrite.All (or owning other apps) can mint itself or
--   any other app a new secret: the way a compromised or malicious app persists and moves to
--   apps with more permissions, with no user sign-in to see (Microsoft's compromised-app
--   playbook). A one-off credential written by an app, outside its usual rotation, is that step.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets, review_configuration]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-compromised-malicious-app
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/NRT_NewAppOrServicePrincipalCredential.yaml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_service_principal_credentials_added.toml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_app_credential_added.yml
-- false_positives:
--   - A secret-rotation service or pipeline identity seen for fewer than three days in the logs
--   - Azure services that provision their own app credentials (name them in the policy's automation_apps)
-- catalog: [APP-CRED-ADD]
-- ---
WITH ops AS (
  SELECT id, time, activity, target_id, target_name, target_type, targets, ip_address, user_agent,
         ip_hosting_provider, ip_intel, target_is_automation,
         COALESCE(actor_sp_id, actor_app_name, actor_display_name) AS actor_key,
         COALESCE(actor_app_name, actor_display_name, actor_sp_id) AS actor,
         actor_sp_id,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source,
         STRFTIME(time, '%Y-%m-%d') AS day
  FROM audits
  WHERE result = 'success'
    AND actor_type = 'app' AND actor_upn IS NULL
    AND (activity LIKE 'Update application%Certificates and secrets management%'
         OR activity = 'Add service principal credentials')
    -- the platform rolling a managed identity's certificate
    AND NOT (COALESCE(actor_app_name, actor_display_name, '') = 'Managed Service Identity'
             AND COALESCE(changes, '') LIKE '%identity.azure.net%')
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM ops
),
props AS (
  SELECT id, UNNEST(t.modified_properties) AS p FROM tg
),
key_lists AS (
  SELECT id, COALESCE(p.old_value, '') AS old_keys, COALESCE(p.new_value, '') AS new_keys
  FROM props
  WHERE p.name = 'KeyDescription'
),
new_keys AS (
  -- one piece per key: "<id>,KeyType=…,KeyUsage=…,DisplayName=…]"
  SELECT id, old_keys, UNNEST(STRING_TO_ARRAY(new_keys, 'KeyIdentifier=')) AS piece
  FROM key_lists
),
added_keys AS (
  SELECT id,
         COUNT(*) AS added_count,
         STRING_AGG(DISTINCT CONCAT(SPLIT_PART(SPLIT_PART(piece, 'KeyType=', 2), ',', 1), ' ',
                                    SPLIT_PART(SPLIT_PART(piece, 'DisplayName=', 2), ']', 1)), '; '
                    ORDER BY CONCAT(SPLIT_PART(SPLIT_PART(piece, 'KeyType=', 2), ',', 1), ' ',
                                    SPLIT_PART(SPLIT_PART(piece, 'DisplayName=', 2), ']', 1))) AS added_credentials
  FROM new_keys
  WHERE piece LIKE '%KeyUsage=Verify%'
    AND SPLIT_PART(piece, ',', 1) <> ''
    -- literal containment of the key id in the old list
    AND ARRAY_LENGTH(STRING_TO_ARRAY(old_keys, CONCAT('KeyIdentifier=', SPLIT_PART(piece, ',', 1)))) = 1
  GROUP BY id
),
parsed AS (
  -- does KeyDescription list key identifiers at all (else an add cannot be checked)
  SELECT id, MAX(CASE WHEN new_keys LIKE '%KeyIdentifier=%' OR old_keys LIKE '%KeyIdentifier=%' THEN 1 ELSE 0 END) AS has_key_ids
  FROM key_lists
  GROUP BY id
),
adds AS (
  SELECT o.*, k.added_count, k.added_credentials
  FROM ops o
  LEFT JOIN added_keys k ON k.id = o.id
  LEFT JOIN parsed pk ON pk.id = o.id
  WHERE k.id IS NOT NULL
     OR (o.activity = 'Add service principal credentials' AND COALESCE(pk.has_key_ids, 0) = 0)
),
rotation AS (
  -- the same actor adding credentials to the same target on several days
  SELECT actor_key, target_id, COUNT(DISTINCT day) AS actor_days
  FROM adds
  GROUP BY actor_key, target_id
),
tiered AS (
  SELECT a.*, r.actor_days,
         COALESCE(a.target_is_automation, FALSE) AND r.actor_days >= 3 AS routine
  FROM adds a
  LEFT JOIN rotation r ON r.actor_key = a.actor_key AND r.target_id = a.target_id
),
per_group AS (
  SELECT actor_key, target_id, routine,
         CASE WHEN routine THEN 'routine' ELSE day END AS bucket,
         MIN(time) AS first_seen, MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         MIN(actor) AS actor, MIN(actor_sp_id) AS actor_sp_id,
         MIN(target_name) AS target_name, MIN(target_type) AS target_type,
         MAX(actor_days) AS actor_days,
         SUM(COALESCE(added_count, 1)) AS credentials_added,
         STRING_AGG(DISTINCT added_credentials, '; ' ORDER BY added_credentials) AS added_credentials,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) AS suspicious_source,
         STRING_AGG(DISTINCT id, ';' ORDER BY id) AS record_ids
  FROM tiered
  GROUP BY actor_key, target_id, routine, CASE WHEN routine THEN 'routine' ELSE day END
)
SELECT first_seen,
       last_seen,
       CONCAT_WS(';', actor, target_name) AS principals,
       ips,
       evidence_count,
       CONCAT('service principal ', COALESCE(actor, 'unknown'), ' added ', CAST(credentials_added AS VARCHAR),
              ' credential(s) to ', COALESCE(target_type, 'application'), ' ', COALESCE(target_name, target_id, 'unknown'),
              ' (', activities, ')',
              CASE WHEN added_credentials IS NULL THEN '' ELSE CONCAT(': ', added_credentials) END,
              CASE WHEN routine THEN CONCAT('; routine rotation: this actor renewed it on ', CAST(actor_days AS VARCHAR), ' days')
                   ELSE CONCAT('; ', CAST(evidence_count AS VARCHAR), ' record(s) on ', bucket) END,
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(', from ', ips) END) AS summary,
       CASE WHEN suspicious_source = 1 THEN 'high' WHEN routine THEN 'low' ELSE 'medium' END AS severity,
       record_ids,
       actor AS actor_service_principal,
       actor_sp_id,
       target_name AS app,
       target_id AS app_object_id,
       target_type,
       added_credentials,
       actor_days,
       user_agents,
       hosting_providers,
       ip_intel
FROM per_group
