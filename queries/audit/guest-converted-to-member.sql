-- ---
-- id: GUEST-TO-MEMBER
-- title: Guest account converted to member
-- kind: detection
-- severity: medium
-- techniques: [T1098]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   A successful "Update user" whose UserType modified property goes from Guest (old value)
--   to Member (new value). High when the actor came from a hosting or intel-listed IP, used an
--   attack-tool user agent, or is itself a guest (#EXT# in the UPN).
-- why: >-
--   A member sees the whole directory and falls outside the guest restrictions and the
--   guest-only Conditional Access policies; converting an external account the attacker
--   controls is a quiet way to give it insider rights.
-- remediation: [review_configuration, ask_customer, revoke_sessions]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/external-id/convert-external-users-internal
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
-- false_positives:
--   - A contractor hired as an employee whose guest account is converted on purpose
-- catalog: [GUEST-TO-MEMBER]
-- ---
WITH user_updates AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity = 'Update user' AND result = 'success' AND changes LIKE '%UserType%'
),
user_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM user_updates
),
converted AS (
  SELECT DISTINCT id
  FROM user_props
  WHERE mp.name = 'UserType'
    AND mp.old_value ILIKE '%guest%'
    AND mp.new_value ILIKE '%member%'
)
SELECT a.time AS first_seen,
       a.time AS last_seen,
       CASE WHEN a.actor_upn IS NULL THEN COALESCE(a.target_upn, a.target_name)
            ELSE CONCAT(COALESCE(a.target_upn, a.target_name, ''), ';', a.actor_upn) END AS principals,
       a.ip_address AS ips,
       1 AS evidence_count,
       CONCAT('guest ', COALESCE(a.target_upn, a.target_name, a.target_id, 'unknown'), ' converted to member by ',
              COALESCE(a.actor_upn, a.actor_app_name, 'an unknown actor'),
              CASE WHEN a.ip_address IS NULL THEN '' ELSE CONCAT(' from ', a.ip_address) END) AS summary,
       CASE WHEN a.ip_is_hosting OR a.ip_intel IS NOT NULL OR a.ua_tool_kind = 'attack_tool'
                 OR a.actor_upn LIKE '%#ext#%' THEN 'high' ELSE 'medium' END AS severity,
       a.id AS record_ids,
       a.target_upn AS account,
       a.target_id AS account_object_id,
       COALESCE(a.actor_upn, a.actor_app_name) AS changed_by,
       a.changes,
       a.user_agent,
       a.ip_hosting_provider,
       a.ip_intel
FROM audits a
JOIN converted c ON c.id = a.id
