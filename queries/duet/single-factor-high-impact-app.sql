-- ---
-- id: DUET-SFA-HBI
-- title: Single-factor sign-in to a high-impact application
-- kind: duet
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Successful interactive sign-ins that satisfied only single-factor authentication, to an
--   application whose app id is in the policy's high_impact_apps. One question per user and
--   application over the window. Silent without a high_impact_apps list.
-- why: >-
--   The customer named these applications as the ones that matter most. A password alone
--   opening them means a stolen password is enough; the customer should confirm the access
--   and require MFA for the app.
-- remediation: [ask_customer, review_configuration]
-- tables: [signins]
-- false_positives:
--   - Sign-ins from compliant or hybrid-joined devices that Conditional Access deliberately exempts from MFA
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://github.com/SigmaHQ/sigma/blob/master/rules-placeholder/cloud/azure/azure_ad_auth_to_important_apps_using_single_factor_auth.yml
-- catalog: [DUET-SFA-HBI]
-- ---
WITH sfa AS (
  SELECT * FROM signins
  WHERE category = 'interactive'
    AND result = 'success'
    AND authentication_requirement = 'singleFactorAuthentication'
    AND app_is_high_impact
    AND user_principal_name IS NOT NULL
),
per_app AS (
  SELECT user_principal_name,
         app_id,
         MIN(app_display_name) AS app_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT client_app_used) AS client_apps,
         ARRAY_AGG(DISTINCT conditional_access_status) AS ca_statuses,
         ARRAY_AGG(DISTINCT device_is_compliant) AS device_compliant,
         ARRAY_AGG(id) AS record_ids
  FROM sfa
  GROUP BY user_principal_name, app_id
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' signed in to high-impact app ', COALESCE(app_name, app_id),
              ' with a single factor ', CAST(evidence_count AS VARCHAR), ' time(s)',
              CASE WHEN first_seen = last_seen THEN CONCAT(' on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC')
                   ELSE CONCAT(' between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC') END,
              ' from ',
              CASE WHEN ip_count <= 3 THEN REPLACE(ips, ';', ', ') ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END) AS summary,
       record_ids,
       app_id,
       app_name,
       countries,
       client_apps,
       ca_statuses,
       device_compliant
FROM per_app
