-- ---
-- id: APP-SP-CREATED
-- title: Service principal created, then given credentials or permissions within a day
-- kind: hunt
-- severity: medium
-- techniques: [T1136.003, T1098.001]
-- tactics: [persistence]
-- description: >-
--   A successful "Add service principal" by an initiator other than the platform services
--   in platform_initiators, followed within arm_hours by something that arms it: a
--   credential ("Add service principal credentials", or "Update application – Certificates
--   and secrets management" on the application of the same name), a consent ("Consent to
--   application"), an application permission ("Add app role assignment to service
--   principal" granting to it) or a delegated grant ("Add delegated permission grant"
--   naming it). Matching is by service principal object id, or by display name for the
--   application object. One lead per new service principal; the bare creation by a non-admin
--   is DUET-APP-REG.
-- why: >-
--   A new workload identity that quickly gets a secret and API permissions is a ready-made
--   backdoor: it signs in without MFA and survives every user password reset.
-- remediation: [disable_service_principal, remove_app_credential, revoke_consent_grant]
-- tables: [audits]
-- params:
--   arm_hours: 24
--   platform_initiators: [Managed Service Identity, Windows Azure Service Management API, Microsoft Azure AD Internal - Jit Provisioning, AAD App Management, Power Virtual Agents Service]
-- false_positives:
--   - Developers registering an application and configuring its secret and permissions on the same day
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_service_principal_created.toml
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/AuditLogs/SuspiciousServicePrincipalcreationactivity.yaml
-- catalog: [APP-SP-CREATED]
-- ---
WITH created AS (
  SELECT id, time, target_id AS sp_id, target_name AS sp_name, ip_address,
         COALESCE(actor_upn, actor_app_name, actor_display_name, 'an unknown actor') AS creator
  FROM audits
  WHERE LOWER(activity) = 'add service principal'
    AND result = 'success'
    AND target_id IS NOT NULL
    AND NOT COALESCE(actor_app_name IN {{platform_initiators}}, FALSE)
    AND NOT COALESCE(actor_display_name IN {{platform_initiators}}, FALSE)
),
arming AS (
  SELECT * FROM audits
  WHERE result = 'success'
    AND (LOWER(activity) IN ('add service principal credentials', 'consent to application',
                      'add app role assignment to service principal', 'add delegated permission grant')
         OR LOWER(activity) LIKE 'update application%certificates and secrets management%')
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM arming
),
mp AS (
  SELECT id, UNNEST(t.modified_properties) AS m FROM tg
),
arm_keys AS (
  -- every service principal an arming event points at: its targets, the grantee of an app
  -- role assignment, and (for application credential updates) the application's name
  SELECT DISTINCT id, t.id AS sp_key FROM tg WHERE t.id IS NOT NULL
  UNION ALL
  SELECT DISTINCT id, m.new_value AS sp_key FROM mp WHERE m.name = 'ServicePrincipal.ObjectID' AND m.new_value IS NOT NULL
),
armed AS (
  SELECT c.id AS create_id, a.id AS arm_id, a.time AS arm_time, a.activity AS arm_activity,
         COALESCE(a.actor_upn, a.actor_app_name, a.actor_display_name, 'an unknown actor') AS arm_actor,
         a.ip_address AS arm_ip
  FROM created c
  JOIN arm_keys k ON c.sp_id = k.sp_key
  JOIN arming a ON k.id = a.id
  WHERE a.time >= c.time AND CAST(a.time AS BIGINT) - CAST(c.time AS BIGINT) <= {{arm_hours}} * 3600000000
  UNION ALL
  SELECT c.id AS create_id, a.id AS arm_id, a.time AS arm_time, a.activity AS arm_activity,
         COALESCE(a.actor_upn, a.actor_app_name, a.actor_display_name, 'an unknown actor') AS arm_actor,
         a.ip_address AS arm_ip
  FROM created c
  JOIN arming a ON c.sp_name = a.target_name
  WHERE LOWER(a.activity) LIKE 'update application%certificates and secrets management%'
    AND a.time >= c.time AND CAST(a.time AS BIGINT) - CAST(c.time AS BIGINT) <= {{arm_hours}} * 3600000000
),
armed_steps AS (
  SELECT DISTINCT create_id, arm_id, arm_time, arm_activity, arm_actor, arm_ip,
         CONCAT(arm_activity, ' by ', arm_actor, ' at ', STRFTIME(arm_time, '%H:%M')) AS step
  FROM armed
),
per_sp AS (
  SELECT create_id,
         COUNT(*) AS arm_count,
         MAX(arm_time) AS last_arm,
         STRING_AGG(step, '; ' ORDER BY arm_time) AS steps,
         STRING_AGG(DISTINCT arm_actor, ';') AS arm_actors,
         STRING_AGG(DISTINCT arm_ip, ';') AS arm_ips,
         ARRAY_AGG(arm_id ORDER BY arm_time) AS arm_ids
  FROM armed_steps
  GROUP BY create_id
)
SELECT c.time AS first_seen,
       p.last_arm AS last_seen,
       CONCAT(c.creator, ';', COALESCE(c.sp_name, c.sp_id), ';', p.arm_actors) AS principals,
       CONCAT(COALESCE(c.ip_address, ''), ';', COALESCE(p.arm_ips, '')) AS ips,
       1 + p.arm_count AS evidence_count,
       CONCAT(c.creator, ' created service principal "', COALESCE(c.sp_name, c.sp_id), '" at ',
              STRFTIME(c.time, '%Y-%m-%d %H:%M'), ' UTC; within ',
              CAST(DIV(CAST(p.last_arm AS BIGINT) - CAST(c.time AS BIGINT), 60000000) + 1 AS VARCHAR), ' min it was armed ',
              CAST(p.arm_count AS VARCHAR), ' time(s): ', p.steps) AS summary,
       CONCAT(c.id, ';', ARRAY_TO_STRING(p.arm_ids, ';')) AS record_ids,
       c.sp_id AS service_principal_id,
       c.sp_name AS service_principal,
       c.creator,
       p.steps AS arming_steps
FROM created c
JOIN per_sp p ON c.id = p.create_id
