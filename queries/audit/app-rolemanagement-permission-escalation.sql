-- ---
-- id: APP-ROLEMGMT-ESC
-- title: App granted RoleManagement.ReadWrite.Directory (self-promotion path)
-- kind: detection
-- severity: high
-- techniques: [T1098.003]
-- tactics: [privilege-escalation, persistence]
-- description: >-
--   A service principal is granted RoleManagement.ReadWrite.Directory or
--   AppRoleAssignment.ReadWrite.All: "Add app role assignment to service principal" (AppRole.Value)
--   or "Add delegated permission grant" (DelegatedPermissionGrant.Scope), success. The grantee is
--   ServicePrincipal.ObjectID / ServicePrincipal.DisplayName (or the second target of a delegated
--   grant). High for the grant alone; critical when, within window_minutes after the grant, that
--   same service principal (initiatedBy.app.servicePrincipalId) successfully adds a member to a
--   privileged role (role_is_privileged: by template id, custom roles included).
-- why: >-
--   RoleManagement.ReadWrite.Directory lets an app make anyone (itself included) Global
--   Administrator; AppRoleAssignment.ReadWrite.All lets it grant itself that permission. Either
--   one is tenant takeover by an app credential that MFA never sees.
-- remediation: [revoke_consent_grant, remove_role_assignment, disable_service_principal, remove_app_credential]
-- tables: [audits]
-- params:
--   window_minutes: 120
-- false_positives:
--   - Identity-governance or PIM automation deliberately given role-management rights
-- references:
--   - https://learn.microsoft.com/graph/permissions-reference#rolemanagementreadwritedirectory
--   - https://posts.specterops.io/azure-privilege-escalation-via-azure-api-permissions-abuse-74aee1006f48
-- catalog: [APP-ROLEMGMT-ESC]
-- ---
-- (the CTE chain is kept linear: every CTE referenced twice is planned twice, and deep plans
-- overflow the stack)
WITH grant_ops AS (
  SELECT id, time, activity, actor_upn, ip_address, target_id, target_name, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS granted_by
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add app role assignment to service principal', 'Add delegated permission grant', 'Add OAuth2PermissionGrant')
    AND (changes LIKE '%RoleManagement.ReadWrite.Directory%' OR changes LIKE '%AppRoleAssignment.ReadWrite.All%')
),
tg AS (
  SELECT *, UNNEST(targets) AS t FROM grant_ops
),
props AS (
  -- a target without modified properties still yields one row (p is null)
  SELECT id, time, activity, actor_upn, ip_address, target_id, target_name, granted_by,
         t.id AS tid, t.type AS ttype, t.display_name AS tname,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
grants AS (
  SELECT id,
         MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn, MIN(ip_address) AS ip_address,
         MIN(target_name) AS resource, MIN(granted_by) AS granted_by,
         COALESCE(MAX(CASE WHEN p.name = 'AppRole.Value' THEN p.new_value END),
                  MAX(CASE WHEN p.name = 'DelegatedPermissionGrant.Scope' THEN p.new_value END)) AS permission,
         -- app role assignments name the grantee in ServicePrincipal.*; delegated grants as the second target
         COALESCE(MAX(CASE WHEN p.name = 'ServicePrincipal.ObjectID' THEN p.new_value END),
                  MAX(CASE WHEN LOWER(ttype) = 'serviceprincipal' AND tid <> target_id THEN tid END)) AS grantee_id,
         COALESCE(MAX(CASE WHEN p.name = 'ServicePrincipal.DisplayName' THEN p.new_value END),
                  MAX(CASE WHEN LOWER(ttype) = 'serviceprincipal' AND tid <> target_id THEN tname END),
                  MAX(CASE WHEN p.name = 'ServicePrincipal.ObjectID' THEN p.new_value END),
                  MAX(CASE WHEN LOWER(ttype) = 'serviceprincipal' AND tid <> target_id THEN tid END)) AS grantee,
         MAX(CASE WHEN p.name = 'ServicePrincipal.AppId' THEN p.new_value END) AS grantee_app_id
  FROM props
  GROUP BY id
  HAVING COALESCE(MAX(CASE WHEN p.name = 'AppRole.Value' THEN p.new_value END),
                  MAX(CASE WHEN p.name = 'DelegatedPermissionGrant.Scope' THEN p.new_value END), '')
         ~ '(RoleManagement\.ReadWrite\.Directory|AppRoleAssignment\.ReadWrite\.All)'
),
-- role additions made by a service principal itself, to a privileged role
sp_promotions AS (
  SELECT time AS promoted_at, id AS promotion_id, actor_sp_id,
         COALESCE(target_upn, target_name, target_id) AS promoted
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add member to role', 'Add eligible member to role', 'Add scoped member to role')
    AND actor_sp_id IS NOT NULL
    AND COALESCE(role_is_privileged, FALSE)
),
joined AS (
  SELECT g.*, p.promoted_at, p.promotion_id, p.promoted,
         -- the promotion came after the grant, within window_minutes
         p.promoted_at >= g.time
           AND CAST(p.promoted_at AS BIGINT) - CAST(g.time AS BIGINT) <= {{window_minutes}} * 60000000 AS in_window
  FROM grants g
  LEFT JOIN sp_promotions p ON g.grantee_id = p.actor_sp_id
),
per_grant AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn,
         MIN(ip_address) AS ip_address, MIN(resource) AS resource, MIN(granted_by) AS granted_by,
         MIN(permission) AS permission, MIN(grantee_id) AS grantee_id, MIN(grantee) AS grantee,
         MIN(grantee_app_id) AS grantee_app_id,
         SUM(CASE WHEN in_window THEN 1 ELSE 0 END) AS promotions,
         MAX(CASE WHEN in_window THEN promoted_at END) AS last_promotion,
         STRING_AGG(DISTINCT CASE WHEN in_window THEN promoted END, ';'
                    ORDER BY CASE WHEN in_window THEN promoted END) AS promoted_accounts,
         STRING_AGG(DISTINCT CASE WHEN in_window THEN promotion_id END, ';'
                    ORDER BY CASE WHEN in_window THEN promotion_id END) AS promotion_ids
  FROM joined
  GROUP BY id
)
SELECT time AS first_seen,
       COALESCE(last_promotion, time) AS last_seen,
       CONCAT_WS(';', grantee, actor_upn, promoted_accounts) AS principals,
       ip_address AS ips,
       1 + promotions AS evidence_count,
       CONCAT(COALESCE(granted_by, 'unknown actor'), ' granted ', permission, ' to service principal ', COALESCE(grantee, 'unknown'),
              CASE WHEN promotions > 0
                   THEN CONCAT('; the service principal then added ', promoted_accounts, ' to an admin role (',
                               CAST(promotions AS VARCHAR), ' role assignment(s))')
                   ELSE '' END) AS summary,
       CASE WHEN promotions > 0 THEN 'critical' ELSE 'high' END AS severity,
       CONCAT_WS(';', id, promotion_ids) AS record_ids,
       grantee, grantee_id, grantee_app_id, permission, resource, granted_by, activity,
       promoted_accounts, promotion_ids
FROM per_grant
