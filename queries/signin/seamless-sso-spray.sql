-- ---
-- id: SSSO-SPRAY
-- title: Password spray against Seamless SSO (autologon)
-- kind: detection
-- severity: medium
-- techniques: [T1110.003]
-- tactics: [credential-access]
-- description: >-
--   Sign-ins failing with a Seamless SSO / Kerberos error (codes starting with 81, e.g.
--   81016) for more than user_threshold distinct accounts with the same code in one UTC
--   hour. One finding per code and day, listing the source IPs. High when a targeted account
--   shows a code meaning its password worked (first_factor_ok) from one of those IPs. Only
--   attempts against existing accounts are logged, so every targeted account is valid.
--   All sign-in categories are read, not only non-interactive ones.
-- why: >-
--   The autologon endpoint (o365spray, MSOLSpray forks) validates passwords without the
--   usual interactive sign-in; a burst of 81xxx errors across accounts is a spray that the
--   ordinary password-spray rules do not see.
-- remediation: [block_ip, reset_password, review_configuration]
-- tables: [signins]
-- params:
--   user_threshold: 5
-- false_positives:
--   - A Kerberos or clock problem on the AZUREADSSOACC computer account failing for many domain users at once
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/SeamlessSSOPasswordSpray.yaml
--   - https://github.com/0xZDH/o365spray
-- catalog: [SSSO-SPRAY]
-- ---
WITH sso AS (
  SELECT id, time, user_principal_name, ip_address, error_code, failure_reason, category, country,
         DIV(CAST(time AS BIGINT), 3600000000) AS hour,
         STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE CAST(error_code AS VARCHAR) LIKE '81%'
    AND user_principal_name IS NOT NULL
),
-- accounts per code and hour, kept on each row (window functions keep the plan shallow)
counted AS (
  SELECT *,
         COUNT(DISTINCT user_principal_name) OVER (PARTITION BY error_code, hour) AS hour_users
  FROM sso
),
hits AS (
  SELECT *, MIN(time) OVER (PARTITION BY error_code, day) AS spray_start
  FROM counted
  WHERE hour_users > {{user_threshold}}
),
per_day AS (
  SELECT error_code, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS attempts,
         COUNT(DISTINCT user_principal_name) AS targeted,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         ARRAY_AGG(DISTINCT ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         MIN(failure_reason) AS failure_reason,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT category) AS categories
  FROM hits
  GROUP BY error_code, day
),
-- a targeted account whose password worked from one of the spraying IPs
validated AS (
  SELECT h.error_code, h.day,
         COUNT(DISTINCT s.user_principal_name) AS validated,
         ARRAY_AGG(DISTINCT s.user_principal_name) AS principals,
         MAX(s.time) AS last_validated
  FROM hits h
  JOIN signins s ON s.user_principal_name = h.user_principal_name AND s.ip_address = h.ip_address
  WHERE s.first_factor_ok AND s.time >= h.spray_start
  GROUP BY h.error_code, h.day
)
SELECT p.first_seen,
       CASE WHEN v.last_validated > p.last_seen THEN v.last_validated ELSE p.last_seen END AS last_seen,
       v.principals,
       p.ips,
       p.attempts AS evidence_count,
       CONCAT('Seamless SSO spray: ', CAST(p.attempts AS VARCHAR), ' sign-ins failing with ',
              CAST(p.error_code AS VARCHAR), ' against ', CAST(p.targeted AS VARCHAR), ' accounts from ',
              CAST(p.ip_count AS VARCHAR), ' IP(s) on ', p.day, '; password validated for ',
              CAST(COALESCE(v.validated, 0) AS VARCHAR)) AS summary,
       CASE WHEN COALESCE(v.validated, 0) > 0 THEN 'high' ELSE 'medium' END AS severity,
       p.error_code, p.failure_reason, p.targeted, p.targeted_users, p.ip_count, p.countries, p.categories
FROM per_day p
LEFT JOIN validated v ON p.error_code = v.error_code AND p.day = v.day
