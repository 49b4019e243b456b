-- ---
-- id: NAMED-LOC
-- title: Named location added, changed or deleted
-- kind: detection
-- severity: medium
-- techniques: [T1556.009, T1562.001]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   A successful "Add named location", "Update named location" or "Delete named location".
--   High when the new value marks the location trusted and the old value did not (isTrusted
--   true, or Categories ["trusted"] in the older format), or when it holds a broad IP range
--   (prefix /16 or shorter) that the old value did not; critical when the actor came from a
--   hosting or intel-listed IP or used an attack-tool user agent; medium otherwise (routine
--   edits of office ranges and country lists, deletions). Whether a deleted or changed country
--   list backed a block policy is not checked: read the policies that reference the location.
-- why: >-
--   Conditional Access trusts named locations: an attacker who adds their own range as a
--   trusted location skips MFA and location blocks from there, and deleting or shrinking a
--   blocked-country list opens the door from those countries.
-- remediation: [revert_policy_change, review_configuration]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/concept-assignment-network
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
-- false_positives:
--   - Network team adding a new office or VPN egress range
-- catalog: [NAMED-LOC]
-- ---
WITH loc_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add named location', 'Update named location', 'Delete named location')
),
loc_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM loc_events
),
-- old and new text of the event's modified properties
loc_values AS (
  SELECT id,
         COALESCE(STRING_AGG(mp.old_value, ' | '), '') AS old_value,
         COALESCE(STRING_AGG(mp.new_value, ' | '), '') AS new_value
  FROM loc_props
  GROUP BY id
),
flags AS (
  SELECT id, old_value, new_value,
         (new_value ILIKE '%"isTrusted":true%' OR new_value ~ '"Categories":\[[^\]]*"trusted"')
           AND NOT (old_value ILIKE '%"isTrusted":true%' OR old_value ~ '"Categories":\[[^\]]*"trusted"')
           AS newly_trusted,
         (new_value ILIKE '%"isTrusted":true%' OR new_value ~ '"Categories":\[[^\]]*"trusted"') AS is_trusted,
         -- a CIDR ending in /0 .. /16 (the value is JSON, so the range is followed by a quote)
         new_value ~ '/([0-9]|1[0-6])"' AND NOT old_value ~ '/([0-9]|1[0-6])"' AS broad_range_added
  FROM loc_values
),
events AS (
  SELECT a.id, a.time, a.activity, a.target_name AS location, a.target_id AS location_id,
         a.actor_upn, a.actor_app_name, a.ip_address, a.user_agent, a.ip_is_hosting,
         a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind,
         COALESCE(f.newly_trusted, FALSE) AS newly_trusted,
         COALESCE(f.is_trusted, FALSE) AS is_trusted,
         COALESCE(f.broad_range_added, FALSE) AS broad_range_added,
         f.old_value, f.new_value
  FROM audits a
  LEFT JOIN flags f ON f.id = a.id
  WHERE a.result = 'success'
    AND a.activity IN ('Add named location', 'Update named location', 'Delete named location')
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(activity, ' "', COALESCE(location, location_id, 'unknown'), '" by ',
              COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              CASE WHEN newly_trusted THEN '; the location is now marked trusted' ELSE '' END,
              CASE WHEN broad_range_added THEN '; a range of /16 or wider was added' ELSE '' END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'critical'
            WHEN newly_trusted OR broad_range_added THEN 'high'
            ELSE 'medium' END AS severity,
       id AS record_ids,
       location,
       location_id,
       is_trusted,
       newly_trusted,
       broad_range_added,
       old_value,
       new_value,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM events
