-- ---
-- id: DEV-SECRET-READ
-- title: BitLocker recovery key or LAPS password read
-- kind: detection
-- severity: medium
-- techniques: [T1555]
-- tactics: [credential-access]
-- description: >-
--   Successful "Read BitLocker key", "Reveal local administrator password" or "Recover device
--   local administrator password", one finding per actor and day. High when a LAPS password
--   was read, when the actor read secrets of at least min_devices devices that day, or acted
--   from a hosting or intel-listed IP; medium otherwise. Reads by the accounts listed in
--   helpdesk_actors are not reported unless they reach min_devices or come from such an IP.
-- why: >-
--   A BitLocker key unlocks a stolen laptop's disk and a LAPS password is local admin on the
--   device; an attacker with a helpdesk or device-admin role collects them to move from the
--   cloud to endpoints.
-- remediation: [rotate_secrets, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   min_devices: 3
--   helpdesk_actors: []
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-devices
--   - https://learn.microsoft.com/entra/identity/devices/howto-manage-local-admin-passwords
-- false_positives:
--   - Helpdesk recovering a locked laptop for its owner (list the helpdesk in helpdesk_actors)
-- catalog: [DEV-SECRET-READ]
-- ---
WITH reads AS (
  SELECT id, time, activity, COALESCE(actor_upn, actor_app_name) AS actor, ip_address, user_agent,
         COALESCE(target_name, target_id) AS device,
         activity <> 'Read BitLocker key' AS is_laps,
         (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') AS risky_source,
         ip_hosting_provider
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Read BitLocker key', 'Reveal local administrator password',
                     'Recover device local administrator password')
),
per_actor AS (
  SELECT actor,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS reads,
         COUNT(DISTINCT device) AS devices,
         SUM(CASE WHEN is_laps THEN 1 ELSE 0 END) AS laps_reads,
         SUM(CASE WHEN is_laps THEN 0 ELSE 1 END) AS bitlocker_reads,
         STRING_AGG(DISTINCT device, ';' ORDER BY device) AS device_list,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         MAX(CASE WHEN risky_source THEN 1 ELSE 0 END) AS risky_source,
         ARRAY_AGG(id) AS record_ids
  FROM reads
  GROUP BY actor, STRFTIME(time, '%Y-%m-%d')
),
scored AS (
  SELECT *,
         COALESCE(actor IN {{helpdesk_actors}}, FALSE) AS is_helpdesk,
         (devices >= {{min_devices}} OR risky_source = 1) AS escalated
  FROM per_actor
)
SELECT first_seen,
       last_seen,
       actor AS principals,
       ips,
       reads AS evidence_count,
       CONCAT(COALESCE(actor, 'an unknown actor'), ' read the secrets of ', CAST(devices AS VARCHAR), ' device(s) on ', day,
              ' (', CAST(bitlocker_reads AS VARCHAR), ' BitLocker key read(s), ', CAST(laps_reads AS VARCHAR),
              ' LAPS password read(s))', CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END) AS summary,
       CASE WHEN laps_reads > 0 OR escalated THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       device_list AS devices,
       activities,
       is_helpdesk,
       user_agents,
       hosting_providers
FROM scored
WHERE NOT is_helpdesk OR escalated
