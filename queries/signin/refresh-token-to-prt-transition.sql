-- ---
-- id: PRT-ABUSE
-- title: Refresh token turned into a Primary Refresh Token on an unmanaged device
-- kind: detection
-- severity: high
-- techniques: [T1528, T1550.001]
-- tactics: [credential-access, defense-evasion]
-- description: >-
--   Sign-in variant of PRT theft / RT-to-PRT abuse. For one user, a non-interactive
--   refresh-token sign-in by Microsoft Authentication Broker (29d9ed98) that claims an
--   "Azure AD joined" device, followed within max_minutes by a sign-in presenting a Primary
--   Refresh Token (incoming token type primaryRefreshToken) from a device that is not
--   managed. Windows Sign In and the native Windows-AzureAD-Authentication-Provider/1.0
--   client are excluded, as in the source rule. The catalog's token-protection "unbound"
--   status is not in the canonical columns. Identity Protection's attemptedPrtAccess is
--   reported by IDP-TOKEN.
-- why: >-
--   Tools such as roadtx exchange a phished refresh token for a device registration and a
--   PRT. A PRT satisfies MFA and device-based Conditional Access for every app, and it
--   survives password resets until the rogue device is removed.
-- remediation: [remove_device, revoke_sessions, reset_password, require_mfa_reregistration]
-- tables: [signins]
-- params:
--   max_minutes: 60
-- false_positives:
--   - Freshly joined devices that are not yet reported as managed (Intune enrolment lag)
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_rt_to_prt_transition_from_user_device.toml
--   - https://dirkjanm.io/abusing-azure-ad-sso-with-the-primary-refresh-token/
-- catalog: [PRT-ABUSE]
-- ---
WITH broker_refresh AS (
  SELECT * FROM signins
  WHERE category = 'non_interactive'
    AND app_id = '29d9ed98-a469-4536-ade2-f981bc1d605e'
    AND incoming_token_type = 'refreshToken'
    AND device_trust_type = 'Azure AD joined'
    AND user_principal_name IS NOT NULL
),
prt_use AS (
  SELECT * FROM signins
  WHERE incoming_token_type = 'primaryRefreshToken'
    AND NOT COALESCE(device_is_managed, FALSE)
    AND COALESCE(app_display_name, '') <> 'Windows Sign In'
    AND COALESCE(app_id, '') <> '38aa3b87-a06d-4817-b275-7a316988d93b'
    AND COALESCE(user_agent, '') <> 'Windows-AzureAD-Authentication-Provider/1.0'
    AND user_principal_name IS NOT NULL
),
-- the broker refresh, then the PRT within the window
pairs AS (
  SELECT b.user_principal_name, b.time AS refresh_time, b.id AS refresh_id, b.ip_address AS refresh_ip,
         b.device_id AS refresh_device_id, b.user_agent AS refresh_user_agent,
         p.time AS prt_time, p.id AS prt_id, p.ip_address AS prt_ip, p.device_id AS prt_device_id,
         p.device_name AS prt_device_name, p.device_os AS prt_device_os, p.app_display_name AS prt_app,
         p.user_agent AS prt_user_agent, p.result AS prt_result
  FROM broker_refresh b
  JOIN prt_use p ON b.user_principal_name = p.user_principal_name
  WHERE CAST(p.time AS BIGINT) >= CAST(b.time AS BIGINT)
    AND CAST(p.time AS BIGINT) - CAST(b.time AS BIGINT) <= {{max_minutes}} * 60000000
),
ids AS (
  SELECT user_principal_name, refresh_id AS id, refresh_ip AS ip FROM pairs
  UNION ALL
  SELECT user_principal_name, prt_id AS id, prt_ip AS ip FROM pairs
),
id_lists AS (
  SELECT user_principal_name,
         STRING_AGG(DISTINCT id, ';' ORDER BY id) AS record_ids,
         COUNT(DISTINCT id) AS evidence_count,
         STRING_AGG(DISTINCT ip, ';' ORDER BY ip) AS ips
  FROM ids
  GROUP BY user_principal_name
),
per_user AS (
  SELECT user_principal_name,
         MIN(refresh_time) AS first_seen,
         MAX(prt_time) AS last_seen,
         COUNT(DISTINCT refresh_id) AS broker_refreshes,
         COUNT(DISTINCT prt_id) AS prt_signins,
         MIN(DIV(CAST(prt_time AS BIGINT) - CAST(refresh_time AS BIGINT), 60000000)) AS min_gap_minutes,
         ARRAY_AGG(DISTINCT prt_device_name) AS prt_device_names,
         ARRAY_AGG(DISTINCT prt_device_id) AS prt_device_ids,
         ARRAY_AGG(DISTINCT prt_device_os) AS prt_device_os,
         ARRAY_AGG(DISTINCT prt_app) AS prt_apps,
         ARRAY_AGG(DISTINCT prt_user_agent) AS prt_user_agents,
         ARRAY_AGG(DISTINCT refresh_user_agent) AS broker_user_agents,
         ARRAY_AGG(DISTINCT prt_result) AS prt_results
  FROM pairs
  GROUP BY user_principal_name
)
SELECT p.first_seen, p.last_seen, p.user_principal_name AS principals, i.ips, i.evidence_count,
       CONCAT(p.user_principal_name, ': ', CAST(p.broker_refreshes AS VARCHAR),
              ' Authentication Broker refresh-token sign-in(s) claiming an Azure AD joined device, then ',
              CAST(p.prt_signins AS VARCHAR), ' Primary Refresh Token sign-in(s) from an unmanaged device ',
              CAST(p.min_gap_minutes AS VARCHAR), ' min later') AS summary,
       i.record_ids,
       p.prt_device_names, p.prt_device_ids, p.prt_device_os, p.prt_apps, p.prt_user_agents,
       p.broker_user_agents, p.prt_results
FROM per_user p
JOIN id_lists i ON p.user_principal_name = i.user_principal_name
