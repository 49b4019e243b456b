-- ---
-- id: BULK-USER-DELETE
-- title: Bulk user deletion
-- kind: detection
-- severity: high
-- techniques: [T1531]
-- tactics: [impact]
-- description: >-
--   One actor deleting at least min_targets distinct accounts ("Delete user", "Hard Delete
--   user", success) within window_minutes of each other, or a finished bulk job "Bulk delete
--   users - finished (bulk)". Critical when the actor came from a hosting or intel-listed IP or
--   used an attack-tool user agent. Deleted UPNs are shown without the 32-hex object-id prefix
--   Entra adds. Read together with GA-PURGE for a tenant lock-out.
-- why: >-
--   Mass deletion is sabotage or a lock-out: users lose access at once, and the accounts must
--   be restored from the recycle bin within 30 days.
-- remediation: [disable_account, revoke_sessions, confirm_compromised, ask_customer]
-- tables: [audits]
-- params:
--   min_targets: 10
--   window_minutes: 60
-- references:
--   - https://learn.microsoft.com/entra/identity/users/users-restore
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
-- false_positives:
--   - A leaver clean-up run by the identity team (ask for the list)
-- catalog: [BULK-USER-DELETE]
-- ---
WITH deletions AS (
  SELECT id, time, COALESCE(actor_upn, actor_app_name) AS actor, ip_address, activity,
         COALESCE(target_id, target_upn) AS target_key,
         -- a deleted user's UPN starts with its object id in 32 hex digits
         CASE WHEN target_upn ~ '^[0-9a-f]{32}' THEN SUBSTR(target_upn, 33) ELSE target_upn END AS deleted_upn,
         (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') AS risky_source
  FROM audits
  WHERE activity IN ('Delete user', 'Hard Delete user') AND result = 'success'
    AND COALESCE(actor_upn, actor_app_name) IS NOT NULL
),
-- every deletion with the distinct accounts the same actor deleted in the window after it
windows AS (
  SELECT a.id AS anchor_id, b.id, b.time, b.actor, b.ip_address, b.activity, b.target_key, b.deleted_upn, b.risky_source
  FROM deletions a
  JOIN deletions b ON a.actor = b.actor
  WHERE b.time >= a.time
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{window_minutes}} * 60000000
),
bursts AS (
  SELECT anchor_id FROM windows GROUP BY anchor_id
  HAVING COUNT(DISTINCT target_key) >= {{min_targets}}
),
burst_deletions AS (
  SELECT DISTINCT w.id, w.time, w.actor, w.ip_address, w.activity, w.target_key, w.deleted_upn, w.risky_source
  FROM windows w
  JOIN bursts b ON b.anchor_id = w.anchor_id
),
per_actor AS (
  SELECT actor,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS deletions,
         COUNT(DISTINCT target_key) AS accounts,
         STRING_AGG(DISTINCT deleted_upn, ';' ORDER BY deleted_upn) AS deleted_accounts,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         MAX(CASE WHEN risky_source THEN 1 ELSE 0 END) AS risky_source,
         STRING_AGG(id, ';' ORDER BY id) AS record_ids
  FROM burst_deletions
  GROUP BY actor
),
bulk_jobs AS (
  SELECT time, COALESCE(actor_upn, actor_app_name) AS actor, ip_address, id, activity, result_reason,
         (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') AS risky_source
  FROM audits
  WHERE activity ILIKE 'Bulk delete users - finished%' AND result = 'success'
)
SELECT first_seen,
       last_seen,
       actor AS principals,
       ips,
       deletions AS evidence_count,
       CONCAT(actor, ' deleted ', CAST(accounts AS VARCHAR), ' accounts (', CAST(deletions AS VARCHAR),
              ' deletions, at least ', CAST({{min_targets}} AS VARCHAR), ' within ', CAST({{window_minutes}} AS VARCHAR),
              ' minutes) between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%H:%M'), ' UTC') AS summary,
       CASE WHEN risky_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       accounts AS deleted_count,
       deleted_accounts,
       activities,
       CAST(NULL AS VARCHAR) AS bulk_job_result
FROM per_actor
UNION ALL
SELECT time AS first_seen,
       time AS last_seen,
       actor AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'an unknown actor'), ' ran a bulk user deletion job (', activity, ')',
              CASE WHEN result_reason IS NULL THEN '' ELSE CONCAT(': ', result_reason) END) AS summary,
       CASE WHEN risky_source THEN 'critical' ELSE 'high' END AS severity,
       id AS record_ids,
       CAST(NULL AS BIGINT) AS deleted_count,
       CAST(NULL AS VARCHAR) AS deleted_accounts,
       activity AS activities,
       result_reason AS bulk_job_result
FROM bulk_jobs
