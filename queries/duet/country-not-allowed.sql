-- ---
-- id: DUET-COUNTRY
-- title: Sign-in from a country outside the allowed list
-- kind: duet
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Interactive and non-interactive user sign-ins whose country is not in the policy's
--   allowed_countries, from IPs outside trusted_ips. One question per user and country over
--   the window; guests (#EXT#) are left out. Medium when at least one of those sign-ins had
--   the password accepted (success, or an MFA / Conditional Access interrupt after a correct
--   password); low when every attempt failed. Failed attempts from an IP that fails against
--   at least spray_min_users accounts are left to the spray detections. Silent without an
--   allowed_countries list and for sign-ins without a country.
-- why: >-
--   A sign-in from a country the customer does not operate in is travel, a VPN, or someone
--   else holding the account's password or tokens. Only the customer can tell which.
-- remediation: [ask_customer, revoke_sessions, reset_password, block_ip]
-- tables: [signins]
-- params:
--   spray_min_users: 5
-- false_positives:
--   - Staff travelling or working abroad
--   - Personal or corporate VPNs egressing in another country (add corporate egress to trusted_ips)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://github.com/SigmaHQ/sigma/blob/master/rules-placeholder/cloud/azure/azure_ad_authentications_from_countries_you_do_not_operate_out_of.yml
-- catalog: [DUET-COUNTRY]
-- ---
WITH abroad AS (
  -- country_allowed is null without a policy list or without a country: never a question
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND country_allowed = FALSE
    AND NOT ip_is_trusted
    AND user_principal_name IS NOT NULL
    -- guests sign in from their own organisation's countries
    AND COALESCE(user_type, 'member') <> 'guest' AND user_principal_name NOT LIKE '%#ext#%'
),
spray_sources AS (
  -- IPs failing against many accounts are password sprays (SPRAY-IP), not a question per account
  SELECT ip_address, 1 AS spray
  FROM abroad
  WHERE NOT first_factor_ok AND ip_address IS NOT NULL
  GROUP BY ip_address
  HAVING COUNT(DISTINCT user_principal_name) >= {{spray_min_users}}
),
kept AS (
  SELECT a.*
  FROM abroad a
  LEFT JOIN spray_sources s ON a.ip_address = s.ip_address
  WHERE a.first_factor_ok OR s.spray IS NULL
),
per_user AS (
  SELECT user_principal_name,
         country,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         SUM(CASE WHEN first_factor_ok THEN 1 ELSE 0 END) AS password_accepted,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT city, ', ' ORDER BY city) AS city_list,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT asn) AS asns,
         ARRAY_AGG(DISTINCT category) AS categories,
         ARRAY_AGG(id) AS record_ids
  FROM kept
  GROUP BY user_principal_name, country
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ': ', CAST(evidence_count AS VARCHAR), ' sign-in(s) from ', country,
              CASE WHEN city_list IS NULL THEN '' ELSE CONCAT(' (', city_list, ')') END,
              ', outside the allowed countries,',
              CASE WHEN first_seen = last_seen THEN CONCAT(' on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC')
                   ELSE CONCAT(' between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC') END,
              ': ', CAST(successes AS VARCHAR), ' successful, ', CAST(evidence_count - successes AS VARCHAR), ' unsuccessful',
              CASE WHEN password_accepted > successes
                   THEN CONCAT(' (', CAST(password_accepted - successes AS VARCHAR), ' of them after a correct password)') ELSE '' END,
              ', from ',
              CASE WHEN ip_count <= 3 THEN REPLACE(ips, ';', ', ') ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END) AS summary,
       CASE WHEN password_accepted > 0 THEN 'medium' ELSE 'low' END AS severity,
       record_ids,
       country,
       city_list AS cities,
       successes,
       password_accepted,
       apps,
       asns,
       categories
FROM per_user
