-- ---
-- id: GRAPH-DIR-ENUM
-- title: Directory enumerated through Microsoft Graph (AzureHound / GraphRunner / ROADrecon shape)
-- kind: detection
-- severity: high
-- techniques: [T1087.004, T1069.003, T1526]
-- tactics: [discovery]
-- description: >-
--   In one burst (requests of one caller from one address with no pause longer than
--   {{gap_minutes}} minutes, so a sweep is never cut by a clock boundary) the caller lists at
--   least {{min_kinds}} kinds of directory objects (users, groups, service principals,
--   applications, devices, roles, policies, directory settings) in at least
--   {{min_requests}} Graph requests — the collection pattern of AzureHound, GraphRunner and
--   ROADrecon — or any burst of directory reads by a known attack tool. Medium when the
--   caller is a privileged user on an address its own sign-ins vouch for without a tool
--   user agent (an admin's reporting script); critical when a tool or hosting network is
--   involved and the caller never signed in from the address.
-- why: >-
--   Enumerating every user, group, app and role assignment is the attacker's map of the
--   tenant, usually minutes after the first token; BloodHound-style collection is also what
--   precedes privilege escalation through app owners and role-assignable groups.
-- remediation: [revoke_sessions, reset_password, block_ip, ask_customer]
-- tables: [graph_activity]
-- params:
--   gap_minutes: 5
--   min_kinds: 4
--   min_requests: 50
-- false_positives:
--   - Identity governance or CMDB sync apps that read the whole directory on a schedule (their own app, a vouched address)
--   - Admin reporting scripts (rated medium)
-- references:
--   - https://github.com/SpecterOps/AzureHound
--   - https://github.com/dafthack/GraphRunner
--   - https://github.com/dirkjanm/ROADtools
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/AzureHound-Recon.yaml
-- catalog: [GRAPH-DIR-ENUM]
-- ---
WITH dir AS (
  SELECT *
  FROM graph_requests
  WHERE request_method = 'GET'
    AND resource IN ('users', 'groups', 'service_principals', 'applications', 'devices', 'roles', 'policies', 'directory')
),
gaps AS (
  SELECT *,
         CASE WHEN t_us - LAG(t_us) OVER (PARTITION BY caller, ip_address ORDER BY t_us) <= {{gap_minutes}} * 60000000
              THEN 0 ELSE 1 END AS starts_burst
  FROM dir
),
numbered AS (
  SELECT *, SUM(starts_burst) OVER (PARTITION BY caller, ip_address ORDER BY t_us) AS burst
  FROM gaps
),
bursts AS (
  SELECT caller, ip_address, burst,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS requests,
         COUNT(DISTINCT resource) AS kinds,
         STRING_AGG(DISTINCT resource, ', ' ORDER BY resource) AS object_kinds,
         MIN(user_agent) AS user_agent,
         MIN(ua_tool) AS ua_tool,
         MAX(CASE WHEN ua_tool_kind = 'attack_tool' THEN 1 ELSE 0 END) AS attack_tool,
         MAX(CASE WHEN unvouched THEN 1 ELSE 0 END) AS unvouched,
         MAX(CASE WHEN principal_signed_in_from_ip THEN 0 ELSE 1 END) AS never_signed_in_from_ip,
         MAX(CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind IS NOT NULL THEN 1 ELSE 0 END) AS risky_source,
         MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged,
         MIN(app_display_name) AS app_name,
         MIN(ip_hosting_provider) AS ip_hosting_provider,
         STRING_AGG(DISTINCT id, ';' ORDER BY id) AS record_ids
  FROM numbered
  GROUP BY caller, ip_address, burst
  HAVING (COUNT(DISTINCT resource) >= {{min_kinds}} AND COUNT(*) >= {{min_requests}})
      OR (MAX(CASE WHEN ua_tool_kind = 'attack_tool' THEN 1 ELSE 0 END) = 1 AND COUNT(*) >= 10)
)
SELECT first_seen, last_seen,
       caller AS principals,
       ip_address AS ips,
       requests AS evidence_count,
       CONCAT(caller, ' listed ', CAST(kinds AS VARCHAR), ' kinds of directory objects (', object_kinds, ') in ',
              CAST(requests AS VARCHAR), ' Graph requests between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M:%S'), ' and ',
              STRFTIME(last_seen, '%H:%M:%S'), ' UTC from ', ip_address,
              CASE WHEN ip_hosting_provider IS NULL THEN '' ELSE CONCAT(' (', ip_hosting_provider, ')') END,
              CASE WHEN ua_tool IS NULL THEN '' ELSE CONCAT(', client ', ua_tool) END,
              CASE WHEN never_signed_in_from_ip = 1 THEN '; the caller never signed in from that address' ELSE '' END) AS summary,
       CASE WHEN never_signed_in_from_ip = 1 AND risky_source = 1 THEN 'critical'
            WHEN unvouched = 0 AND privileged = 1 THEN 'medium'
            ELSE 'high' END AS severity,
       record_ids,
       object_kinds, kinds, user_agent, ua_tool, app_name, ip_hosting_provider
FROM bursts
