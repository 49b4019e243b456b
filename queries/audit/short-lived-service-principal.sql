-- ---
-- id: SP-SHORTLIVED
-- title: Short-lived service principal given credentials or permissions, used, then deleted
-- kind: detection
-- severity: medium
-- techniques: [T1078.004, T1528]
-- tactics: [persistence, defense-evasion, credential-access]
-- description: >-
--   "Add service principal" and "Remove service principal" (or "Hard delete service principal")
--   of the same service principal (matched by name) at most max_lifetime_minutes apart, success,
--   with at least one of these in between (up to max_lifetime_minutes after the removal for
--   sign-ins, which are logged late): a credential added ("Update application – Certificates and
--   secrets management" on the app of that name, or "Add service principal credentials"), an app
--   role granted to it ("Add app role assignment to service principal", grantee named by
--   ServicePrincipal.DisplayName), or a successful service principal sign-in by it. High when all
--   three happened (credential, permission and use); medium otherwise (raised from the Sentinel
--   source's low). The Sentinel rule's AppId join is replaced by the name, which the exports
--   always carry.
-- why: >-
--   Create, arm, use and delete within minutes is how an attacker with app-management rights runs
--   a throw-away identity: the app is gone before anyone looks, but what it read or changed stays.
-- remediation: [revoke_sessions, reset_password, confirm_compromised, ask_customer]
-- tables: [audits, signins]
-- params:
--   max_lifetime_minutes: 10
-- false_positives:
--   - Automated integration tests that create and delete test apps
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/AuditLogs/SuspiciousServicePrincipalcreationactivity.yaml
-- catalog: [SP-SHORTLIVED]
-- ---
WITH events AS (
  SELECT id, time, ip_address, actor_upn,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         CASE WHEN activity = 'Add service principal' THEN 'add'
              WHEN activity IN ('Remove service principal', 'Hard delete service principal') THEN 'remove'
              WHEN activity = 'Add app role assignment to service principal' THEN 'permission'
              ELSE 'credential' END AS kind,
         -- the service principal's name; an app role assignment names its grantee in
         -- ServicePrincipal.DisplayName (the first target is the resource API)
         LOWER(TRIM(CASE WHEN activity = 'Add app role assignment to service principal'
                         THEN SPLIT_PART(SPLIT_PART(SPLIT_PART(changes, 'ServicePrincipal.DisplayName: ', 2), '
', 1), '-> ', 2)
                         ELSE target_name END)) AS sp_key,
         target_name, target_id,
         CASE WHEN activity = 'Add app role assignment to service principal'
              THEN TRIM(SPLIT_PART(SPLIT_PART(SPLIT_PART(changes, 'AppRole.Value: ', 2), '
', 1), '-> ', 2)) END AS app_role
  FROM audits
  WHERE result = 'success'
    AND (activity IN ('Add service principal', 'Remove service principal', 'Hard delete service principal',
                      'Add service principal credentials', 'Add app role assignment to service principal')
         OR activity LIKE 'Update application%Certificates and secrets management%')
),
lifetimes AS (
  SELECT a.sp_key, a.target_name AS sp_name, a.target_id AS sp_object_id,
         a.time AS created_at, r.time AS removed_at,
         a.id AS add_id, r.id AS remove_id,
         a.actor AS creator, a.actor_upn AS creator_upn, r.actor AS deleter, r.actor_upn AS deleter_upn,
         a.ip_address AS creator_ip, r.ip_address AS deleter_ip
  FROM events a
  JOIN events r ON a.sp_key = r.sp_key
  WHERE a.kind = 'add' AND r.kind = 'remove'
    AND r.time >= a.time
    AND CAST(r.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{max_lifetime_minutes}} * 60000000
),
-- what happened to the service principal: credentials and permissions (audits), use (sign-ins)
acts AS (
  SELECT sp_key, time, kind, id, ip_address, app_role
  FROM events
  WHERE kind IN ('credential', 'permission')
  UNION ALL
  SELECT LOWER(COALESCE(service_principal_name, app_display_name)) AS sp_key, time, 'sign-in' AS kind, id, ip_address,
         resource_display_name AS app_role
  FROM signins
  WHERE category = 'service_principal' AND result = 'success'
),
joined AS (
  SELECT l.*, x.time AS act_time, x.kind AS act_kind, x.id AS act_id, x.ip_address AS act_ip, x.app_role,
         x.time >= l.created_at
           AND CAST(x.time AS BIGINT) - CAST(l.removed_at AS BIGINT) <= {{max_lifetime_minutes}} * 60000000 AS in_life
  FROM lifetimes l
  JOIN acts x ON l.sp_key = x.sp_key
),
-- the activity inside the life span, by kind
life AS (
  SELECT *,
         CASE WHEN in_life AND act_kind = 'permission' THEN app_role END AS life_app_role,
         CASE WHEN in_life AND act_kind = 'sign-in' THEN app_role END AS life_resource,
         CASE WHEN in_life AND act_kind = 'sign-in' THEN act_ip END AS life_sign_in_ip,
         CASE WHEN in_life AND act_kind <> 'sign-in' THEN act_id END AS life_audit_id,
         CASE WHEN in_life AND act_kind = 'sign-in' THEN act_id END AS life_sign_in_id
  FROM joined
),
per_sp AS (
  SELECT add_id,
         MIN(sp_name) AS sp_name, MIN(sp_object_id) AS sp_object_id,
         MIN(created_at) AS created_at, MIN(removed_at) AS removed_at, MIN(remove_id) AS remove_id,
         MIN(creator) AS creator, MIN(creator_upn) AS creator_upn, MIN(deleter) AS deleter, MIN(deleter_upn) AS deleter_upn,
         MIN(creator_ip) AS creator_ip, MIN(deleter_ip) AS deleter_ip,
         MAX(CASE WHEN in_life THEN act_time END) AS last_act,
         SUM(CASE WHEN in_life AND act_kind = 'credential' THEN 1 ELSE 0 END) AS credentials,
         SUM(CASE WHEN in_life AND act_kind = 'permission' THEN 1 ELSE 0 END) AS permissions,
         SUM(CASE WHEN in_life AND act_kind = 'sign-in' THEN 1 ELSE 0 END) AS sign_ins,
         STRING_AGG(DISTINCT life_app_role, ' ' ORDER BY life_app_role) AS app_roles,
         STRING_AGG(DISTINCT life_resource, ';' ORDER BY life_resource) AS resources_accessed,
         STRING_AGG(DISTINCT life_sign_in_ip, ';' ORDER BY life_sign_in_ip) AS sign_in_ips,
         STRING_AGG(DISTINCT life_audit_id, ';' ORDER BY life_audit_id) AS audit_ids,
         STRING_AGG(DISTINCT life_sign_in_id, ';' ORDER BY life_sign_in_id) AS sign_in_ids
  FROM life
  GROUP BY add_id
  HAVING SUM(CASE WHEN in_life THEN 1 ELSE 0 END) > 0
)
SELECT created_at AS first_seen,
       CASE WHEN last_act > removed_at THEN last_act ELSE removed_at END AS last_seen,
       CONCAT_WS(';', creator_upn, deleter_upn) AS principals,
       CONCAT_WS(';', creator_ip, deleter_ip, sign_in_ips) AS ips,
       2 + credentials + permissions + sign_ins AS evidence_count,
       CONCAT('service principal ', sp_name, ' created by ', COALESCE(creator, 'unknown'), ' lived ',
              CAST(DIV(CAST(removed_at AS BIGINT) - CAST(created_at AS BIGINT), 60000000) AS VARCHAR), ' min: ',
              CAST(credentials AS VARCHAR), ' credential(s), ', CAST(permissions AS VARCHAR), ' app role(s)',
              CASE WHEN app_roles IS NOT NULL THEN CONCAT(' (', app_roles, ')') ELSE '' END, ', ',
              CAST(sign_ins AS VARCHAR), ' sign-in(s), then deleted by ', COALESCE(deleter, 'unknown')) AS summary,
       CASE WHEN credentials > 0 AND permissions > 0 AND sign_ins > 0 THEN 'high' ELSE 'medium' END AS severity,
       CONCAT_WS(';', add_id, remove_id, audit_ids) AS record_ids,
       sp_name, sp_object_id, creator, deleter, credentials, permissions, app_roles, sign_ins, resources_accessed, sign_in_ids
FROM per_sp
