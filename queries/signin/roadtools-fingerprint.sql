-- ---
-- id: TOOL-ROADTOOLS
-- title: ROADtools (roadrecon / roadtx) used against the tenant
-- kind: detection
-- severity: high
-- techniques: [T1087.004, T1098.005]
-- tactics: [discovery, persistence]
-- description: >-
--   ROADtools fingerprints, one finding per account. Sign-ins: roadrecon's aiohttp user
--   agent against AAD Graph (00000002-0000-0000-c000-000000000000) or with the AAD
--   PowerShell client (1b730954), or roadtx's device-registration user agent (Dsreg/10.0
--   (Windows 10.0.19041.928), DeviceRegistrationClient). Audits: "Add device" / "Register
--   device" with that user agent, with roadtx's default device (name DESKTOP- plus 8
--   upper-case letters or digits and OS 10.0.19041.928), or with the phishing-kit OS build
--   10.0.19045.2006.
-- why: >-
--   roadrecon dumps the whole directory for attack-path analysis; roadtx registers a rogue
--   device with stolen tokens to obtain a Primary Refresh Token that satisfies MFA and
--   device-based Conditional Access.
-- remediation: [remove_device, revoke_sessions, reset_password]
-- tables: [signins, audits]
-- false_positives:
--   - Authorised red-team or security-assessment use of ROADtools
--   - Genuine Windows 10 devices still on build 10.0.19045.2006
-- references:
--   - https://github.com/dirkjanm/ROADtools
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_roadtools_default_device_registration.toml
-- catalog: [TOOL-ROADTOOLS]
-- ---
WITH signin_hits AS (
  SELECT time, id, user_principal_name AS principal, CAST(NULL AS VARCHAR) AS device_name, ip_address,
         CASE WHEN ua_tool = 'aiohttp' THEN 'roadrecon (aiohttp against AAD Graph)' ELSE 'roadtx device registration client' END AS signal,
         user_agent, COALESCE(resource_display_name, resource_id, app_display_name) AS what, result
  FROM signins
  WHERE user_principal_name IS NOT NULL
    AND ((ua_tool = 'aiohttp'
          AND (resource_id = '00000002-0000-0000-c000-000000000000' OR app_id = '1b730954-1685-4b74-9bfd-dac224a7b894'))
         OR ua_tool = 'ROADtx device registration')
),
device_audits AS (
  SELECT * FROM audits
  WHERE activity IN ('Add device', 'Register device')
),
-- "Add device" is written by the Device Registration Service app; the user who joined the
-- device is the actor of the matching "Register device"
device_owner AS (
  SELECT target_id, MIN(actor_upn) AS owner_upn
  FROM device_audits
  WHERE actor_upn IS NOT NULL
  GROUP BY target_id
),
device_hits AS (
  SELECT d.time, d.id, COALESCE(d.actor_upn, o.owner_upn) AS principal, d.target_name AS device_name, d.ip_address,
         CONCAT(CASE WHEN d.ua_tool = 'ROADtx device registration' THEN 'roadtx registration user agent'
                     WHEN d.changes LIKE '%10.0.19045.2006%' THEN 'phishing-kit device OS 10.0.19045.2006'
                     ELSE 'roadtx default device name and OS' END,
                ' (', COALESCE(d.target_name, 'device'), ')') AS signal,
         d.user_agent, d.activity AS what, d.result
  FROM device_audits d
  LEFT JOIN device_owner o ON d.target_id = o.target_id
  WHERE d.ua_tool = 'ROADtx device registration'
     OR (COALESCE(d.target_name, '') ~ '^DESKTOP-[A-Z0-9]{8}$' AND d.changes LIKE '%10.0.19041.928%')
     OR d.changes LIKE '%10.0.19045.2006%'
),
evidence AS (
  SELECT * FROM signin_hits
  UNION ALL
  SELECT * FROM device_hits
),
-- one finding per account; device events nobody can be tied to are grouped per device
per_account AS (
  SELECT COALESCE(principal, CONCAT('device ', COALESCE(device_name, 'unknown'))) AS account_key,
         MAX(principal) AS principal,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT signal, '; ' ORDER BY signal) AS signals,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT device_name) AS devices,
         ARRAY_AGG(DISTINCT what) AS resources_or_activities,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT result) AS results,
         ARRAY_AGG(id) AS record_ids
  FROM evidence
  GROUP BY COALESCE(principal, CONCAT('device ', COALESCE(device_name, 'unknown')))
)
SELECT first_seen, last_seen, principal AS principals, ips, evidence_count,
       CONCAT('ROADtools activity by ', COALESCE(principal, 'an unknown account'), ': ', signals, ' (',
              CAST(evidence_count AS VARCHAR), ' event(s))') AS summary,
       record_ids, signals, devices, resources_or_activities, user_agents, results
FROM per_account
