-- ---
-- id: CA-BLOCK-SPIKE
-- title: Spike of Conditional-Access-blocked sign-ins for one user
-- kind: detection
-- severity: medium
-- techniques: [T1078.004, T1110]
-- tactics: [initial-access, credential-access]
-- description: >-
--   Interactive and non-interactive sign-ins of a user blocked by Conditional Access (error
--   53003, or conditionalAccessStatus failure) are counted in 60-minute windows sliding by 10
--   minutes (six 10-minute buckets). A window is a spike when it holds at least min_blocks
--   blocked sign-ins and at least ratio times the user's own median of blocked sign-ins per
--   active hour (hours with any sign-in of the user, outside the spike), so a phone that
--   retries a blocked legacy client all week is its own baseline. Overlapping spike windows
--   of a user merge into one finding. Medium; high when the blocked sign-ins came from at
--   least min_countries countries, or any came from a hosting network that is not trusted.
--   A CA block is evaluated after the credential was accepted, so the sign-ins show that the
--   password (or token) in use works.
-- why: >-
--   Conditional Access stopped these attempts, but only at the last gate: whoever is retrying
--   holds a working credential and is probing for a location, device, client or app that the
--   policies do not cover. One uncovered path and they are in.
-- remediation: [reset_password, revoke_sessions, block_ip, ask_customer]
-- tables: [signins]
-- params:
--   min_blocks: 10
--   ratio: 5
--   min_countries: 2
-- false_positives:
--   - A new device or app rolled out to a user before it was made compliant (many blocks, one familiar network)
--   - A travelling user repeatedly blocked by a country policy
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/UserAccounts-CABlockedSigninSpikes.yaml
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts#monitoring-for-failed-unusual-sign-ins
--   - https://learn.microsoft.com/entra/identity/conditional-access/troubleshoot-conditional-access
-- ---
WITH events AS (
  SELECT id, time, user_principal_name, ip_address, country, app_display_name, client_app_used, category,
         COALESCE(ip_is_hosting, FALSE) AND NOT COALESCE(ip_is_trusted, FALSE) AS hosting,
         ip_hosting_provider,
         COALESCE(first_factor_ok, FALSE) AS first_factor_ok,
         CASE WHEN error_code = 53003 OR (conditional_access_status = 'failure' AND error_code <> 0) THEN 1 ELSE 0 END AS blocked,
         DIV(CAST(time AS BIGINT), 3600000000) AS hour
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
),
blocks AS (
  SELECT * FROM events WHERE blocked = 1
),
-- blocked sign-ins per 10-minute bucket, and in the hour (six buckets) starting at each bucket
buckets AS (
  SELECT user_principal_name, DIV(CAST(time AS BIGINT), 600000000) AS bucket, COUNT(*) AS c
  FROM blocks
  GROUP BY user_principal_name, DIV(CAST(time AS BIGINT), 600000000)
),
windows AS (
  SELECT a.user_principal_name, a.bucket AS anchor, SUM(b.c) AS n
  FROM buckets a
  JOIN buckets b ON a.user_principal_name = b.user_principal_name
  WHERE b.bucket >= a.bucket AND b.bucket < a.bucket + 6
  GROUP BY a.user_principal_name, a.bucket
),
dense AS (
  SELECT * FROM windows WHERE n >= {{min_blocks}}
),
-- dense windows that overlap (an anchor within an hour of the previous one) form one episode
marked AS (
  SELECT *,
         CASE WHEN LAG(anchor) OVER (PARTITION BY user_principal_name ORDER BY anchor) IS NULL THEN 1
              WHEN anchor - LAG(anchor) OVER (PARTITION BY user_principal_name ORDER BY anchor) >= 6 THEN 1
              ELSE 0 END AS opens
  FROM dense
),
numbered AS (
  SELECT *, SUM(opens) OVER (PARTITION BY user_principal_name ORDER BY anchor) AS episode
  FROM marked
),
-- an episode covers [first anchor, last anchor + 1 h) in microseconds, and the hours it touches
episodes AS (
  SELECT user_principal_name, episode,
         MIN(anchor) * 600000000 AS start_us,
         (MAX(anchor) + 6) * 600000000 AS end_us,
         MAX(n) AS peak,
         DIV(MIN(anchor), 6) AS start_hour,
         DIV(MAX(anchor) + 5, 6) AS end_hour
  FROM numbered
  GROUP BY user_principal_name, episode
),
-- the user's blocked sign-ins per active hour, and their median outside each episode
hourly AS (
  SELECT user_principal_name, hour, SUM(blocked) AS blocks
  FROM events
  GROUP BY user_principal_name, hour
),
outside AS (
  SELECT e.user_principal_name, e.episode, MEDIAN(CAST(h.blocks AS DOUBLE)) AS median_blocks,
         COUNT(*) AS other_hours
  FROM episodes e
  JOIN hourly h ON h.user_principal_name = e.user_principal_name
  WHERE h.hour < e.start_hour OR h.hour > e.end_hour
  GROUP BY e.user_principal_name, e.episode
),
spikes AS (
  SELECT e.*, COALESCE(o.median_blocks, 0) AS median_blocks, COALESCE(o.other_hours, 0) AS other_hours
  FROM episodes e
  LEFT JOIN outside o ON o.user_principal_name = e.user_principal_name AND o.episode = e.episode
  WHERE CAST(e.peak AS DOUBLE) >= {{ratio}} * COALESCE(o.median_blocks, 0)
),
evidence AS (
  SELECT s.user_principal_name, s.episode,
         MIN(b.time) AS first_seen,
         MAX(b.time) AS last_seen,
         COUNT(*) AS blocked_signins,
         COUNT(DISTINCT b.ip_address) AS ip_count,
         COUNT(DISTINCT b.country) AS country_count,
         MAX(CASE WHEN b.hosting THEN 1 ELSE 0 END) AS hosting,
         MAX(CASE WHEN b.first_factor_ok AND b.category = 'interactive' THEN 1 ELSE 0 END) AS password_ok,
         STRING_AGG(DISTINCT b.ip_address, ';' ORDER BY b.ip_address) AS ips,
         STRING_AGG(DISTINCT b.country, ';' ORDER BY b.country) AS countries,
         STRING_AGG(DISTINCT b.app_display_name, ';' ORDER BY b.app_display_name) AS apps,
         STRING_AGG(DISTINCT b.client_app_used, ';' ORDER BY b.client_app_used) AS client_apps,
         STRING_AGG(DISTINCT b.ip_hosting_provider, ';' ORDER BY b.ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(b.id) AS record_ids
  FROM spikes s
  JOIN blocks b ON b.user_principal_name = s.user_principal_name
  WHERE CAST(b.time AS BIGINT) >= s.start_us
    AND CAST(b.time AS BIGINT) < s.end_us
  GROUP BY s.user_principal_name, s.episode
)
SELECT v.first_seen,
       v.last_seen,
       v.user_principal_name AS principals,
       v.ips,
       v.blocked_signins AS evidence_count,
       CONCAT(v.user_principal_name, ': ', CAST(v.blocked_signins AS VARCHAR),
              ' sign-ins blocked by Conditional Access (peak ', CAST(s.peak AS VARCHAR), ' in one hour, against a median of ',
              CAST(ROUND(s.median_blocks, 1) AS VARCHAR), ' per active hour over ', CAST(s.other_hours AS VARCHAR),
              ' other hour(s)) from ', CAST(v.ip_count AS VARCHAR), ' IP(s) in ', CAST(v.country_count AS VARCHAR),
              ' country(ies) (', COALESCE(v.countries, '?'), ') to ', COALESCE(v.apps, '?'),
              CASE WHEN v.hosting = 1 THEN CONCAT('; hosting network ', COALESCE(v.hosting_providers, '')) ELSE '' END) AS summary,
       CASE WHEN v.country_count >= {{min_countries}} OR v.hosting = 1 THEN 'high' ELSE 'medium' END AS severity,
       v.password_ok = 1 AS access,
       v.record_ids,
       s.peak AS peak_per_hour,
       s.median_blocks AS usual_blocks_per_active_hour,
       v.countries,
       v.apps,
       v.client_apps,
       v.hosting_providers
FROM evidence v
JOIN spikes s ON s.user_principal_name = v.user_principal_name AND s.episode = v.episode
