-- ---
-- id: SFA-ANOMALY
-- title: Single-factor sign-in from a new network and place without a device
-- kind: detection
-- severity: low
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   A successful interactive sign-in that required only a single factor, carries no device
--   id, comes from an untrusted IP, and whose ASN and country-state were both never seen in
--   a successful sign-in (interactive or non-interactive) of that user before the day of the
--   sign-in. The user must have a successful sign-in on an earlier day of the export (a
--   baseline), so the first day of an export does not fire on everything. One finding per
--   user, day and ASN.
-- why: >-
--   A password-only sign-in from an unknown device, network and region is exactly what a
--   stolen password looks like where MFA is not enforced; it also shows the gap in
--   Conditional Access.
-- remediation: [revoke_sessions, reset_password, review_configuration]
-- tables: [signins]
-- false_positives:
--   - Users on a new home or mobile network who sign in to apps excluded from MFA
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SigninLogs/AnomalousSingleFactorSignin.yaml
-- catalog: [SFA-ANOMALY]
-- ---
WITH successes AS (
  SELECT *,
         DIV(CAST(time AS BIGINT), 86400000000) AS day_n,
         COALESCE(asn, -1) AS asn_key,
         CONCAT(COALESCE(country, '?'), '-', COALESCE(state, '?')) AS place
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND result = 'success'
    AND user_principal_name IS NOT NULL
),
-- the first day each user, each (user, ASN) and each (user, place) had a success
user_first AS (
  SELECT user_principal_name, MIN(day_n) AS user_first_day FROM successes GROUP BY user_principal_name
),
asn_first AS (
  SELECT user_principal_name, asn_key, MIN(day_n) AS asn_first_day FROM successes GROUP BY user_principal_name, asn_key
),
place_first AS (
  SELECT user_principal_name, place, MIN(day_n) AS place_first_day FROM successes GROUP BY user_principal_name, place
),
hits AS (
  SELECT s.*
  FROM successes s
  JOIN user_first u ON s.user_principal_name = u.user_principal_name
  JOIN asn_first a ON s.user_principal_name = a.user_principal_name AND s.asn_key = a.asn_key
  JOIN place_first p ON s.user_principal_name = p.user_principal_name AND s.place = p.place
  WHERE s.category = 'interactive'
    AND s.authentication_requirement = 'singleFactorAuthentication'
    AND COALESCE(s.device_id, '') = ''
    AND NOT s.ip_is_trusted
    AND u.user_first_day < s.day_n
    AND a.asn_first_day = s.day_n
    AND p.place_first_day = s.day_n
),
per_user_day AS (
  SELECT user_principal_name, day_n, asn_key,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT place, ', ' ORDER BY place) AS places,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT client_app_used) AS client_apps,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, day_n, asn_key
)
SELECT first_seen, last_seen, user_principal_name AS principals, ips, evidence_count,
       CONCAT(user_principal_name, ' signed in with a single factor and no device ', CAST(evidence_count AS VARCHAR),
              ' time(s) from AS', CAST(asn_key AS VARCHAR), ' in ', places,
              ', a network and place the user had no successful sign-in from before that day') AS summary,
       record_ids, asn_key AS asn, places, apps, client_apps, user_agents, hosting_providers
FROM per_user_day
