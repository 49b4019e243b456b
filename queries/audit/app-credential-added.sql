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
--   a tool or HTTP library.
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
SELECT time AS first_seen,
       time AS last_seen,
       actor_upn AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor_upn, actor_app_name, 'unknown actor'), ' added a credential to ',
              COALESCE(target_name, target_id, 'an application'), ' (', activity, ')') AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       target_name AS app, target_id AS app_object_id, user_agent, changes
FROM audits
WHERE result = 'success'
  AND (activity LIKE 'Update application%Certificates and secrets management%'
       OR activity = 'Add service principal credentials')
  AND actor_type = 'user'
