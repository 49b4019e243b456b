-- ---
-- id: PRT-CHAIN
-- title: Broker token for device registration, new device, then a Primary Refresh Token
-- kind: detection
-- severity: high
-- techniques: [T1098.005, T1528, T1550.001]
-- tactics: [persistence, credential-access, defense-evasion]
-- description: >-
--   The whole device-registration-to-PRT chain for one user within window_hours: (1) a
--   successful sign-in of Microsoft Authentication Broker (29d9ed98-a469-4536-ade2-f981bc1d605e)
--   to the Device Registration Service (01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9); (2) a successful
--   "Register device" or "Add device" audit by that user, at most 10 minutes before the broker
--   sign-in or any time after it; (3) after the registration, a successful sign-in presenting
--   a Primary Refresh Token (incoming token type primaryRefreshToken, to another resource than
--   the Device Registration Service) from the registered device (device id or name) or from
--   the IP of step 1 or 2. High; critical when a step came from a hosting or intel-listed IP,
--   used an attack-tool or HTTP-library user agent, or when step 1 or 3 is the user's first
--   sign-in from that address and country (neither ip_is_own_for_user nor
--   country_is_usual_for_user, for a user the baseline knows). Not reported: a chain whose PRT
--   sign-ins all come from a compliant, managed or hybrid-joined device and whose broker and
--   PRT sign-ins all come from the user's own address, usual ASN or trusted egress, with no
--   tool user agent (a new corporate laptop enrolled at home or in the office). PRT-ABUSE
--   covers a refresh token turned into a PRT without a registration; DEV-REG-NO-MFA the
--   registration itself. record_ids are the sign-ins; the audits are in audit_ids.
-- why: >-
--   Phishing kits (Tycoon2FA, Kali365) and roadtx turn a stolen broker refresh token into a
--   device of their own and a Primary Refresh Token for it. The PRT carries the MFA claim,
--   satisfies device-based Conditional Access and survives password resets and session
--   revocation until the rogue device is deleted.
-- remediation: [remove_device, revoke_sessions, reset_password, require_mfa_reregistration]
-- tables: [signins, audits]
-- params:
--   window_hours: 24
-- false_positives:
--   - A user setting up a new personal or not yet managed Windows device away from their usual networks
--   - Authorised red-team use of roadtx
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_device_registration_to_prt_chain.toml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_microsoft_auth_broker_drs_signin_from_suspicious_asn.toml
--   - https://dirkjanm.io/phishing-for-microsoft-entra-primary-refresh-tokens/
--   - https://www.elastic.co/security-labs/tycoon-2fa-aitm-detection-engineering
-- catalog: [PRT-PHISH-CHAIN]
-- ---
WITH known_users AS (
  -- users the baseline knows: they have a usual country
  SELECT user_principal_name
  FROM signins
  WHERE user_principal_name IS NOT NULL
  GROUP BY user_principal_name
  HAVING MAX(CASE WHEN country_is_usual_for_user THEN 1 ELSE 0 END) = 1
),
user_signins AS (
  SELECT s.id, s.time, s.user_principal_name, s.app_id, s.resource_id, s.resource_display_name, s.incoming_token_type,
         s.ip_address, s.country, s.user_agent, s.ua_tool, s.device_id, s.device_name, s.device_os, s.device_trust_type,
         s.app_display_name,
         COALESCE(s.device_is_compliant, FALSE) OR COALESCE(s.device_is_managed, FALSE)
           OR COALESCE(s.device_trust_type = 'Hybrid Azure AD joined', FALSE) AS managed_device,
         COALESCE(s.ip_is_hosting, FALSE) OR s.ip_intel IS NOT NULL AS risky_ip,
         COALESCE(s.ua_tool_kind IN ('attack_tool', 'http_library'), FALSE) AS tool_ua,
         COALESCE(s.ip_is_own_for_user, FALSE) OR COALESCE(s.asn_is_usual_for_user, FALSE) OR COALESCE(s.ip_is_trusted, FALSE)
           AS own_source,
         k.user_principal_name IS NOT NULL
           AND NOT COALESCE(s.ip_is_own_for_user, FALSE) AND NOT COALESCE(s.country_is_usual_for_user, FALSE) AS first_time_source,
         s.ip_hosting_provider,
         COALESCE(NULLIF(LOWER(s.device_id), ''), 'no device id') AS device_key,
         COALESCE(NULLIF(LOWER(s.device_name), ''), 'no device name') AS device_name_key
  FROM signins s
  LEFT JOIN known_users k ON k.user_principal_name = s.user_principal_name
  WHERE s.result = 'success' AND s.user_principal_name IS NOT NULL
),
broker_drs AS (
  SELECT * FROM user_signins
  WHERE app_id = '29d9ed98-a469-4536-ade2-f981bc1d605e'
    AND (resource_id = '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9' OR resource_display_name = 'Device Registration Service')
),
prt AS (
  SELECT * FROM user_signins
  WHERE incoming_token_type = 'primaryRefreshToken'
    AND COALESCE(resource_id, '') <> '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9'
    AND COALESCE(resource_display_name, '') <> 'Device Registration Service'
),
registrations0 AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, additional_details,
         COALESCE(ip_is_hosting, FALSE) OR ip_intel IS NOT NULL AS risky_ip,
         COALESCE(ua_tool_kind IN ('attack_tool', 'http_library'), FALSE) AS tool_ua
  FROM audits
  WHERE activity IN ('Register device', 'Add device') AND result = 'success' AND actor_upn IS NOT NULL
),
reg_details AS (
  SELECT id, UNNEST(additional_details) AS d FROM registrations0
),
reg_device_ids AS (
  SELECT id, MAX(CASE WHEN LOWER(d.key) IN ('deviceid', 'device id') THEN LOWER(d.value) END) AS device_id
  FROM reg_details
  GROUP BY id
),
registrations AS (
  SELECT r.*,
         COALESCE(NULLIF(LOWER(r.target_id), ''), 'no object id') AS object_key,
         COALESCE(NULLIF(i.device_id, ''), 'no registered device id') AS device_key,
         COALESCE(NULLIF(LOWER(r.target_name), ''), 'no registered device name') AS name_key
  FROM registrations0 r
  LEFT JOIN reg_device_ids i ON i.id = r.id
),
chain AS (
  SELECT b.user_principal_name,
         b.id AS broker_id, b.time AS broker_time, b.ip_address AS broker_ip, b.user_agent AS broker_ua,
         r.id AS reg_id, r.time AS reg_time, r.ip_address AS reg_ip, r.user_agent AS reg_ua,
         COALESCE(r.target_name, r.target_id) AS device,
         p.id AS prt_id, p.time AS prt_time, p.ip_address AS prt_ip, p.app_display_name AS prt_app,
         p.resource_display_name AS prt_resource, p.device_name AS prt_device_name, p.device_trust_type AS prt_trust_type,
         p.managed_device AS prt_managed,
         b.risky_ip OR r.risky_ip OR p.risky_ip AS risky_ip,
         b.tool_ua OR r.tool_ua OR p.tool_ua AS tool_ua,
         b.first_time_source OR p.first_time_source AS first_time_source,
         b.own_source AND p.own_source AS own_source,
         CONCAT_WS(';', b.ip_hosting_provider, p.ip_hosting_provider) AS hosting_providers
  FROM broker_drs b
  JOIN registrations r ON r.actor_upn = b.user_principal_name
  JOIN prt p ON p.user_principal_name = b.user_principal_name
  WHERE CAST(b.time AS BIGINT) <= CAST(r.time AS BIGINT) + 600000000
    AND p.time >= r.time
    AND p.time >= b.time
    AND CAST(p.time AS BIGINT) - CAST(b.time AS BIGINT) <= {{window_hours}} * 3600000000
    AND (p.device_key = r.object_key
         OR p.device_key = r.device_key
         OR p.device_name_key = r.name_key
         OR p.ip_address = r.ip_address
         OR p.ip_address = b.ip_address)
),
chain_ips AS (
  SELECT user_principal_name, broker_id AS id, broker_ip AS ip FROM chain
  UNION ALL
  SELECT user_principal_name, prt_id AS id, prt_ip AS ip FROM chain
  UNION ALL
  SELECT user_principal_name, reg_id AS id, reg_ip AS ip FROM chain
),
id_lists AS (
  SELECT user_principal_name,
         STRING_AGG(DISTINCT ip, ';' ORDER BY ip) AS ips
  FROM chain_ips
  GROUP BY user_principal_name
),
per_user AS (
  SELECT user_principal_name,
         MIN(broker_time) AS first_seen,
         MAX(prt_time) AS last_seen,
         COUNT(DISTINCT broker_id) AS broker_signins,
         COUNT(DISTINCT reg_id) AS registrations,
         COUNT(DISTINCT prt_id) AS prt_signins,
         MIN(DIV(CAST(prt_time AS BIGINT) - CAST(broker_time AS BIGINT), 60000000)) AS minutes_to_prt,
         STRING_AGG(DISTINCT broker_id, ';' ORDER BY broker_id) AS broker_ids,
         STRING_AGG(DISTINCT prt_id, ';' ORDER BY prt_id) AS prt_ids,
         STRING_AGG(DISTINCT reg_id, ';' ORDER BY reg_id) AS audit_ids,
         STRING_AGG(DISTINCT device, ';' ORDER BY device) AS devices,
         STRING_AGG(DISTINCT prt_app, '; ' ORDER BY prt_app) AS prt_apps,
         STRING_AGG(DISTINCT prt_trust_type, ';' ORDER BY prt_trust_type) AS prt_trust_types,
         STRING_AGG(DISTINCT broker_ua, ' | ' ORDER BY broker_ua) AS broker_user_agents,
         STRING_AGG(DISTINCT reg_ua, ' | ' ORDER BY reg_ua) AS registration_user_agents,
         STRING_AGG(DISTINCT NULLIF(hosting_providers, ''), ';' ORDER BY NULLIF(hosting_providers, '')) AS hosting_providers,
         MAX(CASE WHEN risky_ip THEN 1 ELSE 0 END) AS risky_ip,
         MAX(CASE WHEN tool_ua THEN 1 ELSE 0 END) AS tool_ua,
         MAX(CASE WHEN first_time_source THEN 1 ELSE 0 END) AS first_time_source,
         MIN(CASE WHEN prt_managed AND own_source THEN 1 ELSE 0 END) AS vouched
  FROM chain
  GROUP BY user_principal_name
)
SELECT p.first_seen,
       p.last_seen,
       p.user_principal_name AS principals,
       i.ips,
       p.broker_signins + p.registrations + p.prt_signins AS evidence_count,
       CONCAT(p.user_principal_name, ': ', CAST(p.broker_signins AS VARCHAR),
              ' Authentication Broker sign-in(s) to the Device Registration Service, ', CAST(p.registrations AS VARCHAR),
              ' device registration(s) (', COALESCE(p.devices, 'unnamed'), '), then ', CAST(p.prt_signins AS VARCHAR),
              ' Primary Refresh Token sign-in(s), the first ', CAST(p.minutes_to_prt AS VARCHAR), ' min after the broker token, from ',
              REPLACE(COALESCE(i.ips, 'unknown IPs'), ';', ', '),
              CASE WHEN p.risky_ip = 1 THEN ' (hosting or intel-listed network)' ELSE '' END,
              CASE WHEN p.tool_ua = 1 THEN ' (tool user agent)' ELSE '' END,
              CASE WHEN p.first_time_source = 1 THEN ' (first sign-in of the user from that address and country)' ELSE '' END) AS summary,
       CASE WHEN p.risky_ip = 1 OR p.tool_ua = 1 OR p.first_time_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       CONCAT_WS(';', p.broker_ids, p.prt_ids) AS record_ids,
       p.audit_ids,
       p.devices,
       p.prt_apps,
       p.prt_trust_types,
       p.broker_user_agents,
       p.registration_user_agents,
       p.hosting_providers
FROM per_user p
JOIN id_lists i ON i.user_principal_name = p.user_principal_name
WHERE NOT (p.vouched = 1 AND p.risky_ip = 0 AND p.tool_ua = 0)
