-- ---
-- id: SP-FIC-LOGIN
-- title: Service principal signs in with a federated identity credential for the first time
-- kind: detection
-- severity: high
-- techniques: [T1550.001, T1098.001]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   A successful service-principal sign-in with client credential type
--   federatedIdentityCredential (a token from an external identity provider such as GitHub
--   Actions, another cloud or a Kubernetes cluster, exchanged for an Entra token) by an app
--   whose first such sign-in in the export comes at least baseline_days after the export
--   begins: apps that use workload identity federation every day show up on the first day
--   and are treated as known. One finding per app. The catalog's "not Microsoft-owned" test
--   needs app ownership the export lacks; a one-day export cannot fire.
-- why: >-
--   A federated credential added by an attacker lets them mint tokens for the app from their
--   own identity provider with no secret to steal or rotate. The first federated sign-in of
--   an app that never used one is the moment that backdoor is used.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets]
-- tables: [signins]
-- params:
--   baseline_days: 1
-- false_positives:
--   - A CI/CD pipeline newly moved to workload identity federation
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_federated_login_by_unusual_client.toml
--   - https://learn.microsoft.com/entra/workload-id/workload-identity-federation
-- catalog: [SP-FIC-LOGIN]
-- ---
WITH export_start AS (
  SELECT MIN(time) AS start_time FROM signins
),
fic AS (
  SELECT *, COALESCE(app_id, service_principal_id) AS app_key
  FROM signins
  WHERE category = 'service_principal'
    AND result = 'success'
    AND client_credential_type = 'federatedIdentityCredential'
),
per_app AS (
  SELECT app_key,
         MIN(COALESCE(service_principal_name, app_display_name, app_key)) AS sp_name,
         MIN(service_principal_id) AS service_principal_id,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT asn) AS asns,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT credential_key_id) AS credential_key_ids,
         ARRAY_AGG(id) AS record_ids
  FROM fic
  GROUP BY app_key
)
SELECT p.first_seen, p.last_seen, p.sp_name AS principals, p.ips, p.evidence_count,
       CONCAT('service principal ', p.sp_name, ' began signing in with a federated identity credential on ',
              STRFTIME(p.first_seen, '%Y-%m-%d %H:%M'), ' UTC, ',
              CAST(DIV(CAST(p.first_seen AS BIGINT) - CAST(e.start_time AS BIGINT), 3600000000) AS VARCHAR),
              ' h after the export began: ', CAST(p.evidence_count AS VARCHAR), ' sign-in(s) from ',
              CAST(p.ip_count AS VARCHAR), ' IP(s)') AS summary,
       p.record_ids, p.app_key AS app_id, p.service_principal_id, p.resources, p.countries, p.asns,
       p.hosting_providers, p.credential_key_ids
FROM per_app p
CROSS JOIN export_start e
WHERE CAST(p.first_seen AS BIGINT) - CAST(e.start_time AS BIGINT) >= {{baseline_days}} * 86400000000
