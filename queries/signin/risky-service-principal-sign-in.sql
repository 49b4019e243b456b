-- ---
-- id: RISKY-SP-SIGNIN
-- title: Successful workload-identity sign-in at medium or high risk
-- kind: detection
-- severity: high
-- techniques: [T1078.004, T1550.001]
-- tactics: [initial-access, persistence]
-- description: >-
--   A successful service-principal or managed-identity sign-in that Identity Protection for
--   workload identities scored as risky and that nobody cleared: risk_level_during_signin or
--   risk_level_aggregated is high or medium, or risk_state is atRisk or
--   confirmedCompromised; sign-ins whose risk_state is in ignored_states (remediated,
--   dismissed, confirmedSafe) are skipped. Failed sign-ins are not findings (a rejected
--   secret is not a compromise; SP-CRED-GUESS covers failure bursts). Severity tiers: high
--   when either level is high or the state is confirmedCompromised; medium when the highest
--   level is medium, or the state is atRisk with the level not disclosed; low risk is not a
--   finding. One finding per service principal and day; credential types, key ids,
--   resources and IPs are evidence.
-- why: >-
--   Workload identities have no MFA: a risky success means a client secret, certificate or
--   federated credential is being used from somewhere Identity Protection considers unusual or
--   malicious, and the attacker holds the application's permissions until the credential is
--   rolled.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets, confirm_compromised]
-- tables: [signins]
-- params:
--   ignored_states: [remediated, dismissed, confirmedSafe]
-- false_positives:
--   - Automation moved to a new cloud region or CI runner pool that Identity Protection has not learned yet
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-workload-identity-risk
--   - https://learn.microsoft.com/entra/identity/monitoring-health/concept-service-principal-sign-ins
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_high_risk_signin.toml
--   - https://github.com/panther-labs/panther-analysis/blob/main/rules/azure_signin_rules/azure_risklevel_passthrough.yml
-- catalog: [IDP-CORRELATED]
-- ---
WITH hits AS (
  SELECT id, time, category, ip_address, country, resource_display_name, resource_id,
         client_credential_type, credential_key_id,
         risk_level_during_signin, risk_level_aggregated, risk_state,
         COALESCE(service_principal_name, app_display_name, service_principal_id, app_id) AS sp_name,
         COALESCE(service_principal_id, app_id, service_principal_name) AS sp_key,
         app_id,
         CASE WHEN risk_level_during_signin = 'high' OR risk_level_aggregated = 'high'
                   OR risk_state = 'confirmedCompromised' THEN 3
              WHEN risk_level_during_signin = 'medium' OR risk_level_aggregated = 'medium' THEN 2
              WHEN risk_state = 'atRisk'
                   AND COALESCE(risk_level_during_signin, 'none') IN ('none', 'hidden')
                   AND COALESCE(risk_level_aggregated, 'none') IN ('none', 'hidden') THEN 2
              ELSE 0 END AS sev_rank
  FROM signins
  WHERE result = 'success'
    AND category IN ('service_principal', 'managed_identity')
    AND COALESCE(service_principal_id, app_id, service_principal_name) IS NOT NULL
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
per_sp_day AS (
  SELECT sp_key,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(sp_name) AS sp_name,
         MIN(app_id) AS app_id,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         MAX(sev_rank) AS sev_rank,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT category, ';' ORDER BY category) AS categories,
         STRING_AGG(DISTINCT COALESCE(resource_display_name, resource_id), ';'
                    ORDER BY COALESCE(resource_display_name, resource_id)) AS resources,
         STRING_AGG(DISTINCT client_credential_type, ';' ORDER BY client_credential_type) AS credential_types,
         STRING_AGG(DISTINCT credential_key_id, ';' ORDER BY credential_key_id) AS credential_key_ids,
         STRING_AGG(DISTINCT country, ';' ORDER BY country) AS countries,
         STRING_AGG(DISTINCT risk_level_during_signin, ';' ORDER BY risk_level_during_signin) AS risk_levels_during_signin,
         STRING_AGG(DISTINCT risk_level_aggregated, ';' ORDER BY risk_level_aggregated) AS risk_levels_aggregated,
         STRING_AGG(DISTINCT risk_state, ';' ORDER BY risk_state) AS risk_states,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  WHERE sev_rank >= 2
  GROUP BY sp_key, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       COALESCE(sp_name, sp_key) AS principals,
       ips,
       evidence_count,
       CONCAT(CASE WHEN categories = 'managed_identity' THEN 'Managed identity ' ELSE 'Service principal ' END,
              COALESCE(sp_name, sp_key), ' signed in successfully ', CAST(evidence_count AS VARCHAR),
              ' time(s) on ', day, ' at ', CASE WHEN sev_rank >= 3 THEN 'high' ELSE 'medium' END,
              ' risk (during sign-in: ', COALESCE(risk_levels_during_signin, '?'),
              '; aggregated: ', COALESCE(risk_levels_aggregated, '?'), '; state: ', COALESCE(risk_states, '?'), ')',
              ' from ', CASE WHEN ip_count <= 3 THEN COALESCE(REPLACE(ips, ';', ', '), 'an unknown IP')
                             ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END,
              ' to ', COALESCE(REPLACE(resources, ';', ', '), 'an unknown resource'),
              CASE WHEN credential_types IS NULL OR credential_types = 'none' THEN ''
                   ELSE CONCAT(' with ', REPLACE(credential_types, ';', ', ')) END) AS summary,
       CASE WHEN sev_rank >= 3 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       day,
       app_id,
       categories,
       resources,
       credential_types,
       credential_key_ids,
       countries,
       risk_levels_during_signin,
       risk_levels_aggregated,
       risk_states
FROM per_sp_day
