-- ---
-- id: DISABLED-IP
-- title: IP tries disabled accounts and signs in to others
-- kind: detection
-- severity: medium
-- techniques: [T1078.004, T1110.004]
-- tactics: [initial-access, credential-access]
-- description: >-
--   One IP fails user sign-ins with 50057 (account disabled) for one or more accounts. The
--   same IP's successful sign-ins (code 0) by other accounts are counted; an IP with
--   max_successful_users or more successful accounts is taken for a shared egress and dropped.
--   Fires when disabled accounts / successful accounts >= min_ratio; an IP with no successful
--   account at all fires too (Sentinel's source rule requires at least one). Trusted IPs are
--   ignored. The accounts that signed in successfully from that IP are the principals.
--   Medium when the IP tried at least min_disabled disabled accounts (a credential list),
--   other accounts signed in from it, or it is a hosting / intel-listed network; low when it
--   is one disabled account from an ordinary network and nobody else: a leaver's phone or
--   mail client retrying for days looks exactly like that.
-- why: >-
--   Sign-in attempts against accounts that were disabled (leavers, retired service accounts)
--   mean someone is replaying an old credential list; the other accounts that signed in
--   from the same address probably come from the same list and must be treated as
--   compromised.
-- remediation: [block_ip, reset_password, revoke_sessions]
-- tables: [signins]
-- params:
--   max_successful_users: 50
--   min_ratio: 0.5
--   min_disabled: 2
-- false_positives:
--   - A leaver's phone or mail client that keeps retrying from a small office or home network shared with active users
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/SigninAttemptsByIPviaDisabledAccounts.yaml
--   - https://learn.microsoft.com/entra/identity-platform/reference-error-codes
-- catalog: [DISABLED-IP]
-- ---
WITH disabled AS (
  -- 50057 is "User account is disabled" whatever the failure text says
  SELECT id, time, ip_address, user_principal_name, app_display_name, country,
         ip_is_hosting OR ip_intel IS NOT NULL AS risky_ip
  FROM signins
  WHERE error_code = 50057
    AND category IN ('interactive', 'non_interactive')
    AND ip_address IS NOT NULL AND user_principal_name IS NOT NULL
    AND NOT ip_is_trusted
),
disabled_users AS (
  SELECT DISTINCT user_principal_name FROM disabled
),
per_ip AS (
  SELECT ip_address,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS attempts,
         COUNT(DISTINCT user_principal_name) AS disabled_count,
         ARRAY_AGG(DISTINCT user_principal_name) AS disabled_accounts,
         ARRAY_AGG(DISTINCT app_display_name) AS disabled_apps,
         ARRAY_AGG(id) AS record_ids,
         MIN(country) AS country,
         MAX(CASE WHEN risky_ip THEN 1 ELSE 0 END) AS risky_ip
  FROM disabled
  GROUP BY ip_address
),
-- successful user sign-ins from the same IPs by accounts that are not the disabled ones
successes AS (
  SELECT s.ip_address, s.user_principal_name, s.app_display_name, s.time
  FROM signins s
  JOIN per_ip p ON s.ip_address = p.ip_address
  WHERE s.result = 'success'
    AND s.category IN ('interactive', 'non_interactive')
    AND s.user_principal_name IS NOT NULL
    AND s.user_principal_name NOT IN (SELECT user_principal_name FROM disabled_users)
),
success_per_ip AS (
  SELECT ip_address,
         COUNT(DISTINCT user_principal_name) AS successful_count,
         ARRAY_AGG(DISTINCT user_principal_name) AS successful_accounts,
         ARRAY_AGG(DISTINCT app_display_name) AS successful_apps,
         MIN(time) AS first_success,
         MAX(time) AS last_success
  FROM successes
  GROUP BY ip_address
),
scored AS (
  SELECT p.*,
         COALESCE(w.successful_count, 0) AS successful_count,
         w.successful_accounts, w.successful_apps, w.first_success, w.last_success
  FROM per_ip p
  LEFT JOIN success_per_ip w ON p.ip_address = w.ip_address
)
SELECT CASE WHEN first_success < first_seen THEN first_success ELSE first_seen END AS first_seen,
       CASE WHEN last_success > last_seen THEN last_success ELSE last_seen END AS last_seen,
       successful_accounts AS principals,
       ip_address AS ips,
       attempts AS evidence_count,
       CONCAT(ip_address, ' tried ', CAST(disabled_count AS VARCHAR), ' disabled account(s) ',
              CAST(attempts AS VARCHAR), ' time(s); ', CAST(successful_count AS VARCHAR),
              ' other account(s) signed in successfully from it') AS summary,
       CASE WHEN disabled_count >= {{min_disabled}} OR successful_count > 0 OR risky_ip = 1 THEN 'medium'
            ELSE 'low' END AS severity,
       record_ids,
       disabled_count, disabled_accounts, disabled_apps,
       successful_count, successful_apps, country
FROM scored
WHERE successful_count < {{max_successful_users}}
  AND (successful_count = 0 OR CAST(disabled_count AS DOUBLE) / successful_count >= {{min_ratio}})
