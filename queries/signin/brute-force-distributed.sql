-- ---
-- id: BRUTE-DIST
-- title: Distributed password cracking on one account
-- kind: detection
-- severity: medium
-- techniques: [T1110.001]
-- tactics: [credential-access]
-- description: >-
--   Per account and UTC day: more than failure_threshold failures with 50126 (bad password),
--   50053 (locked), 50055 (expired) or 50056 (no password) coming from at least
--   min_locations distinct locations (country/state/city). High when one of the failing IPs
--   later shows a code meaning the password worked (first_factor_ok), on that day or after.
-- why: >-
--   Many failures on one account from several places at once is a botnet or proxy pool
--   cracking that password; one validated attempt from that pool means the attacker has it.
-- remediation: [reset_password, block_ip, revoke_sessions]
-- tables: [signins]
-- params:
--   failure_threshold: 30
--   min_locations: 3
-- false_positives:
--   - A mailbox whose old password is still configured on several devices of a travelling user
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/DistribPassCrackAttempt.yaml
-- catalog: [BRUTE-DIST]
-- ---
WITH fails AS (
  SELECT id, time, user_principal_name, ip_address, error_code, app_display_name,
         STRFTIME(time, '%Y-%m-%d') AS day,
         CONCAT(COALESCE(country, '?'), '/', COALESCE(state, '?'), '/', COALESCE(city, '?')) AS place
  FROM signins
  WHERE error_code IN (50126, 50053, 50055, 50056)
    AND user_principal_name IS NOT NULL
),
dated AS (
  SELECT *, MIN(time) OVER (PARTITION BY user_principal_name, day) AS day_start FROM fails
),
per_day AS (
  SELECT user_principal_name, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS failures,
         COUNT(DISTINCT place) AS location_count,
         ARRAY_AGG(DISTINCT place) AS locations,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT ip_address) AS ips,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT app_display_name) AS apps
  FROM fails
  GROUP BY user_principal_name, day
  HAVING COUNT(*) > {{failure_threshold}} AND COUNT(DISTINCT place) >= {{min_locations}}
),
-- the password worked from one of the cracking IPs (unflagged days drop out in the final join)
validated AS (
  SELECT f.user_principal_name, f.day,
         COUNT(DISTINCT s.id) AS validations,
         MIN(s.time) AS first_validated,
         ARRAY_AGG(DISTINCT s.ip_address) AS validated_from
  FROM dated f
  JOIN signins s ON s.user_principal_name = f.user_principal_name AND s.ip_address = f.ip_address
  WHERE s.first_factor_ok AND s.time >= f.day_start
  GROUP BY f.user_principal_name, f.day
)
SELECT p.first_seen,
       p.last_seen,
       p.user_principal_name AS principals,
       p.ips,
       p.failures AS evidence_count,
       CONCAT(p.user_principal_name, ': ', CAST(p.failures AS VARCHAR), ' failed sign-ins on ', p.day, ' from ',
              CAST(p.ip_count AS VARCHAR), ' IPs in ', CAST(p.location_count AS VARCHAR),
              ' locations; password validated from ', CAST(COALESCE(v.validations, 0) AS VARCHAR),
              ' of them') AS summary,
       CASE WHEN COALESCE(v.validations, 0) > 0 THEN 'high' ELSE 'medium' END AS severity,
       COALESCE(v.validations, 0) > 0 AS access,
       p.location_count, p.locations, p.ip_count, p.error_codes, p.apps, v.first_validated, v.validated_from
FROM per_day p
LEFT JOIN validated v ON p.user_principal_name = v.user_principal_name AND p.day = v.day
