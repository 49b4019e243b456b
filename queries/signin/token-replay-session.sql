-- ---
-- id: TOKEN-REPLAY
-- title: Session token replayed from a second network
-- kind: detection
-- severity: medium
-- techniques: [T1550.001, T1539]
-- tactics: [defense-evasion, lateral-movement]
-- description: >-
--   One session id of a user (interactive or non-interactive sign-ins) is used from a second
--   IP whose ASN or country differs from the session's first sign-in and is new for the user
--   (no sign-in of that user from that ASN / country before the session began), from an
--   untrusted IP and not from the session's own device (a laptop moving from office to home
--   keeps its device id; a replayed cookie or refresh token does not). One finding per user
--   and session. High when a replaying sign-in comes from a hosting / VPS / anonymiser
--   network or an intel-listed IP, uses an attack-tool or HTTP-library user agent, or
--   reports a different operating system than the session's origin. Sign-ins without a
--   session id (older exports) cannot be checked. The catalog's token-protection and "MFA
--   satisfied by claim" boosts are not in the canonical columns.
-- why: >-
--   A session id is bound to the browser or device that performed MFA. Seeing it from a
--   network the user never used means the session cookie or refresh token was stolen
--   (AiTM, infostealer) and is being replayed: password resets do not stop it, revoking
--   the sessions does.
-- remediation: [revoke_sessions, reset_password, require_mfa_reregistration, remove_device, block_ip]
-- tables: [signins]
-- partition: user_principal_name   # per-user: runs in slices of users over spilled tables
-- false_positives:
--   - Mobile devices roaming between carriers when the sign-ins carry no device id
--   - Split-tunnel VPNs that change the egress inside one session (list them in trusted_ips)
-- references:
--   - https://learn.microsoft.com/security/operations/token-theft-playbook
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_graph_single_session_from_multiple_addresses.toml
-- catalog: [TOKEN-REPLAY]
-- ---
WITH user_rows AS (
  SELECT *, COALESCE(asn, -1) AS asn_key, COALESCE(country, '??') AS country_key
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND session_id IS NOT NULL AND user_principal_name IS NOT NULL AND ip_address IS NOT NULL
),
ordered AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY user_principal_name, session_id ORDER BY time) AS rn
  FROM user_rows
),
-- where each session began: its first sign-in in the export
origins AS (
  SELECT user_principal_name, session_id, time AS session_start, ip_address AS origin_ip,
         asn_key AS origin_asn, country_key AS origin_country, device_id AS origin_device,
         device_os AS origin_os, user_agent AS origin_user_agent, id AS origin_id
  FROM ordered
  WHERE rn = 1
),
-- when the user first used each ASN and each country, in any session
first_asn AS (
  SELECT user_principal_name, asn_key, MIN(time) AS asn_first_used FROM user_rows GROUP BY user_principal_name, asn_key
),
first_country AS (
  SELECT user_principal_name, country_key, MIN(time) AS country_first_used FROM user_rows GROUP BY user_principal_name, country_key
),
candidates AS (
  SELECT r.*, o.session_start, o.origin_ip, o.origin_asn, o.origin_country, o.origin_device, o.origin_os,
         o.origin_user_agent, o.origin_id, fa.asn_first_used, fc.country_first_used
  FROM user_rows r
  JOIN origins o ON r.user_principal_name = o.user_principal_name AND r.session_id = o.session_id
  JOIN first_asn fa ON r.user_principal_name = fa.user_principal_name AND r.asn_key = fa.asn_key
  JOIN first_country fc ON r.user_principal_name = fc.user_principal_name AND r.country_key = fc.country_key
  WHERE r.ip_address <> o.origin_ip
    AND NOT r.ip_is_trusted
),
-- the replaying sign-ins: a network or country new to the user since the session began,
-- and not the session's own device
replays AS (
  SELECT *,
         CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind IS NOT NULL
                   OR (device_os IS NOT NULL AND origin_os IS NOT NULL AND device_os <> origin_os)
              THEN 1 ELSE 0 END AS boosted
  FROM candidates
  WHERE ((asn_key <> origin_asn AND asn_first_used >= session_start)
         OR (country_key <> origin_country AND country_first_used >= session_start))
    AND (device_id IS NULL OR origin_device IS NULL OR device_id <> origin_device)
),
per_session AS (
  SELECT user_principal_name, session_id,
         MIN(session_start) AS session_start,
         MIN(time) AS first_replay,
         MAX(time) AS last_seen,
         COUNT(*) AS replays,
         MIN(origin_ip) AS origin_ip,
         MIN(origin_asn) AS origin_asn,
         MIN(origin_country) AS origin_country,
         MIN(origin_id) AS origin_id,
         MIN(origin_user_agent) AS origin_user_agent,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS replay_ips,
         COUNT(DISTINCT ip_address) AS replay_ip_count,
         STRING_AGG(DISTINCT CAST(asn AS VARCHAR), ', ' ORDER BY CAST(asn AS VARCHAR)) AS replay_asns,
         STRING_AGG(DISTINCT country, ', ' ORDER BY country) AS replay_countries,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT user_agent) AS replay_user_agents,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT category) AS categories,
         STRING_AGG(id, ';') AS replay_ids,
         MAX(boosted) AS boosted
  FROM replays
  GROUP BY user_principal_name, session_id
)
SELECT session_start AS first_seen, last_seen,
       user_principal_name AS principals,
       CONCAT(origin_ip, ';', replay_ips) AS ips,
       replays + 1 AS evidence_count,
       CONCAT('session ', session_id, ' of ', user_principal_name, ' began from ', origin_ip, ' (AS',
              CAST(origin_asn AS VARCHAR), ', ', origin_country, ') and was used ', CAST(replays AS VARCHAR),
              ' time(s) from ', CAST(replay_ip_count AS VARCHAR), ' new IP(s) in AS', replay_asns, ' (', replay_countries,
              '), first ', CAST(DIV(CAST(first_replay AS BIGINT) - CAST(session_start AS BIGINT), 60000000) AS VARCHAR),
              ' min after it began') AS summary,
       CASE WHEN boosted = 1 THEN 'high' ELSE 'medium' END AS severity,
       CONCAT(origin_id, ';', replay_ids) AS record_ids,
       session_id, origin_ip, origin_asn, origin_country, origin_user_agent, replay_ips, replay_asns,
       replay_countries, hosting_providers, replay_user_agents, apps, resources, categories
FROM per_session
