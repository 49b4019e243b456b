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
--   success after at least min_failures failures, when that failure count is more than
--   deviation times the account's own average of failures per session over the export (a
--   mail client stuck on an old password fails all day, every day: it is not a burst), and
--   the success came from an address that failed in the session or from a source that is
--   neither trusted nor one of the account's usual networks (a user who fixes the stuck
--   client and then signs in from the office did not lose a brute-force race), and either
--   through the same client that failed (client app and user agent) or without strong
--   authentication (no MFA, no managed or compliant device): the user's own phone getting
--   in with MFA while their old IMAP client keeps failing is not the guesser. Failures from
--   the account's own addresses (ip_is_own_for_user: successes there on two days before)
--   do not count towards min_failures: a mail client at home retrying a stale password all
--   night is the user. Sentinel
--   limits this to the Azure Portal and to a 24 h session; this rule runs on every app and
--   has no session length cap.
-- why: >-
--   A burst of failures that ends in a success is a guessed or cracked password; the
--   attacker is signed in.
-- remediation: [reset_password, revoke_sessions, require_mfa_reregistration, block_ip]
-- tables: [signins]
-- partition: user_principal_name   # per-user: runs in slices of users over spilled tables
-- params:
--   gap_minutes: 20
--   min_failures: 10
--   deviation: 15
-- false_positives:
--   - A user who mistypes a new password ten times in a row and then gets it right
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/SigninBruteForce-AzurePortal.yaml
-- catalog: [BRUTE-SUCCESS]
-- ---
WITH events AS (
  SELECT id, time, user_principal_name, category, ip_address, app_display_name, error_code, country,
         client_app_used, user_agent, ip_is_own_for_user AS own_ip,
         ip_is_trusted OR asn_is_usual_for_user AS usual_source,
         COALESCE(authentication_requirement = 'multiFactorAuthentication', FALSE)
           OR COALESCE(device_is_managed, FALSE) OR COALESCE(device_is_compliant, FALSE) AS strong,
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
-- the account's usual failures per session, and the share of its sign-ins that fail
session_failures AS (
  SELECT user_principal_name, category, session_no, SUM(1 - ok) AS failures
  FROM sessions
  GROUP BY user_principal_name, category, session_no
),
baseline AS (
  SELECT e.user_principal_name, e.category, e.failure_rate, s.per_session
  FROM (SELECT user_principal_name, category, AVG(CAST(1 - ok AS DOUBLE)) AS failure_rate
        FROM events GROUP BY user_principal_name, category) e
  JOIN (SELECT user_principal_name, category, AVG(CAST(failures AS DOUBLE)) AS per_session
        FROM session_failures GROUP BY user_principal_name, category) s
    ON e.user_principal_name = s.user_principal_name AND e.category = s.category
),
per_session AS (
  SELECT user_principal_name, category, session_no,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS events,
         SUM(1 - ok) AS failures,
         SUM(CASE WHEN ok = 0 AND NOT own_ip THEN 1 ELSE 0 END) AS foreign_failures,
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
     AND SUM(CASE WHEN ok = 0 AND NOT own_ip THEN 1 ELSE 0 END) >= {{min_failures}}
),
success_row AS (
  SELECT user_principal_name, category, session_no, ip_address AS success_ip, app_display_name AS success_app,
         usual_source AS success_usual, strong AS success_strong,
         COALESCE(client_app_used, '') AS success_client, COALESCE(user_agent, '') AS success_ua
  FROM sessions
  WHERE ok = 1
),
-- the success came through a client that also failed in the session
same_client AS (
  SELECT DISTINCT s.user_principal_name, s.category, s.session_no
  FROM sessions s
  JOIN success_row r ON s.user_principal_name = r.user_principal_name AND s.category = r.category
                    AND s.session_no = r.session_no
  WHERE s.ok = 0 AND COALESCE(s.client_app_used, '') = r.success_client AND COALESCE(s.user_agent, '') = r.success_ua
),
-- the success came from an address that also failed in the session
same_source AS (
  SELECT DISTINCT s.user_principal_name, s.category, s.session_no
  FROM sessions s
  JOIN success_row r ON s.user_principal_name = r.user_principal_name AND s.category = r.category
                    AND s.session_no = r.session_no AND s.ip_address = r.success_ip
  WHERE s.ok = 0
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
       b.failure_rate AS export_failure_rate, b.per_session AS usual_failures_per_session
FROM per_session p
JOIN baseline b ON p.user_principal_name = b.user_principal_name AND p.category = b.category
JOIN success_row r ON p.user_principal_name = r.user_principal_name AND p.category = r.category
                  AND p.session_no = r.session_no
LEFT JOIN same_source ss ON ss.user_principal_name = p.user_principal_name AND ss.category = p.category
                        AND ss.session_no = p.session_no
LEFT JOIN same_client sc ON sc.user_principal_name = p.user_principal_name AND sc.category = p.category
                        AND sc.session_no = p.session_no
WHERE CAST(p.failures AS DOUBLE) > {{deviation}} * CASE WHEN b.per_session > 0.4 THEN b.per_session ELSE 0.4 END
  AND (ss.session_no IS NOT NULL OR NOT COALESCE(r.success_usual, FALSE))
  AND (sc.session_no IS NOT NULL OR NOT COALESCE(r.success_strong, FALSE))
