-- ---
-- id: APP-PROBING
-- title: Account probing many applications within an hour
-- kind: hunt
-- severity: medium
-- techniques: [T1526, T1078.004]
-- tactics: [discovery]
-- description: >-
--   Per account and hour: interactive sign-ins refused on at least min_apps distinct
--   applications with the same reason, either Conditional Access (53003) or "user not assigned
--   to the application" (50105). Both codes come after the password was accepted, so the
--   account's credentials work; someone is walking through the app catalogue to see what
--   the account can reach.
-- why: >-
--   After a compromise, attackers (and tools such as MFASweep or TeamFiltration) try many
--   applications to find one whose policy lets them in. A real user rarely hits the same
--   wall on several apps within an hour.
-- remediation: [reset_password, revoke_sessions]
-- tables: [signins]
-- params:
--   min_apps: 3
-- false_positives:
--   - A user on a new, non-compliant device opening several Office apps that all require a compliant device
-- references:
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-PotentialAppRecon.kql
-- catalog: [APP-PROBING]
-- ---
WITH refused AS (
  SELECT id, time, user_principal_name, ip_address, app_display_name, app_id, error_code, country,
         DIV(CAST(time AS BIGINT), 3600000000) AS hour_bucket
  FROM signins
  WHERE category = 'interactive'
    AND error_code IN (53003, 50105)
    AND user_principal_name IS NOT NULL
),
per_hour AS (
  SELECT user_principal_name,
         hour_bucket,
         error_code,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT COALESCE(app_id, app_display_name)) AS app_count,
         STRING_AGG(DISTINCT app_display_name, ', ' ORDER BY app_display_name) AS app_list,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(id) AS record_ids
  FROM refused
  GROUP BY user_principal_name, hour_bucket, error_code
  HAVING COUNT(DISTINCT COALESCE(app_id, app_display_name)) >= {{min_apps}}
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' was refused on ', CAST(app_count AS VARCHAR), ' applications within one hour (',
              STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' to ', STRFTIME(last_seen, '%H:%M'), ' UTC) with ',
              CASE WHEN error_code = 53003 THEN '53003 blocked by Conditional Access' ELSE '50105 user not assigned to the app' END,
              ': ', app_list, '; from ', REPLACE(COALESCE(ips, 'an unknown IP'), ';', ', ')) AS summary,
       record_ids,
       error_code,
       app_count,
       app_list AS apps,
       countries
FROM per_hour
