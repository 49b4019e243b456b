-- ---
-- id: SPRAY-LOWSLOW
-- title: Low-and-slow password attempts from volatile IPs
-- kind: hunt
-- severity: medium
-- techniques: [T1110.003, T1110.004]
-- tactics: [credential-access]
-- description: >-
--   Bad-password (50126) and expired-password (50055) failures where each (IP, account) pair
--   occurs exactly once, from an untrusted IP with fewer than max_ip_successes successful
--   sign-ins of anyone in the window. Per account: the failing IPs, countries and days. A lead
--   when those single-use IPs span at least min_countries countries (the source's "more than
--   5"). High when one of those IPs also got the account's password accepted. Best run over
--   long windows; results with the most IPs, countries and days come first in a review. The
--   playbook's tenant-wide signs (accounts tried in alphabetical order, machine-regular
--   intervals, one user agent across IPs) are not computed.
-- why: >-
--   Rotating residential proxies let an attacker try one password per IP, far below any
--   per-IP spray or lockout threshold. The only trace is one account failing from many
--   networks that are never used again.
-- remediation: [block_ip, reset_password, revoke_sessions]
-- tables: [signins]
-- params:
--   min_countries: 6
--   max_ip_successes: 2
-- false_positives:
--   - Users of mobile networks or privacy relays whose egress changes on every attempt while they mistype a password
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/LowAndSlowPasswordAttempt.yaml
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-password-spray
-- catalog: [SPRAY-LOWSLOW]
-- ---
WITH fails AS (
  SELECT id, time, user_principal_name, ip_address, country, asn, user_agent, app_display_name
  FROM signins
  WHERE error_code IN (50126, 50055)
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL AND ip_address IS NOT NULL
    AND NOT ip_is_trusted
),
pairs AS (
  SELECT ip_address, user_principal_name, COUNT(*) AS attempts
  FROM fails
  GROUP BY ip_address, user_principal_name
),
ip_successes AS (
  SELECT ip_address, COUNT(*) AS successes
  FROM signins
  WHERE result = 'success' AND ip_address IS NOT NULL
  GROUP BY ip_address
),
single_use AS (
  -- the IP tried this account once, and is nobody's regular network
  SELECT f.*
  FROM fails f
  JOIN pairs p ON f.ip_address = p.ip_address AND f.user_principal_name = p.user_principal_name
  LEFT JOIN ip_successes s ON f.ip_address = s.ip_address
  WHERE p.attempts = 1 AND COALESCE(s.successes, 0) < {{max_ip_successes}}
),
per_user AS (
  SELECT user_principal_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         COUNT(DISTINCT country) AS country_count,
         COUNT(DISTINCT STRFTIME(time, '%Y-%m-%d')) AS days_with_attempts,
         ARRAY_AGG(DISTINCT ip_address) AS ips,
         ARRAY_AGG(DISTINCT country) AS failure_countries,
         ARRAY_AGG(DISTINCT asn) AS asns,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(id) AS record_ids
  FROM single_use
  GROUP BY user_principal_name
  HAVING COUNT(DISTINCT country) >= {{min_countries}}
),
user_ips AS (
  SELECT DISTINCT user_principal_name, ip_address, 1 AS spray_ip FROM single_use
),
user_facts AS (
  -- one pass over the account's sign-ins: was the password accepted from one of those IPs
  -- (before or after the failure), and which countries does the account succeed from
  SELECT s.user_principal_name,
         SUM(CASE WHEN u.spray_ip = 1 AND s.first_factor_ok THEN 1 ELSE 0 END) AS validated,
         MAX(CASE WHEN u.spray_ip = 1 AND s.first_factor_ok THEN s.time END) AS last_validated,
         STRING_AGG(DISTINCT CASE WHEN s.result = 'success' THEN s.country END, ', ') AS success_countries
  FROM signins s
  LEFT JOIN user_ips u ON s.user_principal_name = u.user_principal_name AND s.ip_address = u.ip_address
  WHERE s.user_principal_name IS NOT NULL
  GROUP BY s.user_principal_name
)
SELECT p.first_seen,
       CASE WHEN v.last_validated > p.last_seen THEN v.last_validated ELSE p.last_seen END AS last_seen,
       p.user_principal_name AS principals,
       p.ips,
       p.evidence_count,
       CONCAT(p.user_principal_name, ': ', CAST(p.evidence_count AS VARCHAR), ' password failures, each from a different single-use IP (',
              CAST(p.ip_count AS VARCHAR), ' IPs in ', CAST(p.country_count AS VARCHAR), ' countries over ',
              CAST(p.days_with_attempts AS VARCHAR), ' day(s), ', STRFTIME(p.first_seen, '%Y-%m-%d'), ' to ',
              STRFTIME(p.last_seen, '%Y-%m-%d'), '); password accepted from one of those IPs ',
              CAST(COALESCE(v.validated, 0) AS VARCHAR), ' time(s)') AS summary,
       CASE WHEN COALESCE(v.validated, 0) > 0 THEN 'high' ELSE 'medium' END AS severity,
       p.record_ids,
       p.ip_count,
       p.country_count,
       p.days_with_attempts,
       p.failure_countries,
       v.success_countries,
       p.asns,
       p.user_agents,
       p.apps
FROM per_user p
LEFT JOIN user_facts v ON p.user_principal_name = v.user_principal_name
