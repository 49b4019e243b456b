-- ---
-- id: MI-NEW-RESOURCE
-- title: Managed identity requesting tokens for a new resource
-- kind: hunt
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [privilege-escalation, lateral-movement]
-- description: >-
--   A managed identity's first successful token request for a resource (Key Vault, Graph,
--   Storage, ARM …) that comes at least baseline_days after the identity's first sign-in in
--   the export, while it had been using other resources: the export's stand-in for the
--   catalog's "pair not seen in the prior 60 days". One lead per identity and new resource,
--   listing the resources it used before.
-- why: >-
--   Code running as a managed identity gets whatever the identity's role assignments allow.
--   An identity that only ever read Storage and suddenly asks for Key Vault or Graph tokens
--   may be running an attacker's code on a compromised VM, function or container.
-- remediation: [review_configuration, remove_role_assignment, rotate_secrets]
-- tables: [signins]
-- params:
--   baseline_days: 1
-- false_positives:
--   - A deployment that adds a feature using a new Azure service
-- references:
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-ManagedIdentityAccessingNewResources.kql
-- catalog: [MI-NEW-RESOURCE]
-- ---
WITH mi AS (
  SELECT id, time, ip_address,
         COALESCE(service_principal_id, app_id) AS mi_key,
         COALESCE(service_principal_name, app_display_name, service_principal_id, app_id) AS mi_name,
         COALESCE(resource_id, resource_display_name) AS resource_key,
         COALESCE(resource_display_name, resource_id) AS resource_name
  FROM signins
  WHERE category = 'managed_identity' AND result = 'success'
    AND COALESCE(service_principal_id, app_id) IS NOT NULL
    AND COALESCE(resource_id, resource_display_name) IS NOT NULL
),
pairs AS (
  SELECT mi_key, resource_key,
         MIN(mi_name) AS mi_name,
         MIN(resource_name) AS resource_name,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(id) AS record_ids
  FROM mi
  GROUP BY mi_key, resource_key
),
mi_start AS (
  SELECT mi_key, MIN(time) AS mi_first_seen FROM mi GROUP BY mi_key
),
new_pairs AS (
  SELECT p.*
  FROM pairs p
  JOIN mi_start s ON p.mi_key = s.mi_key
  WHERE CAST(p.first_seen AS BIGINT) - CAST(s.mi_first_seen AS BIGINT) >= {{baseline_days}} * 86400000000
),
earlier AS (
  -- what the identity used before the new resource appeared
  SELECT n.mi_key, n.resource_key, STRING_AGG(DISTINCT o.resource_name, ', ' ORDER BY o.resource_name) AS earlier_resources,
         MIN(o.first_seen) AS baseline_start
  FROM new_pairs n
  JOIN pairs o ON n.mi_key = o.mi_key
  WHERE o.first_seen < n.first_seen
  GROUP BY n.mi_key, n.resource_key
)
SELECT n.first_seen,
       n.last_seen,
       n.mi_name AS principals,
       n.ips,
       n.evidence_count,
       CONCAT('managed identity ', n.mi_name, ' first requested a token for ', n.resource_name, ' on ',
              STRFTIME(n.first_seen, '%Y-%m-%d %H:%M'), ' UTC (', CAST(n.evidence_count AS VARCHAR),
              ' request(s) since), after using only ', e.earlier_resources, ' since ',
              STRFTIME(e.baseline_start, '%Y-%m-%d')) AS summary,
       n.record_ids,
       n.mi_key AS service_principal_id,
       n.resource_name AS new_resource,
       n.resource_key AS new_resource_id,
       e.earlier_resources
FROM new_pairs n
JOIN earlier e ON n.mi_key = e.mi_key AND n.resource_key = e.resource_key
