-- ---
-- id: SP-CRED-GUESS
-- title: Service principal secret or assertion failures
-- kind: hunt
-- severity: medium
-- techniques: [T1110.001]
-- tactics: [credential-access]
-- description: >-
--   Service-principal sign-ins failing with an invalid client secret (7000215) or a bad
--   client assertion (700027 signature, 700024 outside its time range), per service principal
--   and source IP. A lead when one IP fails at least min_failures times, or at least
--   min_unfamiliar_failures times from an untrusted IP that had no successful sign-in of that
--   service principal before its failures. High when that unfamiliar IP then succeeds: the
--   secret was found. Expired secrets (7000222) are a posture matter and left out.
-- why: >-
--   Workload identities have no MFA; a guessed or leaked client secret is full access with
--   the app's permissions. Failures from a network the app never runs from point to someone
--   holding stale or guessed credential material.
-- remediation: [remove_app_credential, rotate_secrets, block_ip]
-- tables: [signins]
-- params:
--   min_failures: 20
--   min_unfamiliar_failures: 3
-- false_positives:
--   - A deployment still using a rotated secret from a new build agent or region
-- references:
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-ServicePrincipalSigninErrors.kql
--   - https://learn.microsoft.com/entra/identity-platform/reference-error-codes
-- catalog: [SP-CRED-GUESS]
-- ---
WITH sp_signins AS (
  SELECT *,
         COALESCE(service_principal_id, app_id) AS sp_key,
         COALESCE(service_principal_name, app_display_name, service_principal_id, app_id) AS sp_name
  FROM signins
  WHERE category = 'service_principal' AND ip_address IS NOT NULL
),
failures AS (
  SELECT sp_key, ip_address,
         MIN(sp_name) AS sp_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT credential_key_id) AS key_ids,
         MAX(CASE WHEN ip_is_trusted THEN 1 ELSE 0 END) AS trusted,
         MIN(country) AS country,
         MIN(asn) AS asn,
         MIN(ip_hosting_provider) AS hosting_provider,
         ARRAY_AGG(id) AS record_ids
  FROM sp_signins
  WHERE error_code IN (7000215, 700027, 700024)
  GROUP BY sp_key, ip_address
),
successes AS (
  SELECT sp_key, ip_address, MIN(time) AS first_success, MAX(time) AS last_success, COUNT(*) AS success_count
  FROM sp_signins
  WHERE result = 'success'
  GROUP BY sp_key, ip_address
),
judged AS (
  SELECT f.*,
         s.first_success,
         s.last_success,
         COALESCE(s.success_count, 0) AS success_count,
         (s.first_success IS NULL OR s.first_success > f.first_seen) AS unfamiliar,
         (s.first_success IS NOT NULL AND s.first_success > f.first_seen AND f.trusted = 0) AS then_succeeded
  FROM failures f
  LEFT JOIN successes s ON f.sp_key = s.sp_key AND f.ip_address = s.ip_address
)
SELECT first_seen,
       CASE WHEN then_succeeded AND last_success > last_seen THEN last_success ELSE last_seen END AS last_seen,
       sp_name AS principals,
       ip_address AS ips,
       evidence_count,
       CONCAT('service principal ', sp_name, ': ', CAST(evidence_count AS VARCHAR),
              ' invalid secret / assertion failure(s) from ', ip_address,
              CASE WHEN unfamiliar THEN ', an IP with no earlier success for it' ELSE '' END,
              CASE WHEN hosting_provider IS NOT NULL THEN CONCAT(' (', hosting_provider, ')') ELSE '' END,
              ', between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC',
              CASE WHEN then_succeeded THEN CONCAT('; then ', CAST(success_count AS VARCHAR), ' successful sign-in(s) from the same IP from ',
                                                   STRFTIME(first_success, '%Y-%m-%d %H:%M'))
                   ELSE '' END) AS summary,
       CASE WHEN then_succeeded THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       sp_key AS service_principal,
       error_codes,
       key_ids,
       unfamiliar AS unfamiliar_ip,
       country,
       asn
FROM judged
WHERE evidence_count >= {{min_failures}}
   OR (unfamiliar AND trusted = 0 AND evidence_count >= {{min_unfamiliar_failures}})
