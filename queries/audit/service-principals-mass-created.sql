-- ---
-- id: SP-MASS-CREATE
-- title: Burst of application or service principal creations by one actor
-- kind: detection
-- severity: medium
-- techniques: [T1136.003, T1098.001]
-- tactics: [persistence]
-- description: >-
--   One actor (user or application) creates at least min_apps distinct applications or
--   service principals - successful "Add application" / "Add service principal" - within
--   window_minutes (Splunk's analytics use more than 3 in 10 minutes; 3 here, because an
--   offline case window has no earlier alert to lean on). An app registration writes both records under the same display name, so
--   creations are counted by distinct display name (else object id): two app registrations
--   (four records) are two. Initiators in platform_initiators (Microsoft's just-in-time
--   provisioning of first-party apps, managed identities created with Azure resources, …)
--   and records with no initiator at all are skipped. Medium; high when a creation in the
--   burst came from a hosting or intel-listed address or an attack-tool user agent.
--   One finding per actor, covering all its bursts. The single new app armed with a secret
--   is APP-SP-CREATED; a non-admin registering an app is DUET-APP-REG.
-- why: >-
--   Scripts that create several applications in minutes are how attackers plant spare
--   backdoor identities (each then gets a secret and a permission) and how tools such as
--   ROADtools / GraphRunner stage OAuth apps; people registering apps by hand rarely make
--   three in ten minutes.
-- remediation: [disable_service_principal, remove_app_credential, revoke_sessions, ask_customer]
-- tables: [audits]
-- params:
--   min_apps: 3
--   window_minutes: 10
--   platform_initiators: [Managed Service Identity, Microsoft Azure AD Internal - Jit Provisioning, Windows Azure Service Management API, AAD App Management, Power Virtual Agents Service, Microsoft Azure AD Internal - Provisioning, MS-PIM]
-- false_positives:
--   - Infrastructure-as-code pipelines (Terraform, Bicep) deploying a set of app registrations (name the pipeline's identity)
--   - Gallery apps whose provisioning creates several service principals at once
-- references:
--   - https://github.com/splunk/security_content/blob/develop/detections/cloud/azure_ad_multiple_service_principals_created_by_user.yml
--   - https://github.com/splunk/security_content/blob/develop/detections/cloud/azure_ad_multiple_service_principals_created_by_sp.yml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_service_principal_created.toml
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/AuditLogs/SuspiciousServicePrincipalcreationactivity.yaml
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications
-- catalog: [DUET-APP-REG]
-- ---
WITH created AS (
  SELECT id, time, activity, ip_address, user_agent,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         LOWER(COALESCE(target_name, target_id)) AS app_key,
         COALESCE(target_name, target_id) AS app_name,
         ip_is_hosting OR ip_intel IS NOT NULL OR COALESCE(ua_tool_kind, '') = 'attack_tool' AS suspicious_source,
         COALESCE(ip_hosting_provider, ip_intel, ua_tool) AS source_label
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add application', 'Add service principal')
    AND COALESCE(target_name, target_id) IS NOT NULL
    AND COALESCE(actor_upn, actor_app_name, actor_display_name) IS NOT NULL
    AND NOT COALESCE(actor_app_name IN {{platform_initiators}}, FALSE)
    AND NOT COALESCE(actor_display_name IN {{platform_initiators}}, FALSE)
),
-- for every creation, the creations of the same actor in the following window_minutes
windows AS (
  SELECT a.id AS anchor_id, b.*
  FROM created a
  JOIN created b ON a.actor = b.actor
  WHERE b.time >= a.time
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{window_minutes}} * 60000000
),
bursts AS (
  SELECT anchor_id FROM windows GROUP BY anchor_id HAVING COUNT(DISTINCT app_key) >= {{min_apps}}
),
burst_rows AS (
  SELECT DISTINCT w.id, w.time, w.activity, w.actor, w.app_key, w.app_name, w.ip_address, w.user_agent,
         w.suspicious_source, w.source_label
  FROM windows w
  JOIN bursts b ON b.anchor_id = w.anchor_id
),
per_actor AS (
  SELECT actor,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS records,
         COUNT(DISTINCT app_key) AS apps,
         SUM(CASE WHEN activity = 'Add application' THEN 1 ELSE 0 END) AS applications,
         SUM(CASE WHEN activity = 'Add service principal' THEN 1 ELSE 0 END) AS service_principals,
         STRING_AGG(DISTINCT app_name, ', ' ORDER BY app_name) AS app_names,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT source_label, ', ' ORDER BY source_label) AS source_labels,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) AS suspicious,
         ARRAY_AGG(id ORDER BY time) AS record_ids
  FROM burst_rows
  GROUP BY actor
)
SELECT first_seen, last_seen,
       actor AS principals,
       ips,
       records AS evidence_count,
       CONCAT(actor, ' created ', CAST(apps AS VARCHAR), ' applications / service principals in ',
              CAST(DIV(CAST(last_seen AS BIGINT) - CAST(first_seen AS BIGINT), 60000000) + 1 AS VARCHAR),
              ' min (', CAST(applications AS VARCHAR), ' Add application, ', CAST(service_principals AS VARCHAR),
              ' Add service principal) on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC',
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', REPLACE(ips, ';', ', ')) END,
              CASE WHEN source_labels IS NULL THEN '' ELSE CONCAT(' (', source_labels, ')') END,
              ': ', app_names) AS summary,
       CASE WHEN suspicious = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       apps AS app_count, app_names, user_agents
FROM per_actor
