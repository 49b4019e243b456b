-- ---
-- id: DUET-OFFHOURS
-- title: Interactive sign-in at an unusual hour from an unusual network
-- kind: duet
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Successful interactive sign-ins at an hour the user does not normally work, from an IP
--   that is neither trusted nor one the user signs in from at their normal hours. The user's
--   rhythm is every successful interactive and non-interactive sign-in in the window: with at
--   least min_baseline_signins of them, an hour is unusual when the user's successes in that
--   hour and the hour either side make up less than max_usual_share of the total (a per-user
--   hour-of-day baseline that copes with several time zones and shift work). With less
--   history the tenant working window applies: local hour before work_start_hour or from
--   work_end_hour on, or a Saturday / Sunday when weekend_is_off_hours (local time = UTC +
--   utc_offset_hours, a fixed offset without daylight saving). The network test keeps out the
--   user's own late evenings at home. Guests (#EXT#) are left out. One question per user and
--   local day; high for privileged users, low otherwise.
-- why: >-
--   Attackers using a stolen password often sign in while the owner sleeps, from their own
--   infrastructure. The owner knows whether a 03:00 sign-in from an unknown network was theirs.
-- remediation: [ask_customer, revoke_sessions, reset_password]
-- tables: [signins]
-- params:
--   min_baseline_signins: 30
--   max_usual_share: 0.1
--   utc_offset_hours: 0
--   work_start_hour: 7
--   work_end_hour: 19
--   weekend_is_off_hours: true
-- false_positives:
--   - On-call staff working from a hotel or a new network at night
--   - People travelling across time zones
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/UserAccounts-UnusualLogonTimes.yaml
-- catalog: [DUET-OFFHOURS]
-- ---
WITH activity AS (
  -- the user's rhythm: every successful interactive and non-interactive sign-in
  SELECT id, time, category, user_principal_name, ip_address, country, app_display_name,
         ip_is_trusted, user_is_privileged,
         DATE_PART('hour', time) AS utc_hour,
         CAST(time AS BIGINT) + CAST({{utc_offset_hours}} * 3600000000 AS BIGINT) AS local_us
  FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND result = 'success' AND user_principal_name IS NOT NULL
    -- guests work to their own organisation's hours; the customer cannot vouch for them
    AND COALESCE(user_type, 'member') <> 'guest' AND user_principal_name NOT LIKE '%#ext#%'
),
hour_counts AS (
  SELECT user_principal_name, utc_hour, COUNT(*) AS n
  FROM activity
  GROUP BY user_principal_name, utc_hour
),
totals AS (
  SELECT user_principal_name, COUNT(*) AS user_successes
  FROM activity
  GROUP BY user_principal_name
),
bands AS (
  -- successes in each active hour and the hour either side (wrapping at midnight)
  SELECT a.user_principal_name, a.utc_hour, SUM(b.n) AS band_successes
  FROM hour_counts a
  JOIN hour_counts b ON a.user_principal_name = b.user_principal_name
  WHERE MOD(b.utc_hour - a.utc_hour + 24, 24) IN (0, 1, 23)
  GROUP BY a.user_principal_name, a.utc_hour
),
judged AS (
  -- 1970-01-01 was a Thursday: ISO weekday = (days since epoch + 3) mod 7 + 1
  SELECT a.*, t.user_successes, x.band_successes,
         DIV(a.local_us, 86400000000) AS local_day,
         t.user_successes >= {{min_baseline_signins}} AS by_baseline,
         CASE WHEN t.user_successes >= {{min_baseline_signins}}
              THEN x.band_successes < t.user_successes * {{max_usual_share}}
              ELSE (MOD(DIV(a.local_us, 3600000000), 24) < {{work_start_hour}}
                    OR MOD(DIV(a.local_us, 3600000000), 24) >= {{work_end_hour}}
                    OR ({{weekend_is_off_hours}} AND MOD(DIV(a.local_us, 86400000000) + 3, 7) + 1 >= 6))
         END AS unusual
  FROM activity a
  JOIN totals t ON a.user_principal_name = t.user_principal_name
  JOIN bands x ON a.user_principal_name = x.user_principal_name AND a.utc_hour = x.utc_hour
),
usual_networks AS (
  -- IPs the user signs in from at normal hours: their office, home, phone carrier
  SELECT DISTINCT user_principal_name, ip_address, 1 AS usual
  FROM judged
  WHERE NOT unusual AND ip_address IS NOT NULL
),
hits AS (
  SELECT j.*
  FROM judged j
  LEFT JOIN usual_networks u ON j.user_principal_name = u.user_principal_name AND j.ip_address = u.ip_address
  WHERE j.category = 'interactive' AND j.unusual AND NOT j.ip_is_trusted AND u.usual IS NULL
),
per_day AS (
  SELECT user_principal_name,
         local_day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         MIN(local_us) AS first_local,
         MAX(local_us) AS last_local,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT country, ', ' ORDER BY country) AS country_list,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged,
         MAX(CASE WHEN by_baseline THEN 1 ELSE 0 END) AS baseline,
         MIN(user_successes) AS user_successes,
         MAX(band_successes) AS successes_in_that_band,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, local_day
),
shaped AS (
  SELECT *, CAST(first_local AS TIMESTAMP) AS first_local_time, CAST(last_local AS TIMESTAMP) AS last_local_time
  FROM per_day
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' signed in ', CAST(evidence_count AS VARCHAR), ' time(s) on ',
              STRFTIME(first_local_time, '%a %Y-%m-%d'),
              CASE WHEN first_local = last_local THEN CONCAT(' at ', STRFTIME(first_local_time, '%H:%M'))
                   ELSE CONCAT(' between ', STRFTIME(first_local_time, '%H:%M'), ' and ', STRFTIME(last_local_time, '%H:%M')) END,
              ' (UTC', CASE WHEN {{utc_offset_hours}} >= 0 THEN '+' ELSE '' END, CAST({{utc_offset_hours}} AS VARCHAR), ')',
              CASE WHEN baseline = 1
                   THEN CONCAT(', around an hour holding ', CAST(successes_in_that_band AS VARCHAR), ' of the user''s ',
                               CAST(user_successes AS VARCHAR), ' successful sign-ins')
                   ELSE CONCAT(', outside the tenant''s working hours (weekdays ', LPAD(CAST({{work_start_hour}} AS VARCHAR), 2, '0'), ':00-',
                               LPAD(CAST({{work_end_hour}} AS VARCHAR), 2, '0'), ':00)') END,
              ', from ', REPLACE(ips, ';', ', '),
              CASE WHEN country_list IS NULL THEN '' ELSE CONCAT(' (', country_list, ')') END,
              ', a network the user does not use at normal hours',
              CASE WHEN privileged = 1 THEN '; the account is privileged' ELSE '' END) AS summary,
       CASE WHEN privileged = 1 THEN 'high' ELSE 'low' END AS severity,
       record_ids,
       apps,
       country_list AS countries,
       user_successes,
       successes_in_that_band,
       baseline = 1 AS judged_by_user_baseline
FROM shaped
