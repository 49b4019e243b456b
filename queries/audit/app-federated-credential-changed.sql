-- ---
-- id: APP-FIC
-- title: Federated identity credential added to an app or its issuer changed
-- kind: detection
-- severity: medium
-- techniques: [T1098.001, T1484.002]
-- tactics: [persistence, privilege-escalation]
-- description: >-
--   "Update application" or "Update service principal" (success) whose FederatedIdentityCredentials
--   modified property gains content (or whose "Included Updated Properties" names it when the
--   values are not logged). The Issuer values are read from the JSON of the old and new values.
--   High when the app already trusted an issuer and the new value trusts an issuer the old one did
--   not (the external OIDC trust was redirected or widened), or when the initiator's IP is a
--   hosting network or on an intel list, or its user agent is a tool or HTTP library; medium for
--   a first federated credential. A removal (new value empty) does not fire.
-- why: >-
--   A federated credential lets tokens from an outside identity provider (a GitHub repository, a
--   Kubernetes cluster, any OIDC issuer) sign in as the app with no secret to find or rotate: an
--   attacker-controlled issuer is a persistent, secretless backdoor.
-- remediation: [remove_app_credential, disable_service_principal, rotate_secrets]
-- tables: [audits]
-- false_positives:
--   - CI/CD onboarding (GitHub Actions, Azure DevOps, Terraform Cloud) adding workload identity federation
-- references:
--   - https://learn.microsoft.com/entra/workload-id/workload-identity-federation
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_service_principal_federated_issuer_modified.toml
-- catalog: [APP-FIC]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, target_type, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Update application', 'Update service principal')
    AND changes LIKE '%FederatedIdentityCredentials%'
),
tg AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, target_type, actor,
         suspicious_source, UNNEST(targets) AS t
  FROM ops
),
props AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, target_type, actor,
         suspicious_source, UNNEST(t.modified_properties) AS p
  FROM tg
),
per_op AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(ip_address) AS ip_address, MIN(user_agent) AS user_agent, MIN(target_id) AS app_object_id,
         MIN(target_name) AS app, MIN(target_type) AS app_type,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         MAX(CASE WHEN p.name = 'FederatedIdentityCredentials' THEN p.old_value END) AS fic_old,
         MAX(CASE WHEN p.name = 'FederatedIdentityCredentials' THEN p.new_value END) AS fic_new,
         MAX(CASE WHEN p.name = 'FederatedIdentityCredentials' THEN 1 ELSE 0 END) = 1 AS fic_logged
  FROM props
  GROUP BY id
),
-- every "Issuer":"…" in the new value (the first piece is the text before the first issuer)
issuer_pieces AS (
  SELECT *, UNNEST(STRING_TO_ARRAY(LOWER(COALESCE(fic_new, '')), '"issuer":"')) AS piece
  FROM per_op
),
issuers AS (
  SELECT *,
         CASE WHEN piece LIKE '{%' OR piece = '' THEN NULL ELSE SPLIT_PART(piece, '"', 1) END AS issuer
  FROM issuer_pieces
),
new_issuers AS (
  -- issuers absent from the old value (literal containment: STRPOS takes a regex in polars)
  SELECT *,
         CASE WHEN ARRAY_LENGTH(STRING_TO_ARRAY(LOWER(COALESCE(fic_old, '')), CONCAT('"issuer":"', issuer, '"'))) = 1
              THEN issuer END AS new_issuer
  FROM issuers
),
per_change AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(ip_address) AS ip_address, MIN(user_agent) AS user_agent, MIN(app_object_id) AS app_object_id,
         MIN(app) AS app, MIN(app_type) AS app_type,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         MIN(fic_old) AS fic_old, MIN(fic_new) AS fic_new,
         MAX(CASE WHEN fic_logged THEN 1 ELSE 0 END) = 1 AS fic_logged,
         STRING_AGG(DISTINCT issuer, ';' ORDER BY issuer) AS issuers,
         STRING_AGG(DISTINCT new_issuer, ';' ORDER BY new_issuer) AS new_issuers
  FROM new_issuers
  GROUP BY id
),
changed AS (
  SELECT *,
         LOWER(COALESCE(fic_old, '')) LIKE '%"issuer":"%' AS had_issuer
  FROM per_change
  -- a credential appeared or changed (not a removal, not a no-op); or the values were not logged
  WHERE (fic_logged AND COALESCE(fic_new, '') <> '' AND COALESCE(fic_new, '') <> COALESCE(fic_old, ''))
     OR NOT fic_logged
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'unknown actor'),
              CASE WHEN had_issuer AND new_issuers IS NOT NULL THEN ' changed the federated credential trust of '
                   ELSE ' added a federated identity credential to ' END,
              COALESCE(app, app_object_id, 'an application'),
              CASE WHEN new_issuers IS NOT NULL THEN CONCAT(': now trusts ', new_issuers) ELSE '' END) AS summary,
       CASE WHEN (had_issuer AND new_issuers IS NOT NULL) OR suspicious_source THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       app, app_object_id, app_type, issuers, new_issuers, had_issuer, fic_old, fic_new, activity, user_agent
FROM changed
