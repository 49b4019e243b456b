-- ---
-- id: AUDIT-DISABLE
-- title: Advanced Auditing disabled for a user through licensing
-- kind: detection
-- severity: medium
-- techniques: [T1562.008]
-- tactics: [defense-evasion]
-- description: >-
--   A successful "Update user" (or other user license change) whose LicenseAssignmentDetail
--   new value lists the Microsoft 365 Advanced Auditing service plan
--   2f442157-a11c-46b9-ae5b-6e39ff4e5849 among the disabled plans while the old value did not:
--   the user's MailItemsAccessed and other advanced audit events stop. High when the actor
--   came from a hosting or intel-listed IP or used an attack-tool user agent, or the account
--   is privileged. Deleting Entra diagnostic settings is only visible in the Azure Activity
--   log, outside this tool's inputs.
-- why: >-
--   Attackers who read mail through a compromised account (APT29 did this) switch off the
--   plan that records mailbox reads, so the theft leaves no trace in the unified audit log.
-- remediation: [review_configuration, revoke_sessions, ask_customer]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/purview/audit-premium-setup
--   - https://cloud.google.com/blog/topics/threat-intelligence/apt29-continues-targeting-microsoft
-- false_positives:
--   - License clean-up that drops E5 plans for users who no longer need them
-- catalog: [AUDIT-DISABLE]
-- ---
WITH license_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND changes LIKE '%2f442157-a11c-46b9-ae5b-6e39ff4e5849%'
),
license_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM license_events
),
-- the Advanced Auditing plan newly appears in the new license assignment detail (it is only
-- ever listed there as a disabled plan)
plan_disabled AS (
  SELECT DISTINCT id
  FROM license_props
  WHERE mp.name = 'LicenseAssignmentDetail'
    AND mp.new_value LIKE '%2f442157-a11c-46b9-ae5b-6e39ff4e5849%'
    AND COALESCE(mp.old_value, '') NOT LIKE '%2f442157-a11c-46b9-ae5b-6e39ff4e5849%'
)
SELECT a.time AS first_seen,
       a.time AS last_seen,
       CASE WHEN a.actor_upn IS NULL OR a.actor_upn = a.target_upn THEN COALESCE(a.target_upn, a.actor_app_name)
            ELSE CONCAT(COALESCE(a.target_upn, ''), ';', a.actor_upn) END AS principals,
       a.ip_address AS ips,
       1 AS evidence_count,
       CONCAT('Advanced Auditing (2f442157-a11c-46b9-ae5b-6e39ff4e5849) disabled in the license of ',
              COALESCE(a.target_upn, a.target_name, 'an unknown user'), ' by ',
              COALESCE(a.actor_upn, a.actor_app_name, 'an unknown actor'),
              CASE WHEN a.ip_address IS NULL THEN '' ELSE CONCAT(' from ', a.ip_address) END,
              ' (', a.activity, ')') AS summary,
       CASE WHEN a.ip_is_hosting OR a.ip_intel IS NOT NULL OR a.ua_tool_kind = 'attack_tool'
                 OR a.target_is_privileged THEN 'high' ELSE 'medium' END AS severity,
       a.id AS record_ids,
       a.target_upn AS account,
       COALESCE(a.actor_upn, a.actor_app_name) AS changed_by,
       a.activity,
       a.changes,
       a.user_agent,
       a.ip_hosting_provider,
       a.ip_intel
FROM audits a
JOIN plan_disabled p ON p.id = a.id
