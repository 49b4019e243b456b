-- ---
-- id: NEW-COUNTRY
-- title: Successful sign-in from a country new to the tenant
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   A user signs in successfully (interactive or non-interactive) from a country from which
--   at most max_country_users users of the tenant (default 1: only this user) signed in
--   successfully in the whole export, from an untrusted IP. To skip people who simply live
--   there, the same user must also have succeeded from a country the tenant shares (at
--   least home_country_users users). One finding per user and country. High when the IP is
--   a hosting network or intel-listed or the user is privileged; low when every sign-in from
--   that country came from a managed or compliant device (a travelling employee's laptop);
--   medium otherwise. An offline export has no prior 14 days, so "new" means rare within
--   the export; the catalog's Azure service-tag exclusion needs a list we do not have.
-- why: >-
--   Attackers replay stolen passwords and tokens from wherever their infrastructure is.
--   A first-ever success from a country nobody else in the tenant works from is one of the
--   strongest simple signs of account takeover.
-- remediation: [revoke_sessions, reset_password, ask_customer, block_ip]
-- tables: [signins]
-- params:
--   max_country_users: 1
--   home_country_users: 2
-- false_positives:
--   - Employees travelling to or working from a country no colleague uses (low when on a managed device)
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SigninLogs/AuthenticationAttemptfromNewCountry.yaml
-- catalog: [NEW-COUNTRY]
-- ---
WITH successes AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND result = 'success'
    AND country IS NOT NULL AND user_principal_name IS NOT NULL
),
-- how many users of the tenant succeeded from each country (trusted egress included)
country_users AS (
  SELECT country, COUNT(DISTINCT user_principal_name) AS users
  FROM successes
  GROUP BY country
),
-- users who also work from a country the tenant shares: their "home"
anchored_users AS (
  SELECT DISTINCT s.user_principal_name
  FROM successes s
  JOIN country_users c ON s.country = c.country
  WHERE c.users >= {{home_country_users}}
),
hits AS (
  SELECT s.*, c.users AS country_user_count
  FROM successes s
  JOIN country_users c ON s.country = c.country
  JOIN anchored_users a ON s.user_principal_name = a.user_principal_name
  WHERE c.users <= {{max_country_users}}
    AND NOT s.ip_is_trusted
),
per_user_country AS (
  SELECT user_principal_name, country,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT city) AS cities,
         ARRAY_AGG(DISTINCT asn) AS asns,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT category) AS categories,
         MIN(country_user_count) AS country_user_count,
         MAX(CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR user_is_privileged THEN 1 ELSE 0 END) AS escalate,
         MIN(CASE WHEN COALESCE(device_is_managed, FALSE) OR COALESCE(device_is_compliant, FALSE) THEN 1 ELSE 0 END) AS all_managed,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, country
)
SELECT first_seen, last_seen, user_principal_name AS principals, ips, evidence_count,
       CONCAT(user_principal_name, ' signed in successfully from ', country, ' (', CAST(evidence_count AS VARCHAR),
              ' sign-in(s) from ', CAST(ip_count AS VARCHAR), ' IP(s)); users of the tenant with a success from ', country,
              ' in the export: ', CAST(country_user_count AS VARCHAR)) AS summary,
       CASE WHEN escalate = 1 THEN 'high' WHEN all_managed = 1 THEN 'low' ELSE 'medium' END AS severity,
       record_ids, country, country_user_count, cities, asns, hosting_providers, apps, user_agents, categories
FROM per_user_country
