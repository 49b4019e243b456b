-- ---
-- id: SUCC-THEN-FAIL
-- title: Success, then a failure from another network for the same user and app
-- kind: detection
-- severity: medium
-- techniques: [T1110, T1078.004]
-- tactics: [credential-access, initial-access]
-- description: >-
--   A successful sign-in (code 0) for an account and application, then within window_minutes
--   a failed sign-in for the same account, application and sign-in category from an IP
--   outside the success IP's /16 (first two octets; first two hextets for IPv6). Failures
--   with code 50140, the text "Other", or an interrupt code (50074, 50076 …: the portal shows
--   those as interrupted, not failed) are ignored, as are failing IPs on the trusted list and
--   the noisy apps Office 365 Exchange Online and Skype for Business Online, and failing IPs
--   on one of the account's usual networks (its own home or carrier). One finding per
--   account and failing IP.
-- why: >-
--   The account is in use from one network while another network is trying its password:
--   someone holds the username and a candidate password, or a stolen session is being
--   replayed beside the real user.
-- remediation: [reset_password, revoke_sessions, block_ip]
-- tables: [signins]
-- partition: user_principal_name   # per-user: runs in slices of users over spilled tables
-- params:
--   window_minutes: 10
-- false_positives:
--   - A user switching from office Wi-Fi to a mobile network and mistyping the password
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/SuccessThenFail_DiffIP_SameUserandApp.yaml
-- catalog: [SUCC-THEN-FAIL]
-- ---
WITH base AS (
  SELECT id, time, user_principal_name, app_display_name, category, ip_address, country, error_code,
         failure_reason, result, ip_is_trusted, asn_is_usual_for_user,
         -- the /16 (IPv4) or first two hextets (IPv6) of the client address
         CASE WHEN ip_address LIKE '%:%'
              THEN CONCAT(SPLIT_PART(ip_address, ':', 1), ':', SPLIT_PART(ip_address, ':', 2))
              ELSE CONCAT(SPLIT_PART(ip_address, '.', 1), '.', SPLIT_PART(ip_address, '.', 2))
         END AS block
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL AND ip_address IS NOT NULL
    AND COALESCE(app_display_name, '') NOT IN ('Office 365 Exchange Online', 'Skype for Business Online')
),
ok AS (
  SELECT * FROM base WHERE error_code = 0
),
bad AS (
  SELECT * FROM base
  WHERE result = 'failure' AND error_code <> 50140
    AND LOWER(COALESCE(failure_reason, '')) <> 'other'
    AND NOT ip_is_trusted
    -- the user's own network (home ISP, carrier): their phone mistyping, not a stranger
    AND NOT asn_is_usual_for_user
),
pairs AS (
  SELECT o.user_principal_name, o.app_display_name, o.id AS ok_id, o.time AS ok_time, o.ip_address AS ok_ip,
         o.country AS ok_country, b.id AS bad_id, b.time AS bad_time, b.ip_address AS bad_ip,
         b.country AS bad_country, b.error_code, b.failure_reason
  FROM ok o
  JOIN bad b ON o.user_principal_name = b.user_principal_name
            AND o.app_display_name = b.app_display_name
            AND o.category = b.category
  WHERE b.time > o.time
    AND CAST(b.time AS BIGINT) - CAST(o.time AS BIGINT) <= {{window_minutes}} * 60000000
    AND b.block <> o.block
),
per_pair AS (
  SELECT user_principal_name, bad_ip,
         MIN(ok_time) AS first_seen,
         MAX(bad_time) AS last_seen,
         COUNT(DISTINCT bad_id) AS failures,
         COUNT(DISTINCT ok_id) AS successes,
         STRING_AGG(DISTINCT ok_ip, ';') AS success_ips,
         ARRAY_AGG(DISTINCT ok_country) AS success_countries,
         MIN(bad_country) AS failed_country,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT failure_reason) AS failure_reasons,
         -- ';'-joined ids of both the successes and the failures
         CONCAT(STRING_AGG(DISTINCT ok_id, ';'), ';', STRING_AGG(DISTINCT bad_id, ';')) AS record_ids
  FROM pairs
  GROUP BY user_principal_name, bad_ip
)
SELECT first_seen, last_seen,
       user_principal_name AS principals,
       CONCAT(bad_ip, ';', success_ips) AS ips,
       failures + successes AS evidence_count,
       CONCAT(user_principal_name, ' signed in from ', success_ips, ' then failed ', CAST(failures AS VARCHAR),
              ' time(s) from ', bad_ip, ' (', COALESCE(failed_country, '?'), ') within ',
              CAST({{window_minutes}} AS VARCHAR), ' min') AS summary,
       record_ids,
       bad_ip AS failed_ip, failed_country, success_ips, success_countries, apps, error_codes, failure_reasons
FROM per_pair
