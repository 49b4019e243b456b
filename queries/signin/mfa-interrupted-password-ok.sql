-- ---
-- id: MFA-INTERRUPT
-- title: Password accepted but MFA never completed
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Sign-ins stopped at the second factor after the password was accepted: 50074 (strong
--   authentication required), 500121 (strong authentication failed), 50158 (external
--   challenge not satisfied), 50097 (device authentication required) or 50155 (device
--   authentication failed). An interrupt counts only if the same account has no successful
--   sign-in from the same IP within completion_minutes after it (the normal MFA flow starts
--   with a 50074), and trusted IPs are ignored. Per account and UTC day: any such interrupt
--   on a privileged or break-glass account is high; otherwise medium from min_interrupts.
-- why: >-
--   The password is known to whoever started these sign-ins and only MFA stopped them; from
--   an unknown network, the password has leaked.
-- remediation: [reset_password, revoke_sessions]
-- tables: [signins]
-- params:
--   completion_minutes: 10
--   min_interrupts: 3
-- false_positives:
--   - A user who started a sign-in on a new device and gave up at the MFA prompt
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/signin_logs/azure_mfa_interrupted.yml
-- catalog: [MFA-INTERRUPT]
-- ---
WITH interrupts AS (
  SELECT id, time, user_principal_name, ip_address, error_code, app_display_name, country,
         user_is_privileged OR user_is_break_glass AS privileged
  FROM signins
  WHERE error_code IN (50074, 500121, 50158, 50097, 50155)
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND NOT ip_is_trusted
),
-- interrupts the user went on to complete from the same IP
completed AS (
  SELECT DISTINCT i.id
  FROM interrupts i
  JOIN signins s ON s.user_principal_name = i.user_principal_name AND s.ip_address = i.ip_address
  WHERE s.result = 'success'
    AND s.time >= i.time
    AND CAST(s.time AS BIGINT) - CAST(i.time AS BIGINT) <= {{completion_minutes}} * 60000000
),
open_interrupts AS (
  SELECT i.* FROM interrupts i
  LEFT JOIN completed c ON i.id = c.id
  WHERE c.id IS NULL
),
per_day AS (
  SELECT user_principal_name, STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS interrupts,
         MAX(CASE WHEN privileged THEN 1 ELSE 0 END) AS privileged,
         STRING_AGG(DISTINCT ip_address, ';') AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(id) AS record_ids
  FROM open_interrupts
  GROUP BY user_principal_name, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen, last_seen,
       user_principal_name AS principals,
       ips,
       interrupts AS evidence_count,
       CONCAT(CASE WHEN privileged = 1 THEN 'privileged account ' ELSE '' END, user_principal_name, ': ',
              CAST(interrupts AS VARCHAR), ' sign-in(s) on ', day, ' passed the password but never completed MFA, from ',
              CAST(ip_count AS VARCHAR), ' IP(s)') AS summary,
       CASE WHEN privileged = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       privileged = 1 AS is_privileged, error_codes, apps, countries
FROM per_day
WHERE privileged = 1 OR interrupts >= {{min_interrupts}}
