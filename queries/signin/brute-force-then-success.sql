-- ---
-- id: BRUTE-SUCCESS
-- title: Brute force followed by a successful sign-in
-- kind: detection
-- severity: high
-- techniques: [T1110.001]
-- tactics: [credential-access]
-- description: >-
--   Each account's interactive and non-interactive sign-ins are cut, separately, into
--   sessions: a new session starts after a gap of more than gap_minutes or after a success
--   (codes 0, 50125, 50140, 70043, 70044 count as success). Fires on a session that ends in a
--   success after at least min_failures failures, when that failure count deviates from the
--   account's failure rate over the whole export ((failures - rate) / rate) by more than
--   deviation. Sentinel limits this to the Azure Portal and to a 24 h session; this rule
--   runs on every app and has no session length cap.
-- why: >-
--   A burst of failures that ends in a success is a guessed or cracked password; the
--   attacker is signed in.
-- remediation: [reset_password, revoke_sessions, require_mfa_reregistration, block_ip]
-- tables: [signins]
-- params:
--   gap_minutes: 20
--   min_failures: 10
--   deviation: 25
-- false_positives:
--   - A user who mistypes a new password ten times in a row and then gets it right
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/SigninBruteForce-AzurePortal.yaml
-- catalog: [BRUTE-SUCCESS]
-- ---
WITH events AS (
  SELECT id, time, user_principal_name, category, ip_address, app_display_name, error_code, country,
         CASE WHEN error_code IN (0, 50125, 50140, 70043, 70044) THEN 1 ELSE 0 END AS ok
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL AND error_code IS NOT NULL
),
-- a row opens a session after a long gap or right after a success
marked AS (
  SELECT *,
         CASE
           WHEN LAG(time) OVER (PARTITION BY user_principal_name, category ORDER BY time, ok) IS NULL THEN 1
           WHEN CAST(time AS BIGINT)
                - CAST(LAG(time) OVER (PARTITION BY user_principal_name, category ORDER BY time, ok) AS BIGINT)
                > {{gap_minutes}} * 60000000 THEN 1
           WHEN LAG(ok) OVER (PARTITION BY user_principal_name, category ORDER BY time, ok) = 1 THEN 1
           ELSE 0
         END AS opens
  FROM events
),
sessions AS (
  SELECT *,
         SUM(opens) OVER (PARTITION BY user_principal_name, category ORDER BY time, ok) AS session_no
  FROM marked
),
-- the account's usual failure rate (share of its sign-ins that fail)
baseline AS (
  SELECT user_principal_name, category, AVG(CAST(1 - ok AS DOUBLE)) AS failure_rate
  FROM events
  GROUP BY user_principal_name, category
),
per_session AS (
  SELECT user_principal_name, category, session_no,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS events,
         SUM(1 - ok) AS failures,
         SUM(ok) AS successes,
         ARRAY_AGG(DISTINCT ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(id) AS record_ids
  FROM sessions
  GROUP BY user_principal_name, category, session_no
  -- a success closes its session, so a session with one success ends with it
  HAVING SUM(ok) = 1 AND SUM(1 - ok) >= {{min_failures}}
),
success_row AS (
  SELECT user_principal_name, category, session_no, ip_address AS success_ip, app_display_name AS success_app
  FROM sessions
  WHERE ok = 1
)
SELECT p.first_seen,
       p.last_seen,
       p.user_principal_name AS principals,
       p.ips,
       p.events AS evidence_count,
       CONCAT(p.user_principal_name, ': ', CAST(p.failures AS VARCHAR), ' failed sign-ins from ',
              CAST(p.ip_count AS VARCHAR), ' IP(s) then a success from ', COALESCE(r.success_ip, '?'),
              ' within ', CAST(DIV(CAST(p.last_seen AS BIGINT) - CAST(p.first_seen AS BIGINT), 60000000) AS VARCHAR),
              ' min (the account fails ', CAST(ROUND(b.failure_rate * 100, 1) AS VARCHAR), '% of its sign-ins in this export)') AS summary,
       p.record_ids,
       p.category, p.failures, r.success_ip, r.success_app, p.apps, p.error_codes, p.countries,
       b.failure_rate AS export_failure_rate
FROM per_session p
JOIN baseline b ON p.user_principal_name = b.user_principal_name AND p.category = b.category
JOIN success_row r ON p.user_principal_name = r.user_principal_name AND p.category = r.category
                  AND p.session_no = r.session_no
WHERE (p.failures - b.failure_rate) / b.failure_rate > {{deviation}}
