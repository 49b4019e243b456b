-- ---
-- id: SPRAY-IP
-- title: Password spray from one IP
-- kind: detection
-- severity: medium
-- techniques: [T1110.003]
-- tactics: [credential-access]
-- description: >-
--   One IP fails password sign-ins (50126 bad password, 50053 locked, 50055 expired) for at
--   least min_users distinct accounts within a window_minutes bucket. Escalates to high when
--   any account shows, from that IP after the spray began, a code that means its password
--   worked (success, MFA interrupt, CA block), whether or not it also failed: a spray tries
--   one password per account, so its victims usually have a success and no failure. Those
--   accounts are the principals.
-- why: >-
--   Spraying one common password across many accounts evades lockout. Every account whose
--   password validated from the spraying IP must be treated as compromised.
-- remediation: [block_ip, reset_password, revoke_sessions, confirm_compromised]
-- tables: [signins]
-- params:
--   window_minutes: 20
--   min_users: 5
-- false_positives:
--   - A shared office NAT where several users mistype passwords in the same minutes (list it in trusted_ips)
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-password-spray
-- catalog: [SPRAY-IP]
-- ---
WITH fails AS (
  SELECT ip_address, user_principal_name, time, id, asn, country, app_display_name,
         DIV(CAST(time AS BIGINT), {{window_minutes}} * 60000000) AS bucket
  FROM signins
  WHERE error_code IN (50126, 50053, 50055)
    AND ip_address IS NOT NULL AND user_principal_name IS NOT NULL
    AND NOT ip_is_trusted
),
sprays AS (
  SELECT ip_address, bucket
  FROM fails
  GROUP BY ip_address, bucket
  HAVING COUNT(DISTINCT user_principal_name) >= {{min_users}}
),
hits AS (
  SELECT f.* FROM fails f
  JOIN sprays s ON f.ip_address = s.ip_address AND f.bucket = s.bucket
),
spray_start AS (
  SELECT ip_address, MIN(time) AS started FROM hits GROUP BY ip_address
),
-- every account whose password was right from the spraying source after the spray began
-- (success, MFA interrupt, CA block): a real spray tries one password per account, so the
-- accounts it breaks usually show one success and no failure
validated AS (
  SELECT s.ip_address, s.user_principal_name, MIN(s.time) AS validated_at
  FROM signins s
  JOIN spray_start p ON s.ip_address = p.ip_address
  WHERE s.first_factor_ok AND s.time >= p.started AND s.user_principal_name IS NOT NULL
  GROUP BY s.ip_address, s.user_principal_name
),
per_ip AS (
  SELECT ip_address,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT user_principal_name) AS targeted,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         MIN(asn) AS asn,
         MIN(country) AS country
  FROM hits
  GROUP BY ip_address
),
wins AS (
  SELECT ip_address, ARRAY_AGG(DISTINCT user_principal_name) AS principals,
         STRING_AGG(DISTINCT user_principal_name, ', ' ORDER BY user_principal_name) AS validated_list,
         COUNT(DISTINCT user_principal_name) AS validated, MAX(validated_at) AS last_validated
  FROM validated
  GROUP BY ip_address
)
SELECT p.first_seen,
       CASE WHEN w.last_validated > p.last_seen THEN w.last_validated ELSE p.last_seen END AS last_seen,
       w.principals,
       p.ip_address AS ips,
       p.evidence_count,
       CONCAT('spray from ', p.ip_address, ': ', CAST(p.evidence_count AS VARCHAR), ' failed sign-ins against ',
              CAST(p.targeted AS VARCHAR), ' accounts; password validated for ',
              CAST(COALESCE(w.validated, 0) AS VARCHAR),
              CASE WHEN w.validated_list IS NULL THEN '' ELSE CONCAT(' (', w.validated_list, ')') END) AS summary,
       CASE WHEN COALESCE(w.validated, 0) > 0 THEN 'high' ELSE 'medium' END AS severity,
       p.targeted, p.targeted_users, p.apps, p.asn, p.country
FROM per_ip p
LEFT JOIN wins w ON p.ip_address = w.ip_address
