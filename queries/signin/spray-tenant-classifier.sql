-- ---
-- id: SPRAY-TENANT
-- title: Tenant-wide password spray, credential stuffing or guessing
-- kind: detection
-- severity: medium
-- techniques: [T1110.001, T1110.003, T1110.004]
-- tactics: [credential-access]
-- description: >-
--   Single-factor user sign-in failures with the brute-force codes (50034, 50126, 50055,
--   50056, 50057, 50064, 50076, 50079, 50105, 70000, 70008, 70043, 80002, 80005, 50144,
--   50135, 50142, 120000, 120002, 120020) are cut into window_minutes tenant-wide windows,
--   ignoring the MSAL PKeyAuth user agent, Microsoft's ASN 8075 and trusted IPs (a missing
--   authentication requirement counts as single factor). A window is classed as credential
--   stuffing (>= stuffing_min_users accounts, >= stuffing_min_events failures, <=
--   stuffing_max_codes distinct codes, >= stuffing_min_ips IPs, more accounts than IPs,
--   <= stuffing_max_seconds long), password spraying (>= spray_min_users accounts, one code,
--   >= spray_min_events failures, <= spray_max_seconds) or password guessing (one account,
--   one code, >= guess_min_events failures in <= guess_max_seconds; or <= guess_dist_max_users
--   accounts from > guess_dist_min_ips IPs with >= guess_dist_min_events failures).
--   Windows of the same class on one UTC day become one finding. Distinct error codes stand in
--   for Elastic's distinct result descriptions. High when a targeted account shows a code
--   meaning its password worked (first_factor_ok) from one of the attacking IPs: those
--   accounts are the principals.
-- why: >-
--   Rotating-IP sprays and stuffing runs stay under every per-IP threshold; only the
--   tenant-wide shape (many accounts, one error, minutes apart) gives them away. Accounts
--   whose password validated from the attacking infrastructure are compromised.
-- remediation: [block_ip, reset_password, revoke_sessions, block_legacy_auth]
-- tables: [signins]
-- params:
--   window_minutes: 15
--   stuffing_min_users: 10
--   stuffing_min_events: 30
--   stuffing_max_codes: 3
--   stuffing_min_ips: 5
--   stuffing_max_seconds: 600
--   spray_min_users: 15
--   spray_min_events: 15
--   spray_max_seconds: 1800
--   guess_min_events: 30
--   guess_max_seconds: 300
--   guess_dist_max_users: 3
--   guess_dist_min_ips: 30
--   guess_dist_min_events: 100
-- false_positives:
--   - A broken password sync or an expired service-account password replayed by many devices
--   - Penetration tests (list the tester's IPs in trusted_ips)
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/credential_access_entra_id_brute_force_activity.toml
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-password-spray
-- catalog: [SPRAY-TENANT]
-- ---
WITH fails AS (
  SELECT id, time, user_principal_name, ip_address, error_code, asn, app_display_name, client_app_used,
         DIV(CAST(time AS BIGINT), {{window_minutes}} * 60000000) AS bucket,
         STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND error_code IN (50034, 50126, 50055, 50056, 50057, 50064, 50076, 50079, 50105, 70000, 70008,
                       70043, 80002, 80005, 50144, 50135, 50142, 120000, 120002, 120020)
    AND COALESCE(authentication_requirement, 'singleFactorAuthentication') = 'singleFactorAuthentication'
    -- benign broker traffic and Microsoft's own network
    AND COALESCE(user_agent, '') <> 'Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0'
    AND COALESCE(asn, 0) <> 8075
    AND NOT ip_is_trusted
),
-- the shape of each tenant-wide window, kept on every row (window functions, no join back)
windows AS (
  SELECT *,
         COUNT(*) OVER (PARTITION BY bucket) AS w_events,
         COUNT(DISTINCT user_principal_name) OVER (PARTITION BY bucket) AS w_users,
         COUNT(DISTINCT ip_address) OVER (PARTITION BY bucket) AS w_ips,
         COUNT(DISTINCT error_code) OVER (PARTITION BY bucket) AS w_codes,
         (CAST(MAX(time) OVER (PARTITION BY bucket) AS BIGINT)
          - CAST(MIN(time) OVER (PARTITION BY bucket) AS BIGINT)) / 1000000 AS w_seconds
  FROM fails
),
classified AS (
  SELECT *,
         CASE
           WHEN w_users >= {{stuffing_min_users}} AND w_events >= {{stuffing_min_events}}
                AND w_codes <= {{stuffing_max_codes}} AND w_ips >= {{stuffing_min_ips}}
                AND w_seconds <= {{stuffing_max_seconds}} AND w_users > w_ips
             THEN 'credential stuffing'
           WHEN w_users >= {{spray_min_users}} AND w_codes = 1 AND w_events >= {{spray_min_events}}
                AND w_seconds <= {{spray_max_seconds}}
             THEN 'password spraying'
           WHEN (w_users = 1 AND w_codes = 1 AND w_events >= {{guess_min_events}} AND w_seconds <= {{guess_max_seconds}})
                OR (w_users <= {{guess_dist_max_users}} AND w_ips > {{guess_dist_min_ips}}
                    AND w_events >= {{guess_dist_min_events}})
             THEN 'password guessing'
         END AS attack_type
  FROM windows
),
-- windows of the same class on the same UTC day are one attack
hits AS (
  SELECT *, MIN(time) OVER (PARTITION BY attack_type, day) AS attack_start
  FROM classified
  WHERE attack_type IS NOT NULL
),
attacks AS (
  SELECT attack_type, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS failures,
         COUNT(DISTINCT bucket) AS windows,
         COUNT(DISTINCT user_principal_name) AS targeted,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT ip_address) AS ips,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT asn) AS asns,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT client_app_used) AS client_apps
  FROM hits
  GROUP BY attack_type, day
),
-- a targeted account whose password worked from one of the attacking IPs
validated AS (
  SELECT h.attack_type, h.day,
         COUNT(DISTINCT s.user_principal_name) AS validated,
         ARRAY_AGG(DISTINCT s.user_principal_name) AS principals,
         MAX(s.time) AS last_validated
  FROM hits h
  JOIN signins s ON s.user_principal_name = h.user_principal_name AND s.ip_address = h.ip_address
  WHERE s.first_factor_ok AND s.time >= h.attack_start
  GROUP BY h.attack_type, h.day
)
SELECT a.first_seen,
       CASE WHEN v.last_validated > a.last_seen THEN v.last_validated ELSE a.last_seen END AS last_seen,
       v.principals,
       a.ips,
       a.failures AS evidence_count,
       CONCAT(a.attack_type, ': ', CAST(a.failures AS VARCHAR), ' single-factor failures against ',
              CAST(a.targeted AS VARCHAR), ' account(s) from ', CAST(a.ip_count AS VARCHAR), ' IP(s) in ',
              CAST(a.windows AS VARCHAR), ' window(s) of {{window_minutes}} min on ', a.day,
              '; password validated for ', CAST(COALESCE(v.validated, 0) AS VARCHAR)) AS summary,
       CASE WHEN COALESCE(v.validated, 0) > 0 THEN 'high' ELSE 'medium' END AS severity,
       a.attack_type, a.targeted, a.targeted_users, a.ip_count, a.error_codes, a.asns, a.apps, a.client_apps
FROM attacks a
LEFT JOIN validated v ON a.attack_type = v.attack_type AND a.day = v.day
