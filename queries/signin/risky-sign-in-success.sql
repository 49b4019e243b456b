-- ---
-- id: RISKY-SIGNIN
-- title: Successful user sign-in at medium or high Identity Protection risk
-- kind: detection
-- severity: high
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   A successful interactive or non-interactive user sign-in that Identity Protection scored
--   as risky and that nobody cleared: risk_level_during_signin or risk_level_aggregated is
--   high or medium, or risk_state is atRisk or confirmedCompromised; sign-ins whose
--   risk_state is in ignored_states (remediated, e.g. by an MFA the risk policy demanded,
--   dismissed, confirmedSafe) are skipped. Severity tiers: high when either level is high or
--   the state is confirmedCompromised; medium when the highest level is medium, or the state
--   is atRisk with the level not disclosed (none / hidden, as in tenants without P2); an
--   atRisk sign-in whose highest level is low is not a finding. One finding per user and
--   day, at the highest tier of that day; the risk event types, apps, IPs, countries and
--   whether the sign-ins were single-factor or from unmanaged devices are evidence.
-- why: >-
--   A risky sign-in that succeeded means whoever triggered the risk (a Tor exit, an AiTM
--   proxy, a replayed token, leaked credentials) got a token. Left at risk, the session keeps
--   working until the password is reset and the refresh tokens revoked.
-- remediation: [revoke_sessions, reset_password, confirm_compromised, require_mfa_reregistration]
-- tables: [signins]
-- params:
--   ignored_states: [remediated, dismissed, confirmedSafe]
-- false_positives:
--   - Travellers and users of consumer VPNs whose sign-in risk was never reviewed
--   - Tenants without a risk-based Conditional Access policy, where medium-risk sign-ins are never remediated by MFA
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_high_risk_signin.toml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_risky_user_or_compromised_sign_in.toml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/signin_logs/azure_ad_risky_sign_ins_with_singlefactorauth_from_unknown_devices.yml
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-investigate-risk
--   - https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins
-- catalog: [IDP-CORRELATED]
-- ---
WITH candidates AS (
  SELECT id, time, user_principal_name, ip_address, country, category,
         COALESCE(app_display_name, resource_display_name, app_id, 'an unnamed app') AS app,
         risk_level_during_signin, risk_level_aggregated, risk_state,
         ARRAY_TO_STRING(risk_event_types, ',') AS risk_types,
         authentication_requirement, device_is_managed, device_is_compliant,
         COALESCE(user_id, user_principal_name) AS ukey,
         CASE WHEN risk_level_during_signin = 'high' OR risk_level_aggregated = 'high'
                   OR risk_state = 'confirmedCompromised' THEN 3
              WHEN risk_level_during_signin = 'medium' OR risk_level_aggregated = 'medium' THEN 2
              WHEN risk_state = 'atRisk'
                   AND COALESCE(risk_level_during_signin, 'none') IN ('none', 'hidden')
                   AND COALESCE(risk_level_aggregated, 'none') IN ('none', 'hidden') THEN 2
              ELSE 0 END AS sev_rank
  FROM signins
  WHERE result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND COALESCE(user_id, user_principal_name) IS NOT NULL
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
hits AS (
  SELECT *,
         CASE WHEN authentication_requirement = 'singleFactorAuthentication' THEN 1 ELSE 0 END AS single_factor,
         -- only when the record says so: a missing deviceDetail is not an unmanaged device
         CASE WHEN device_is_managed = FALSE AND NOT COALESCE(device_is_compliant, FALSE)
              THEN 1 ELSE 0 END AS unmanaged
  FROM candidates
  WHERE sev_rank >= 2
),
per_user_day AS (
  SELECT ukey,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(user_principal_name) AS upn,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         MAX(sev_rank) AS sev_rank,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT app, ';' ORDER BY app) AS apps,
         STRING_AGG(DISTINCT country, ';' ORDER BY country) AS countries,
         STRING_AGG(DISTINCT category, ';' ORDER BY category) AS categories,
         STRING_AGG(DISTINCT risk_level_during_signin, ';' ORDER BY risk_level_during_signin) AS risk_levels_during_signin,
         STRING_AGG(DISTINCT risk_level_aggregated, ';' ORDER BY risk_level_aggregated) AS risk_levels_aggregated,
         STRING_AGG(DISTINCT risk_state, ';' ORDER BY risk_state) AS risk_states,
         STRING_AGG(DISTINCT NULLIF(risk_types, ''), ';' ORDER BY NULLIF(risk_types, '')) AS risk_event_types,
         SUM(single_factor) AS single_factor_signins,
         SUM(unmanaged) AS unmanaged_device_signins,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY ukey, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       COALESCE(upn, ukey) AS principals,
       ips,
       evidence_count,
       CONCAT(COALESCE(upn, ukey), ' signed in successfully ', CAST(evidence_count AS VARCHAR),
              ' time(s) on ', day, ' at ', CASE WHEN sev_rank >= 3 THEN 'high' ELSE 'medium' END,
              ' Identity Protection risk (during sign-in: ', COALESCE(risk_levels_during_signin, '?'),
              '; aggregated: ', COALESCE(risk_levels_aggregated, '?'), '; state: ', COALESCE(risk_states, '?'), ')',
              CASE WHEN risk_event_types IS NULL THEN '' ELSE CONCAT(', risk types ', risk_event_types) END,
              ' from ', CASE WHEN ip_count <= 3 THEN COALESCE(REPLACE(ips, ';', ', '), 'an unknown IP')
                             ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END,
              ' to ', REPLACE(apps, ';', ', '),
              CASE WHEN single_factor_signins > 0
                   THEN CONCAT('; ', CAST(single_factor_signins AS VARCHAR), ' single-factor') ELSE '' END,
              CASE WHEN unmanaged_device_signins > 0
                   THEN CONCAT('; ', CAST(unmanaged_device_signins AS VARCHAR), ' from unmanaged devices') ELSE '' END) AS summary,
       CASE WHEN sev_rank >= 3 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       day,
       risk_levels_during_signin,
       risk_levels_aggregated,
       risk_states,
       risk_event_types,
       apps,
       countries,
       categories,
       single_factor_signins,
       unmanaged_device_signins
FROM per_user_day
