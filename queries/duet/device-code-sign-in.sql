-- ---
-- id: DUET-DEVICECODE
-- title: Device-code sign-in by a user not expected to use it
-- kind: duet
-- severity: medium
-- techniques: [T1528, T1566.002]
-- tactics: [credential-access, initial-access]
-- description: >-
--   Successful user sign-ins through the device-code flow (authentication protocol
--   deviceCode, or original transfer method deviceCodeFlow) by a user not listed in the
--   policy's expected_device_code_users. One question per user over the window, listing the
--   client applications and resources: medium, or low when every such sign-in came from a
--   trusted IP. The escalations that make
--   it a phishing detection (two IPs in one session, Authentication Broker, new for the user)
--   belong to the DEVICECODE detection.
-- why: >-
--   Device-code phishing hands the attacker the victim's tokens after the victim types a code
--   on a genuine Microsoft page, defeating MFA. Outside meeting-room and kiosk devices, users
--   rarely need this flow.
-- remediation: [ask_customer, revoke_sessions, review_configuration]
-- tables: [signins]
-- false_positives:
--   - Meeting-room devices, kiosks and CLI tools (az login --use-device-code) not yet listed in expected_device_code_users
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/concept-authentication-flows
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_first_time_seen_device_code_auth.toml
-- catalog: [DEVICECODE]
-- ---
WITH dc AS (
  SELECT * FROM signins
  WHERE (authentication_protocol = 'deviceCode' OR original_transfer_method = 'deviceCodeFlow')
    AND result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL
    AND NOT device_code_expected
),
per_user AS (
  SELECT user_principal_name,
         STRING_AGG(DISTINCT COALESCE(app_display_name, app_id), ', ' ORDER BY COALESCE(app_display_name, app_id)) AS app_list,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT resource_display_name, ', ' ORDER BY resource_display_name) AS resource_list,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT app_id) AS app_ids,
         SUM(CASE WHEN ip_is_trusted THEN 0 ELSE 1 END) AS from_untrusted_ips,
         ARRAY_AGG(id) AS record_ids
  FROM dc
  GROUP BY user_principal_name
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ', not an expected device-code user, completed ', CAST(evidence_count AS VARCHAR),
              ' device-code sign-in(s) to ', COALESCE(app_list, 'an unnamed app'),
              CASE WHEN resource_list IS NULL THEN '' ELSE CONCAT(' for ', resource_list) END,
              CASE WHEN first_seen = last_seen THEN CONCAT(' on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC')
                   ELSE CONCAT(' between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC') END,
              ' from ',
              CASE WHEN ip_count <= 3 THEN REPLACE(COALESCE(ips, 'an unknown IP'), ';', ', ')
                   ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END) AS summary,
       CASE WHEN from_untrusted_ips = 0 THEN 'low' ELSE 'medium' END AS severity,
       record_ids,
       app_list AS apps,
       app_ids,
       resource_list AS resources,
       countries,
       user_agents
FROM per_user
