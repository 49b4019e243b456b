-- ---
-- id: ROPC-ENUM
-- title: ROPC sign-in with an unknown client id
-- kind: hunt
-- severity: medium
-- techniques: [T1110.003, T1087.004]
-- tactics: [credential-access, discovery]
-- description: >-
--   Resource-owner password (ROPC) sign-ins failing with 700016 (application not found in
--   the directory) whose application has no display name and whose client id never appears
--   in any other sign-in of the window. Spraying tools send random or foreign client ids
--   and read 700016 as "the password was right". One lead per source IP, with the accounts
--   and client ids it used; the catalog's 10-day first-seen test becomes "not seen elsewhere
--   in the export".
-- why: >-
--   Legitimate applications are registered in the tenant; a password grant for a client id
--   nobody uses is a script validating credentials, and the accounts it tried may have
--   leaked passwords.
-- remediation: [block_ip, block_legacy_auth, reset_password]
-- tables: [signins]
-- false_positives:
--   - A misconfigured script or appliance using a deleted application's client id with ROPC
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/credential_access_entra_id_ropc_unknown_client_id.toml
--   - https://github.com/0xZDH/o365spray
-- catalog: [ROPC-ENUM]
-- ---
WITH ropc_unknown AS (
  SELECT id, time, user_principal_name, ip_address, app_id, country, asn, user_agent, resource_id
  FROM signins
  WHERE LOWER(authentication_protocol) = 'ropc'
    AND error_code = 700016
    AND app_display_name IS NULL
    AND app_id IS NOT NULL
),
known_apps AS (
  -- client ids the tenant saw in any other sign-in
  SELECT DISTINCT app_id FROM signins
  WHERE app_id IS NOT NULL AND COALESCE(error_code, 0) <> 700016
),
leads AS (
  SELECT r.* FROM ropc_unknown r
  LEFT JOIN known_apps k ON r.app_id = k.app_id
  WHERE k.app_id IS NULL
),
per_ip AS (
  SELECT COALESCE(ip_address, 'unknown') AS ip,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT user_principal_name) AS user_count,
         COUNT(DISTINCT app_id) AS client_id_count,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         ARRAY_AGG(DISTINCT app_id) AS client_ids,
         ARRAY_AGG(DISTINCT resource_id) AS resources,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         MIN(country) AS country,
         MIN(asn) AS asn,
         ARRAY_AGG(id) AS record_ids
  FROM leads
  GROUP BY COALESCE(ip_address, 'unknown')
)
SELECT first_seen,
       last_seen,
       targeted_users AS principals,
       ip AS ips,
       evidence_count,
       CONCAT(ip, ' made ', CAST(evidence_count AS VARCHAR), ' ROPC password sign-in(s) with ',
              CAST(client_id_count AS VARCHAR), ' client id(s) unknown to the tenant (700016) against ',
              CAST(user_count AS VARCHAR), ' account(s) between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'),
              ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC; spraying tools read this code as a valid password') AS summary,
       record_ids,
       targeted_users,
       client_ids,
       resources,
       user_agents,
       country,
       asn
FROM per_ip
