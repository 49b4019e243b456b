-- ---
-- id: POS-APP-SECRETS
-- title: Applications authenticating with password secrets
-- kind: posture
-- severity: medium
-- description: >-
--   One finding per application or service principal that relies on password credentials
--   (client secrets): service-principal sign-ins with clientCredentialType clientSecret (with
--   the share against certificate, client assertion or federated credential sign-ins), password
--   keys (KeyType=Password) still on the object after its last credential change in the audits
--   and how many were added in the window, and 7000222 failures (an expired secret still
--   configured somewhere). Credential changes made by the Managed Service Identity service are
--   ignored. An app with secrets but no successful sign-in in the window is flagged as a
--   removal candidate. Secret lifetimes are not in the logs and are not checked.
-- why: >-
--   A client secret is a password that never does MFA, is copied into scripts and pipelines,
--   and is the credential attackers add to an app for persistence. Certificates, managed
--   identities and federated credentials remove that shared secret.
-- remediation: [rotate_secrets, remove_app_credential, review_configuration]
-- tables: [signins, audits]
-- false_positives:
--   - Third-party SaaS integrations that only support client secrets; keep them short-lived and monitored
-- references:
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/recommendation-remove-unused-credential-from-apps
--   - https://learn.microsoft.com/entra/identity-platform/security-best-practices-for-app-registration
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.5.5v1, MS.AAD.5.6v1, MS.AAD.5.7v1, "Entra recommendation: Remove unused credentials from applications", "Entra recommendation: Renew expiring application/service principal credentials", "Entra recommendation: Remove unused applications"]
-- catalog: [POS-APP-SECRETS]
-- ---
WITH sp_signins AS (
  SELECT time, id, result, error_code, client_credential_type, ip_address,
         COALESCE(service_principal_name, app_display_name, app_id) AS app
  FROM signins WHERE category = 'service_principal'
),
-- Credential changes: the KeyDescription property lists every key before and after.
cred_events AS (
  SELECT time, id, COALESCE(actor_upn, actor_app_name) AS actor, UNNEST(targets) AS tgt
  FROM audits
  WHERE result = 'success'
    AND (activity LIKE 'Update application%Certificates and secrets management%'
         OR activity IN ('Add service principal credentials', 'Remove service principal credentials', 'Update service principal'))
    AND COALESCE(actor_app_name, '') <> 'Managed Service Identity'
),
cred_props AS (
  SELECT time, id, actor, COALESCE(tgt.display_name, tgt.id) AS app, UNNEST(tgt.modified_properties) AS mp
  FROM cred_events
),
key_changes AS (
  SELECT time, id, actor, app,
         DIV(LENGTH(COALESCE(mp.old_value, '')) - LENGTH(REPLACE(COALESCE(mp.old_value, ''), 'KeyType=Password', '')), 16) AS old_passwords,
         DIV(LENGTH(COALESCE(mp.new_value, '')) - LENGTH(REPLACE(COALESCE(mp.new_value, ''), 'KeyType=Password', '')), 16) AS new_passwords
  FROM cred_props
  WHERE mp.name = 'KeyDescription'
),
-- Sign-ins and credential changes as one stream per app (a flat plan: one GROUP BY below).
events AS (
  SELECT app, time, id, result, error_code, client_credential_type, ip_address,
         CAST(NULL AS BIGINT) AS old_passwords, CAST(NULL AS BIGINT) AS new_passwords, CAST(NULL AS VARCHAR) AS actor,
         CAST(NULL AS BIGINT) AS rn
  FROM sp_signins
  UNION ALL
  SELECT app, time, id, CAST(NULL AS VARCHAR) AS result, CAST(NULL AS BIGINT) AS error_code,
         CAST(NULL AS VARCHAR) AS client_credential_type, CAST(NULL AS VARCHAR) AS ip_address,
         old_passwords, new_passwords, actor,
         ROW_NUMBER() OVER (PARTITION BY app ORDER BY time DESC) AS rn
  FROM key_changes
),
per_app AS (
  SELECT app,
         MIN(time) AS first_seen, MAX(time) AS last_seen,
         COUNT(*) FILTER (WHERE result = 'success') AS successes,
         COUNT(*) FILTER (WHERE result = 'success' AND client_credential_type = 'clientSecret') AS secret_successes,
         COUNT(*) FILTER (WHERE result = 'success'
                            AND client_credential_type IN ('certificate', 'clientAssertion', 'federatedIdentityCredential')) AS strong_successes,
         COUNT(*) FILTER (WHERE error_code = 7000222) AS expired_secret_failures,
         COUNT(*) FILTER (WHERE new_passwords IS NOT NULL) AS credential_changes,
         SUM(CASE WHEN new_passwords > old_passwords THEN new_passwords - old_passwords ELSE 0 END) AS passwords_added,
         MAX(CASE WHEN rn = 1 THEN new_passwords END) AS passwords_now,
         MIN(CASE WHEN new_passwords > old_passwords THEN actor END) AS added_by,
         -- nulls for the other rows; the ips and record_ids columns drop them
         ARRAY_AGG(CASE WHEN client_credential_type = 'clientSecret' THEN ip_address END) AS secret_ips,
         ARRAY_AGG(CASE WHEN is_evidence = 1 THEN id END ORDER BY not_evidence, time, id LIMIT 50) AS record_ids
  FROM (SELECT *,
               CASE WHEN new_passwords > old_passwords OR client_credential_type = 'clientSecret' OR error_code = 7000222
                    THEN 1 ELSE 0 END AS is_evidence,
               CASE WHEN new_passwords > old_passwords OR client_credential_type = 'clientSecret' OR error_code = 7000222
                    THEN 0 ELSE 1 END AS not_evidence
        FROM events WHERE app IS NOT NULL) e
  GROUP BY app
)
SELECT first_seen, last_seen, app AS principals, secret_ips AS ips,
       secret_successes + passwords_added + expired_secret_failures AS evidence_count,
       CONCAT(app, ' relies on password secrets: ',
              CASE WHEN successes > 0
                   THEN CONCAT(CAST(secret_successes AS VARCHAR), ' of ', CAST(successes AS VARCHAR),
                               ' successful sign-ins (', CAST(ROUND(100.0 * secret_successes / successes, 1) AS VARCHAR),
                               '%) used a client secret, ', CAST(strong_successes AS VARCHAR), ' a certificate or federated credential')
                   ELSE 'no successful sign-in in the window, so the secret looks unused' END,
              CASE WHEN passwords_now IS NOT NULL
                   THEN CONCAT('; ', CAST(passwords_now AS VARCHAR),
                               CASE WHEN passwords_now = 1 THEN ' password credential' ELSE ' password credentials' END,
                               ' after its last credential change')
                   ELSE '' END,
              CASE WHEN passwords_added > 0
                   THEN CONCAT(', ', CAST(passwords_added AS VARCHAR), ' added in the window by ', COALESCE(added_by, 'unknown'))
                   ELSE '' END,
              CASE WHEN expired_secret_failures > 0
                   THEN CONCAT('; ', CAST(expired_secret_failures AS VARCHAR), ' sign-ins failed with 7000222 (an expired secret is still configured somewhere)')
                   ELSE '' END) AS summary,
       record_ids,
       app,
       successes, secret_successes, strong_successes,
       CASE WHEN successes > 0 THEN ROUND(100.0 * secret_successes / successes, 1) END AS secret_share_pct,
       passwords_now AS password_credentials_now, passwords_added, added_by, credential_changes, expired_secret_failures
FROM per_app
WHERE secret_successes > 0 OR passwords_added > 0 OR COALESCE(passwords_now, 0) > 0 OR expired_secret_failures > 0
