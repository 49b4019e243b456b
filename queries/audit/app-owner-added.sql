-- ---
-- id: APP-OWNER-ADD
-- title: Owner added to an application or service principal
-- kind: detection
-- severity: medium
-- techniques: [T1098]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   "Add owner to application" or "Add owner to service principal", success. The new owner is the
--   first target (a user, or a service principal); the app is named by the Application.* /
--   ServicePrincipal.* modified properties or the other target. The owner added by the portal when
--   an app is registered (an "Add application" / "Add service principal" in the same correlation)
--   is skipped. High when the new owner is a guest (#EXT#) or a service principal, or when the
--   initiator's IP is a hosting network or on an intel list, or its user agent is a tool or HTTP
--   library. Not implemented: whether the app holds privileged permissions, and change management.
-- why: >-
--   An owner can add secrets and certificates to the app and act with all its permissions; adding
--   an owner is how an attacker keeps control of a privileged app without holding an admin role.
-- remediation: [ask_customer, remove_app_credential, review_configuration]
-- tables: [audits]
-- false_positives:
--   - Hand-over of an app to a new development team
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications#new-owner
-- catalog: [APP-OWNER-ADD]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, correlation_id, actor_upn, ip_address, user_agent, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         activity LIKE 'Add owner to %' AS is_owner_add,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source,
         -- an app registered in the same operation: its creator becomes owner automatically
         MAX(CASE WHEN activity IN ('Add application', 'Add service principal') THEN 1 ELSE 0 END)
           OVER (PARTITION BY COALESCE(correlation_id, id)) = 1 AS created_in_same_operation
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add owner to application', 'Add owner to service principal', 'Add application', 'Add service principal')
),
tg AS (
  SELECT id, time, activity, actor_upn, actor, ip_address, user_agent, suspicious_source, UNNEST(targets) AS t
  FROM ops
  WHERE is_owner_add AND NOT created_in_same_operation
),
props AS (
  SELECT id, time, activity, actor_upn, actor, ip_address, user_agent, suspicious_source,
         t.id AS tid, t.type AS ttype, t.display_name AS tname, t.upn AS tupn,
         UNNEST(t.modified_properties) AS p
  FROM tg
),
owner_adds AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(ip_address) AS ip_address, MIN(user_agent) AS user_agent,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         -- the new owner is the target carrying the Application.* / ServicePrincipal.* properties;
         -- the app is the target without properties
         COALESCE(MIN(CASE WHEN p.name IS NOT NULL THEN COALESCE(tupn, tname, tid) END),
                  MIN(CASE WHEN LOWER(ttype) = 'user' THEN COALESCE(tupn, tname, tid) END)) AS owner,
         COALESCE(MIN(CASE WHEN p.name IS NOT NULL THEN ttype END),
                  MIN(CASE WHEN LOWER(ttype) = 'user' THEN ttype END)) AS owner_type,
         COALESCE(MAX(CASE WHEN p.name IN ('Application.DisplayName', 'ServicePrincipal.DisplayName') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) IN ('application', 'serviceprincipal') AND p.name IS NULL THEN tname END)) AS app,
         COALESCE(MAX(CASE WHEN p.name IN ('Application.ObjectID', 'ServicePrincipal.ObjectID') THEN p.new_value END),
                  MIN(CASE WHEN LOWER(ttype) IN ('application', 'serviceprincipal') AND p.name IS NULL THEN tid END)) AS app_object_id,
         MAX(CASE WHEN p.name IN ('Application.AppId', 'ServicePrincipal.AppId') THEN p.new_value END) AS app_id
  FROM props
  GROUP BY id
)
SELECT time AS first_seen,
       time AS last_seen,
       CONCAT_WS(';', actor_upn, owner) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'unknown actor'), ' made ', COALESCE(owner, 'an unknown principal'), ' an owner of ',
              CASE WHEN activity LIKE '%service principal' THEN 'service principal ' ELSE 'application ' END,
              COALESCE(app, app_object_id, 'unknown')) AS summary,
       CASE WHEN LOWER(COALESCE(owner, '')) LIKE '%#ext#%' OR LOWER(COALESCE(owner_type, '')) = 'serviceprincipal' OR suspicious_source
            THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       owner, owner_type, app, app_object_id, app_id, actor, activity, user_agent
FROM owner_adds
