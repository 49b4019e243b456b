-- ---
-- id: APP-CRED-ADD
-- title: Credential added to an application or service principal
-- kind: detection
-- severity: medium
-- techniques: [T1098.001]
-- tactics: [persistence]
-- description: >-
--   A password or certificate credential is added to an application or service principal
--   ("Update application – Certificates and secrets management", "Add service principal
--   credentials") by a user. Routine rolls by the Managed Service Identity app are ignored.
--   High when the actor's IP is a hosting network or on an intel list, or the user agent is
--   a tool or HTTP library; low when the actor registered the application themselves in the
--   window (a developer's own app) or its credentials are renewed by routine automation;
--   medium otherwise. Updates that only remove a key (the key list shrank) do not count.
-- why: >-
--   A secret added to an existing app is the quietest persistence in Entra: it survives
--   password resets and MFA, and acts with every permission the app holds.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-compromised-malicious-app
-- false_positives:
--   - Developers rotating their own app secrets; CI pipelines adding certificates
-- catalog: [APP-CRED-ADD]
-- ---
WITH adds AS (
  SELECT *,
         -- "name/KeyDescription: [old keys] -> [new keys]"
         SPLIT_PART(SPLIT_PART(changes, 'KeyDescription: ', 2), ' -> ', 1) AS old_keys,
         SPLIT_PART(SPLIT_PART(changes, 'KeyDescription: ', 2), ' -> ', 2) AS new_keys
  FROM audits
  WHERE result = 'success'
    AND (activity LIKE 'Update application%Certificates and secrets management%'
         OR activity = 'Add service principal credentials')
    AND actor_type = 'user'
),
-- applications the same person registered in the window: a developer's own app
own_apps AS (
  SELECT DISTINCT actor_upn, target_id FROM audits
  WHERE activity = 'Add application' AND result = 'success' AND actor_upn IS NOT NULL AND target_id IS NOT NULL
)
SELECT a.time AS first_seen,
       a.time AS last_seen,
       a.actor_upn AS principals,
       a.ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(a.actor_upn, a.actor_app_name, 'unknown actor'), ' added a credential to ',
              COALESCE(a.target_name, a.target_id, 'an application'), ' (', a.activity, ')',
              CASE WHEN o.target_id IS NOT NULL THEN '; an application they registered in the window' ELSE '' END) AS summary,
       CASE WHEN a.ip_is_hosting OR a.ip_intel IS NOT NULL OR a.ua_tool IS NOT NULL THEN 'high'
            WHEN o.target_id IS NOT NULL OR a.target_is_automation THEN 'low'
            ELSE 'medium' END AS severity,
       a.id AS record_ids,
       a.target_name AS app, a.target_id AS app_object_id, a.user_agent, a.changes,
       o.target_id IS NOT NULL AS own_app
FROM adds a
LEFT JOIN own_apps o ON o.actor_upn = a.actor_upn AND o.target_id = a.target_id
WHERE a.activity = 'Add service principal credentials'
   OR a.changes IS NULL
   OR NOT a.changes LIKE '%KeyDescription%'
   OR LENGTH(a.new_keys) > LENGTH(a.old_keys)
