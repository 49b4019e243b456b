-- ---
-- id: SP-NEW-SOURCE
-- title: Service principal signs in from a new IP
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access, persistence]
-- description: >-
--   A successful service-principal sign-in from an untrusted IP that the service principal
--   had not used before the day of the sign-in, when the service principal already signed
--   in on an earlier day of the export (at least baseline_days before). One finding per
--   service principal. Medium when an IP also brings an ASN new for the service principal
--   (other than Microsoft's AS8075, where Azure-hosted workloads rotate addresses); high when
--   that new network is a hosting / VPS network or intel-listed; low when only the address
--   changed within networks the service principal already used. The catalog's new-country
--   variant and Microsoft-owned-app exclusion need history or app ownership the export
--   lacks.
-- why: >-
--   Workloads run from fixed places. A service principal's secret used from somewhere new
--   is the typical trace of a stolen or newly added credential being used by an attacker.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets]
-- tables: [signins]
-- params:
--   baseline_days: 1
-- false_positives:
--   - Workloads moved to a new host or cloud region
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SigninLogs/ServicePrincipalAuthenticationAttemptfromNewCountry.yaml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_service_principal_signin_unusual_source_asn.toml
-- catalog: [SP-NEW-SOURCE]
-- ---
WITH sp AS (
  SELECT *,
         COALESCE(service_principal_id, app_id) AS sp_key,
         DIV(CAST(time AS BIGINT), 86400000000) AS day_n,
         COALESCE(asn, -1) AS asn_key
  FROM signins
  WHERE category = 'service_principal'
    AND result = 'success'
    AND ip_address IS NOT NULL
),
sp_first AS (
  SELECT sp_key, MIN(day_n) AS sp_first_day FROM sp GROUP BY sp_key
),
ip_first AS (
  SELECT sp_key, ip_address, MIN(day_n) AS ip_first_day FROM sp GROUP BY sp_key, ip_address
),
asn_first AS (
  SELECT sp_key, asn_key, MIN(day_n) AS asn_first_day FROM sp GROUP BY sp_key, asn_key
),
-- sign-ins from an IP first used on a later day than the service principal's baseline
hits AS (
  SELECT s.*,
         CASE WHEN a.asn_first_day = i.ip_first_day AND s.asn_key <> 8075 THEN 1 ELSE 0 END AS new_network
  FROM sp s
  JOIN sp_first f ON s.sp_key = f.sp_key
  JOIN ip_first i ON s.sp_key = i.sp_key AND s.ip_address = i.ip_address
  JOIN asn_first a ON s.sp_key = a.sp_key AND s.asn_key = a.asn_key
  WHERE i.ip_first_day >= f.sp_first_day + {{baseline_days}}
    AND NOT s.ip_is_trusted
),
per_sp AS (
  SELECT sp_key,
         MIN(COALESCE(service_principal_name, app_display_name, sp_key)) AS sp_name,
         MIN(app_id) AS app_id,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT CAST(asn AS VARCHAR), ', ' ORDER BY CAST(asn AS VARCHAR)) AS asns,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT credential_key_id) AS credential_key_ids,
         ARRAY_AGG(DISTINCT client_credential_type) AS credential_types,
         MAX(new_network) AS new_network,
         MAX(CASE WHEN new_network = 1 AND (ip_is_hosting OR ip_intel IS NOT NULL) THEN 1 ELSE 0 END) AS hostile_network,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY sp_key
)
SELECT first_seen, last_seen, sp_name AS principals, ips, evidence_count,
       CONCAT('service principal ', sp_name, ' signed in ', CAST(evidence_count AS VARCHAR), ' time(s) from ',
              CAST(ip_count AS VARCHAR), ' IP(s) it had not used before (AS', asns, ')',
              CASE WHEN new_network = 1 THEN ', including a network new for it' ELSE '' END) AS summary,
       CASE WHEN hostile_network = 1 THEN 'high' WHEN new_network = 1 THEN 'medium' ELSE 'low' END AS severity,
       record_ids, app_id, asns, countries, hosting_providers, resources, credential_key_ids, credential_types
FROM per_sp
