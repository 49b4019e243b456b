-- ---
-- id: USER-SHORTLIVED
-- title: Account created and deleted within a day
-- kind: detection
-- severity: high
-- techniques: [T1136.003, T1070]
-- tactics: [persistence, defense-evasion]
-- description: >-
--   A successful "Add user" followed by "Delete user" or "Hard Delete user" of the same object
--   id within max_hours. Matched on the object id because a deleted user's UPN is prefixed with
--   its 32-hex id. The creating and deleting accounts are the principals. Critical when either
--   acted from a hosting or intel-listed IP or used an attack-tool user agent.
-- why: >-
--   A throw-away account used for a few hours and then deleted hides the attacker's actions
--   behind an identity that no longer exists when the investigation starts; it is still in the
--   recycle bin for 30 days.
-- remediation: [confirm_compromised, reset_password, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   max_hours: 24
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
-- false_positives:
--   - An account created by mistake (wrong name) and removed at once by the same admin
--   - Test accounts of provisioning pipelines
-- catalog: [USER-SHORTLIVED]
-- ---
WITH adds AS (
  SELECT id, time, target_id, target_upn, COALESCE(actor_upn, actor_app_name) AS actor, ip_address,
         (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') AS risky_source
  FROM audits
  WHERE activity = 'Add user' AND result = 'success' AND target_id IS NOT NULL
),
deletes AS (
  SELECT id, time, activity, target_id, COALESCE(actor_upn, actor_app_name) AS actor, ip_address,
         (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') AS risky_source
  FROM audits
  WHERE activity IN ('Delete user', 'Hard Delete user') AND result = 'success' AND target_id IS NOT NULL
),
pairs AS (
  SELECT a.id AS add_id, a.time AS created, a.target_id, a.target_upn, a.actor AS creator,
         a.ip_address AS creator_ip, d.id AS delete_id, d.time AS deleted, d.activity AS delete_activity,
         d.actor AS deleter, d.ip_address AS deleter_ip,
         (a.risky_source OR d.risky_source) AS risky_source
  FROM adds a
  JOIN deletes d ON d.target_id = a.target_id
  WHERE d.time >= a.time
    AND CAST(d.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{max_hours}} * 3600000000
),
per_account AS (
  SELECT target_id,
         MIN(target_upn) AS account,
         MIN(created) AS first_seen,
         MAX(deleted) AS last_seen,
         MIN(deleted) AS first_deleted,
         COUNT(DISTINCT add_id) + COUNT(DISTINCT delete_id) AS evidence_count,
         STRING_AGG(DISTINCT creator, ';' ORDER BY creator) AS creators,
         STRING_AGG(DISTINCT deleter, ';' ORDER BY deleter) AS deleters,
         STRING_AGG(DISTINCT delete_activity, '; ' ORDER BY delete_activity) AS delete_activities,
         STRING_AGG(DISTINCT creator_ip, ';' ORDER BY creator_ip) AS creator_ips,
         STRING_AGG(DISTINCT deleter_ip, ';' ORDER BY deleter_ip) AS deleter_ips,
         MAX(CASE WHEN risky_source THEN 1 ELSE 0 END) AS risky_source,
         CONCAT(STRING_AGG(DISTINCT add_id, ';'), ';', STRING_AGG(DISTINCT delete_id, ';')) AS record_ids
  FROM pairs
  GROUP BY target_id
)
SELECT first_seen,
       last_seen,
       CONCAT(COALESCE(creators, ''), ';', COALESCE(deleters, '')) AS principals,
       CONCAT(COALESCE(creator_ips, ''), ';', COALESCE(deleter_ips, '')) AS ips,
       evidence_count,
       CONCAT('account ', COALESCE(account, target_id), ' created by ', COALESCE(creators, 'an unknown actor'),
              ' and deleted ', CAST(DIV(CAST(first_deleted AS BIGINT) - CAST(first_seen AS BIGINT), 60000000) AS VARCHAR),
              ' minutes later by ', COALESCE(deleters, 'an unknown actor'), ' (', delete_activities, ')') AS summary,
       CASE WHEN risky_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       account,
       target_id AS account_object_id,
       creators,
       deleters,
       delete_activities,
       creator_ips,
       deleter_ips
FROM per_account
