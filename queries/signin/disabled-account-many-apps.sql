-- ---
-- id: DISABLED-APPS
-- title: Disabled account tried against many applications
-- kind: detection
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Sign-ins failing with 50057 (account disabled) for one account from one IP against at
--   least min_apps distinct applications on the same UTC day.
-- why: >-
--   A leaver's device retries one or two apps; someone cycling a disabled account through
--   many applications is testing a stolen credential for anything that still works.
-- remediation: [ask_customer, block_ip]
-- tables: [signins]
-- access: targeted
-- params:
--   min_apps: 3
-- false_positives:
--   - A leaver's laptop with Office still signed in, retrying Outlook, Teams and OneDrive
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/DisabledAccountSigninsAcrossManyApplications.yaml
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
-- catalog: [DISABLED-APPS]
-- ---
WITH disabled AS (
  SELECT id, time, user_principal_name, ip_address, app_display_name, country, city,
         STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE error_code = 50057 AND user_principal_name IS NOT NULL
),
per_pair AS (
  SELECT user_principal_name, ip_address, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS attempts,
         COUNT(DISTINCT app_display_name) AS app_count,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         MIN(country) AS country,
         MIN(city) AS city,
         ARRAY_AGG(id) AS record_ids
  FROM disabled
  GROUP BY user_principal_name, ip_address, day
  HAVING COUNT(DISTINCT app_display_name) >= {{min_apps}}
)
SELECT first_seen, last_seen,
       user_principal_name AS principals,
       ip_address AS ips,
       attempts AS evidence_count,
       CONCAT('disabled account ', user_principal_name, ' tried ', CAST(app_count AS VARCHAR), ' applications ',
              CAST(attempts AS VARCHAR), ' time(s) from ', COALESCE(ip_address, 'an unknown IP'), ' on ', day) AS summary,
       record_ids,
       app_count, apps, country, city
FROM per_pair
