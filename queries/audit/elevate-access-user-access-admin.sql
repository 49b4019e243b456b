-- ---
-- id: ELEVATE-UAA
-- title: Global Administrator elevated to User Access Administrator over Azure
-- kind: detection
-- severity: high
-- techniques: [T1098.003, T1548.005]
-- tactics: [privilege-escalation]
-- description: >-
--   Successful "User has elevated their access to User Access Administrator for their Azure
--   Resources" (category AzureRBACRoleManagementElevateAccess, service Azure RBAC (Elevated
--   Access)): a Global Administrator flipped "Access management for Azure resources" and holds
--   User Access Administrator at the root scope "/". Critical when the initiator's IP is a
--   hosting network or on an intel list, or its user agent is a tool or HTTP library. The Azure
--   Activity log variant (Microsoft.Authorization/elevateAccess/action) is outside Entra exports.
-- why: >-
--   Root-scope User Access Administrator lets the account grant itself Owner on every
--   subscription and management group: the bridge from an Entra compromise to Azure resources
--   (Storm-0501 ransomware used it).
-- remediation: [remove_role_assignment, revoke_sessions, reset_password, ask_customer]
-- tables: [audits]
-- false_positives:
--   - A Global Administrator recovering access to an orphaned subscription (should be rare and ticketed)
-- references:
--   - https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin
--   - https://www.microsoft.com/security/blog/2025/08/27/storm-0501s-evolving-techniques-lead-to-cloud-based-ransomware/
-- catalog: [ELEVATE-UAA]
-- ---
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_display_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor_upn, actor_display_name, 'unknown user'),
              ' elevated to User Access Administrator at the Azure root scope',
              CASE WHEN ip_address IS NOT NULL THEN CONCAT(' from ', ip_address) ELSE '' END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL THEN 'critical' ELSE 'high' END AS severity,
       id AS record_ids,
       activity, category, logged_by_service, user_agent, ip_asn
FROM audits
WHERE result = 'success'
  AND activity LIKE 'User has elevated their access to User Access Administrator%'
