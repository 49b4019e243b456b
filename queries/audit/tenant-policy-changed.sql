-- ---
-- id: TENANT-POLICY
-- title: Security defaults or tenant-wide policy changed
-- kind: detection
-- severity: low
-- techniques: [T1562.001, T1556.009]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   A successful change of a tenant-wide setting: "Update security defaults", "Update
--   continuous access evaluation", "Update authorization policy" (user consent, guest invites
--   and access, default user permissions), "Add / Update / Delete permission grant policy",
--   "Set password policy", "Update company settings". Medium when the old and new values show
--   a loosening: security defaults or continuous access evaluation switched off, users allowed
--   to consent to any app (microsoft-user-default-legacy) or given consent where they had none,
--   invitations opened to everyone, guests given member-level access
--   (a0b1b346-4d3e-4e8b-98f8-753987be4970), users allowed to create apps, tenants or security
--   groups, email-verified self-service sign-up allowed, MSOnline PowerShell unblocked; low
--   (a "did you expect this?" change) otherwise. One level higher when the actor came from a
--   hosting or intel-listed IP or used an attack-tool user agent.
-- why: >-
--   These switches set the baseline for every account: turning off security defaults removes
--   MFA for the whole tenant, and open user consent or guest access is what consent phishing
--   and data theft through guests rely on.
-- remediation: [revert_policy_change, review_configuration, ask_customer]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/fundamentals/security-defaults
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent
--   - https://learn.microsoft.com/entra/external-id/external-collaboration-settings-configure
-- false_positives:
--   - Turning security defaults off when moving to Conditional Access (check that policies replace it)
-- catalog: [TENANT-POLICY]
-- ---
WITH policy_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND (activity IN ('Update security defaults', 'Update continuous access evaluation',
                      'Update authorization policy', 'Set password policy', 'Update company settings')
         OR activity ILIKE '%permission grant policy%')
),
policy_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM policy_events
),
policy_values AS (
  SELECT id,
         LOWER(COALESCE(STRING_AGG(mp.old_value, ' | '), '')) AS o,
         LOWER(COALESCE(STRING_AGG(mp.new_value, ' | '), '')) AS n
  FROM policy_props
  GROUP BY id
),
events AS (
  SELECT a.*, COALESCE(v.o, '') AS o, COALESCE(v.n, '') AS n, LOWER(COALESCE(a.changes, '')) AS c
  FROM audits a
  LEFT JOIN policy_values v ON v.id = a.id
  WHERE a.result = 'success'
    AND (a.activity IN ('Update security defaults', 'Update continuous access evaluation',
                        'Update authorization policy', 'Set password policy', 'Update company settings')
         OR a.activity ILIKE '%permission grant policy%')
),
-- What got looser: a marker in the new value that the old value did not have (values are
-- lower-cased; JSON keys, per-property "name: old -> new" lines or both).
loosened AS (
  SELECT *,
         CONCAT_WS('; ',
           CASE WHEN activity = 'Update security defaults'
                 AND (n LIKE '%"isenabled":false%' OR TRIM(n) IN ('false', 'disabled'))
                 AND NOT (o LIKE '%"isenabled":false%' OR TRIM(o) IN ('false', 'disabled'))
                THEN 'security defaults switched off' END,
           CASE WHEN activity = 'Update continuous access evaluation'
                 AND (n LIKE '%disabled%' OR n LIKE '%"isenabled":false%') AND NOT (o LIKE '%disabled%' OR o LIKE '%"isenabled":false%')
                THEN 'continuous access evaluation switched off' END,
           CASE WHEN n LIKE '%microsoft-user-default-legacy%' AND o NOT LIKE '%microsoft-user-default-legacy%'
                THEN 'users may consent to any application' END,
           CASE WHEN n LIKE '%microsoft-user-default-low%' AND o NOT LIKE '%microsoft-user-default-%'
                THEN 'user consent enabled where there was none' END,
           CASE WHEN n LIKE '%everyone%' AND o NOT LIKE '%everyone%'
                THEN 'anyone may invite guests' END,
           CASE WHEN n LIKE '%a0b1b346-4d3e-4e8b-98f8-753987be4970%' AND o NOT LIKE '%a0b1b346-4d3e-4e8b-98f8-753987be4970%'
                THEN 'guests get the same access as members' END,
           CASE WHEN (n LIKE '%"allowedtocreateapps":true%' AND o LIKE '%"allowedtocreateapps":false%')
                  OR c LIKE '%allowedtocreateapps: false -> true%'
                THEN 'users may register applications' END,
           CASE WHEN (n LIKE '%"allowedtocreatetenants":true%' AND o LIKE '%"allowedtocreatetenants":false%')
                  OR c LIKE '%allowedtocreatetenants: false -> true%'
                THEN 'users may create tenants' END,
           CASE WHEN (n LIKE '%"allowedtocreatesecuritygroups":true%' AND o LIKE '%"allowedtocreatesecuritygroups":false%')
                  OR c LIKE '%allowedtocreatesecuritygroups: false -> true%'
                THEN 'users may create security groups' END,
           CASE WHEN (n LIKE '%"allowemailverifieduserstojoinorganization":true%' AND o LIKE '%"allowemailverifieduserstojoinorganization":false%')
                  OR c LIKE '%allowemailverifieduserstojoinorganization: false -> true%'
                THEN 'email-verified users may join the tenant' END,
           CASE WHEN (n LIKE '%"blockmsolpowershell":false%' AND o LIKE '%"blockmsolpowershell":true%')
                  OR c LIKE '%blockmsolpowershell: true -> false%'
                THEN 'MSOnline PowerShell unblocked' END) AS loosening
  FROM events
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(activity, CASE WHEN target_name IS NULL THEN '' ELSE CONCAT(' (', target_name, ')') END,
              ' by ', COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              CASE WHEN loosening <> '' THEN CONCAT(': ', loosening) ELSE ': no loosening recognised, confirm the change' END) AS summary,
       CASE WHEN loosening <> '' AND (ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool') THEN 'high'
            WHEN loosening <> '' OR ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'medium'
            ELSE 'low' END AS severity,
       id AS record_ids,
       activity,
       target_name AS policy,
       CASE WHEN loosening <> '' THEN loosening END AS loosening,
       changes,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM loosened
