-- ---
-- id: APP-PERMISSION-ADDED
-- title: Microsoft Graph permissions added to an app registration
-- kind: detection
-- severity: medium
-- techniques: [T1098.003]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   "Update application" (success) whose RequiredResourceAccess gains Microsoft Graph
--   (ResourceAppId 00000003-0000-0000-c000-000000000000) permissions: EntitlementIds in the new
--   value that the old value does not have. DirectAccessGrant true marks an application
--   (app-only) permission, otherwise delegated. Well-known Graph permission ids are named. High when
--   an added permission reads or writes mail, mailbox settings, contacts, files, sites or notes, or
--   writes the directory, roles, app registrations, role assignments, users, groups, policies or
--   authentication methods; low when only sign-in basics were added (User.Read, openid, profile,
--   email, offline_access, User.ReadBasic.All); medium otherwise (unnamed ids included). A
--   requested permission still needs consent: look for the grant (CONSENT-HIGHPRIV) and a new
--   credential (APP-CRED-ADD), the Golden SAML / SimuLand sequence.
-- why: >-
--   Adding mail or directory permissions to an app the attacker controls is the first step of
--   turning it into a data-access backdoor that survives the user's password reset.
-- remediation: [review_configuration, revoke_consent_grant, remove_app_credential, ask_customer]
-- tables: [audits]
-- false_positives:
--   - Developers extending their own app's permissions (check who owns the app and why)
-- references:
--   - https://learn.microsoft.com/graph/permissions-reference
--   - https://github.com/Azure/SimuLand
--   - https://github.com/OTRF/Security-Datasets
-- catalog: [APP-PERMISSION-ADDED]
-- ---
WITH ops AS (
  SELECT id, time, actor_upn, ip_address, user_agent, target_id, target_name,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         -- the RequiredResourceAccess line of `changes`: "<app>/RequiredResourceAccess: old -> new"
         SPLIT_PART(SPLIT_PART(changes, '/RequiredResourceAccess: ', 2), '
', 1) AS rra_line
  FROM audits
  WHERE result = 'success'
    AND activity = 'Update application'
    AND changes LIKE '%/RequiredResourceAccess: %'
),
-- one piece per resource object ({"EncodingVersion":…,"RequiredAppPermissions":[…],"ResourceAppId":"…"})
resources AS (
  SELECT id, time, actor_upn, ip_address, user_agent, target_id, target_name, actor,
         SPLIT_PART(rra_line, ' -> ', 1) AS rra_old,
         UNNEST(STRING_TO_ARRAY(SPLIT_PART(rra_line, ' -> ', 2), '"EncodingVersion"')) AS resource_piece
  FROM ops
),
-- one piece per permission object of the Graph resource ({"DirectAccessGrant":…,"EntitlementId":"…",…})
permissions AS (
  SELECT id, time, actor_upn, ip_address, user_agent, target_id, target_name, actor, rra_old,
         UNNEST(STRING_TO_ARRAY(resource_piece, '}')) AS permission_piece
  FROM resources
  WHERE resource_piece LIKE '%"ResourceAppId":"00000003-0000-0000-c000-000000000000"%'
),
graph_permission_names AS (
  SELECT * FROM (VALUES
    ('e1fe6dd8-ba31-4d61-89e7-88639da4683d', 'User.Read', 'basic'),
    ('7427e0e9-2fba-42fe-b0c0-848c9e6a8182', 'offline_access', 'basic'),
    ('37f7f235-527c-4136-accd-4a02d197296e', 'openid', 'basic'),
    ('14dad69e-099b-42c9-810b-d002981feec1', 'profile', 'basic'),
    ('64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0', 'email', 'basic'),
    ('b340eb25-3456-403f-be2f-af7a0d370277', 'User.ReadBasic.All', 'basic'),
    ('570282fd-fa5c-430d-a7fd-fc8dc98a9dca', 'Mail.Read', 'high'),
    ('024d486e-b451-40bb-833d-3e66d98c5c73', 'Mail.ReadWrite', 'high'),
    ('e383f46e-2787-4529-855e-0e479a3ffac0', 'Mail.Send', 'high'),
    ('7b9103a5-4610-446b-9670-80643382c1fa', 'Mail.Read.Shared', 'high'),
    ('5df07973-7d5d-46ed-9847-1271055cbd51', 'Mail.ReadWrite.Shared', 'high'),
    ('a4b8392a-d8d1-4954-a029-8e668a39a170', 'Mail.ReadBasic', 'other'),
    ('818c620a-27a9-40bd-a6a5-d96f7d610b4b', 'MailboxSettings.ReadWrite', 'high'),
    ('ff74d97f-43af-4b68-9f2a-b77ee6968c5d', 'Contacts.Read', 'high'),
    ('df85f4d6-205c-4ac5-a5ea-6bf408dba283', 'Files.Read.All', 'high'),
    ('863451e7-0667-486c-a5d6-d135439485f0', 'Files.ReadWrite.All', 'high'),
    ('89fe6a52-be36-487e-b7d8-d061c450a026', 'Sites.ReadWrite.All', 'high'),
    ('dfabfca6-ee36-4db2-8208-7a28381419b3', 'Notes.Read.All', 'high'),
    ('0e263e50-5827-48a4-b97c-d940288653c7', 'Directory.AccessAsUser.All', 'high'),
    ('c5366453-9fb0-48a5-a156-24f0c49a4b84', 'Directory.ReadWrite.All', 'high'),
    ('d01b97e9-cbc0-49fe-810a-750afd5527a3', 'RoleManagement.ReadWrite.Directory', 'high'),
    ('bdfbf15f-ee85-4955-8675-146e8e5296b5', 'Application.ReadWrite.All', 'high'),
    ('84bccea3-f856-4a8a-967b-dbe0a3d53a64', 'AppRoleAssignment.ReadWrite.All', 'high'),
    ('810c84a8-4a9e-49e6-bf7d-12d183f40d01', 'Mail.Read', 'high'),
    ('e2a3a72e-5f79-4c64-b1b1-878b674786c9', 'Mail.ReadWrite', 'high'),
    ('b633e1c5-b582-4048-a93e-9f11b44c7e96', 'Mail.Send', 'high'),
    ('6931bccd-447a-43d1-b442-00a195474933', 'MailboxSettings.ReadWrite', 'high'),
    ('75359482-378d-4052-8f01-80520e7db3cd', 'Files.ReadWrite.All', 'high'),
    ('01d4889c-1287-42c6-ac1f-5d1e02578ef6', 'Files.Read.All', 'high'),
    ('332a536c-c7ef-4017-ab91-336970924f0d', 'Sites.Read.All', 'high'),
    ('9492366f-7969-46a4-8d15-ed1a20078fff', 'Sites.ReadWrite.All', 'high'),
    ('0c0bf378-bf22-4481-8f81-9e89a9b4960a', 'Sites.Manage.All', 'high'),
    ('a82116e5-55eb-4c41-a434-62fe8a61c773', 'Sites.FullControl.All', 'high'),
    ('3aeca27b-ee3a-4c2b-8ded-80376e2134a4', 'Notes.Read.All', 'high'),
    ('0c458cef-11f3-48c2-a568-c66751c238c0', 'Notes.ReadWrite.All', 'high'),
    ('9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', 'RoleManagement.ReadWrite.Directory', 'high'),
    ('1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', 'Application.ReadWrite.All', 'high'),
    ('06b708a9-e830-4db3-a914-8e69da51d44f', 'AppRoleAssignment.ReadWrite.All', 'high'),
    ('19dbc75e-c2e2-444c-a770-ec69d8559fc7', 'Directory.ReadWrite.All', 'high'),
    ('741f803b-c850-494e-b5df-cde7c675a1ca', 'User.ReadWrite.All', 'high'),
    ('c529cfca-c91b-489c-af2b-d92990b66ce6', 'User.ManageIdentities.All', 'high'),
    ('62a82d76-70ea-41e2-9197-370581804d09', 'Group.ReadWrite.All', 'high'),
    ('292d869f-3427-49a8-9dab-8c70152b74e9', 'Organization.ReadWrite.All', 'high'),
    ('29c18626-4985-4dcd-85c0-193eef327366', 'Policy.ReadWrite.AuthenticationMethod', 'high'),
    ('01c0a623-fc9b-48e9-b794-0756f8e8f067', 'Policy.ReadWrite.ConditionalAccess', 'high'),
    ('50483e42-d915-4231-9639-7fdb7fd190e5', 'UserAuthenticationMethod.ReadWrite.All', 'high'),
    ('9241abd9-d0e6-425a-bd4f-47ba86e767a4', 'DeviceManagementConfiguration.ReadWrite.All', 'high'),
    ('7ab1d382-f21e-4acd-a863-ba3e13f7da61', 'Directory.Read.All', 'other'),
    ('df021288-bdef-4463-88db-98f22de89214', 'User.Read.All', 'other')
  ) AS v(entitlement_id, permission_name, impact)
),
added AS (
  SELECT p.id, p.time, p.actor_upn, p.ip_address, p.user_agent, p.target_id, p.target_name, p.actor,
         p.entitlement_id,
         CASE WHEN p.app_only THEN 'application' ELSE 'delegated' END AS permission_type,
         CONCAT(COALESCE(n.permission_name, p.entitlement_id), CASE WHEN p.app_only THEN ' (application)' ELSE ' (delegated)' END) AS permission,
         COALESCE(n.impact, 'other') AS impact
  FROM (
    SELECT *,
           SPLIT_PART(SPLIT_PART(permission_piece, '"EntitlementId":"', 2), '"', 1) AS entitlement_id,
           permission_piece LIKE '%"DirectAccessGrant":true%' AS app_only
    FROM permissions
    WHERE permission_piece LIKE '%"EntitlementId":"%'
  ) p
  LEFT JOIN graph_permission_names n ON p.entitlement_id = n.entitlement_id
  -- not in the old value (literal containment: STRPOS takes a regex in polars)
  WHERE ARRAY_LENGTH(STRING_TO_ARRAY(COALESCE(p.rra_old, ''), p.entitlement_id)) = 1
),
per_update AS (
  SELECT id, MIN(time) AS time, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor, MIN(ip_address) AS ip_address,
         MIN(user_agent) AS user_agent, MIN(target_id) AS app_object_id, MIN(target_name) AS app,
         COUNT(DISTINCT entitlement_id) AS added_count,
         STRING_AGG(DISTINCT permission, ', ' ORDER BY permission) AS added_permissions,
         STRING_AGG(DISTINCT entitlement_id, ';' ORDER BY entitlement_id) AS added_ids,
         MAX(CASE WHEN impact = 'high' THEN 1 ELSE 0 END) = 1 AS high_impact,
         MIN(CASE WHEN impact = 'basic' THEN 1 ELSE 0 END) = 1 AS basic_only
  FROM added
  GROUP BY id
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'unknown actor'), ' added ', CAST(added_count AS VARCHAR), ' Microsoft Graph permission(s) to ',
              COALESCE(app, app_object_id, 'an application'), ': ', added_permissions) AS summary,
       CASE WHEN high_impact THEN 'high' WHEN basic_only THEN 'low' ELSE 'medium' END AS severity,
       id AS record_ids,
       app, app_object_id, added_permissions, added_ids, added_count, user_agent
FROM per_update
