-- ---
-- id: PIM-WEAKEN
-- title: PIM role settings changed or PIM alerts disabled
-- kind: detection
-- severity: high
-- techniques: [T1562.001, T1548.005]
-- tactics: [defense-evasion, privilege-escalation]
-- description: >-
--   A successful "Update role setting in PIM" (roles, groups or Azure resources), "Disable PIM
--   alert", "Deactivate PIM alert" or "Update PIM alert setting". High when an alert is disabled
--   or deactivated, when the setting belongs to Global Administrator, Privileged Role
--   Administrator or Privileged Authentication Administrator, or when the result reason or the
--   modified properties read like a weakening (disabled, not required, removed, turned off, set
--   to false / none, e.g. "MFA on activation disabled"); medium for other setting changes, whose
--   direction the log does not state (read result_reason and changes).
-- why: >-
--   Removing approval or MFA on activation, or lengthening activation, makes every eligible admin
--   account a standing admin for whoever holds its password; disabling PIM alerts hides it.
-- remediation: [revert_policy_change, ask_customer]
-- tables: [audits]
-- false_positives:
--   - Planned PIM policy reviews (most changes tighten settings; check the old and new values)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
-- catalog: [PIM-WEAKEN]
-- ---
WITH changes AS (
  SELECT *,
         CONCAT(COALESCE(result_reason, ''), ' ', COALESCE(changes, '')) AS detail_text
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Update role setting in PIM', 'Disable PIM alert', 'Deactivate PIM alert', 'Update PIM alert setting')
),
rated AS (
  SELECT *,
         activity IN ('Disable PIM alert', 'Deactivate PIM alert') AS alert_disabled,
         COALESCE(target_name, '') IN ('Global Administrator', 'Privileged Role Administrator',
                                       'Privileged Authentication Administrator') AS tier0_role,
         -- words of a weakening, or a setting whose new value is false / none
         LOWER(detail_text) ~ '(disabled|not required|removed|turned off|-> *"?false|-> *"?none)' AS weakening_words
  FROM changes
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name, actor_display_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor_upn, actor_app_name, actor_display_name, 'unknown actor'), ': ', activity,
              ' on ', COALESCE(target_name, target_id, 'an unnamed setting'),
              CASE WHEN COALESCE(result_reason, '') <> '' THEN CONCAT(' (', result_reason, ')') ELSE '' END) AS summary,
       CASE WHEN alert_disabled OR tier0_role OR weakening_words THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       activity, target_name AS setting, target_type, category, result_reason, changes, user_agent
FROM rated
