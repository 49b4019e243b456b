-- ---
-- id: FED-CHANGE
-- title: Domain federated or federation settings changed
-- kind: detection
-- severity: high
-- techniques: [T1484.002, T1556.007, T1606.002]
-- tactics: [persistence, privilege-escalation, defense-evasion]
-- description: >-
--   Domain federation changes under every activity name the audit log uses (any result: failures
--   are attempts): "Set federation settings on domain" (also with no target and no modified
--   property, as Graph-created federation configurations are logged), "Set domain authentication"
--   (every one: a record of it is a change of the domain's authentication type, and records
--   written for the Graph federationConfiguration API carry no LiveType), and "Update domain"
--   whose modified properties (or its "Included Updated Properties" list) name a federation or
--   authentication setting (LiveType, AuthenticationType, IssuerUri, signing / next signing
--   certificate, passive / active log-on, log-off, metadata-exchange, password change / reset
--   URIs, preferred protocol, prompt-login and MFA behaviour, federation brand). "Set Company
--   Information" is not included: the operation reference lists no federation property on it
--   (its TrustedCAsForPasswordlessAuth is certificate-based authentication, AUTH-POLICY-WEAKEN).
--   One finding per domain, actor and day. Critical when a successful change carries an
--   IssuerUri in the AADInternals backdoor form (http://any.sts/…), the domain goes from Managed
--   to Federated (it had no federation), the user agent is an attack tool, or the actor came from
--   a hosting or intel-listed IP. Medium when the only change is a de-federation (new
--   LiveType / AuthenticationType Managed: a move to cloud authentication, usually planned).
--   High otherwise (a token-signing certificate roll on a domain that was already federated, a
--   "Set domain authentication" whose direction the record does not show, a failed attempt).
-- why: >-
--   Whoever controls a federated domain's token-signing certificate can mint a SAML token for
--   any user of that domain, MFA claim included, without a password: the Golden SAML /
--   AADInternals backdoor that survives every password reset.
-- remediation: [revert_federation, revoke_sessions, reset_password, confirm_compromised]
-- tables: [audits]
-- references:
--   - https://aadinternals.com/post/aadbackdoor/
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://learn.microsoft.com/graph/api/domain-post-federationconfiguration
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/ADFSDomainTrustMods.yaml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/privilege_escalation_entra_id_tenant_domain_federation_via_audit_logs.toml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_federation_modified.yml
--   - https://www.microsoft.com/security/blog/2023/09/14/peach-sandstorm-password-spray-campaigns-enable-intelligence-collection-at-high-value-targets/
-- false_positives:
--   - Planned AD FS token-signing certificate renewal or a migration to a new federation provider
--   - A planned move from federation to cloud authentication (medium)
-- catalog: [FED-CHANGE]
-- ---
WITH fed_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity IN ('Set federation settings on domain', 'Set domain authentication', 'Update domain')
),
fed_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM fed_events
),
props AS (
  SELECT id,
         MAX(CASE WHEN mp.name = 'IssuerUri' THEN mp.new_value END) AS issuer_uri,
         MAX(CASE WHEN mp.name = 'IssuerUri' THEN mp.old_value END) AS old_issuer_uri,
         MAX(CASE WHEN LOWER(mp.name) IN ('livetype', 'authenticationtype') THEN mp.old_value END) AS old_live_type,
         MAX(CASE WHEN LOWER(mp.name) IN ('livetype', 'authenticationtype') THEN mp.new_value END) AS new_live_type,
         -- a federation / authentication setting is named (for "Update domain")
         MAX(CASE WHEN LOWER(mp.name) ~ '(livetype|authenticationtype|issueruri|signingcertificate|logonuri|logoffuri|metadataexchangeuri|federat|preferredauthenticationprotocol|promptloginbehavior|supportsmfa|signedauthenticationrequest|interactiveauthenticationmethod|passwordchangeuri|passwordreseturi)'
                    OR (mp.name = 'Included Updated Properties'
                        AND LOWER(COALESCE(mp.new_value, '')) ~ '(livetype|authenticationtype|issueruri|signingcertificate|logonuri|logoffuri|metadataexchangeuri|federat|preferredauthenticationprotocol|promptloginbehavior|supportsmfa|signedauthenticationrequest|interactiveauthenticationmethod|passwordchangeuri|passwordreseturi)')
                  THEN 1 ELSE 0 END) AS touches_federation,
         STRING_AGG(DISTINCT mp.name, ', ' ORDER BY mp.name) AS properties
  FROM fed_props
  GROUP BY id
),
events AS (
  SELECT a.id, a.time, a.activity, a.result, a.target_name AS domain,
         COALESCE(a.actor_upn, a.actor_app_name, a.actor_display_name, a.actor_sp_id) AS actor,
         a.ip_address, a.user_agent, a.ua_tool,
         a.ip_hosting_provider, a.ip_intel,
         p.issuer_uri, p.old_issuer_uri, p.old_live_type, p.new_live_type, p.properties,
         CASE WHEN p.new_live_type IS NOT NULL
              THEN CONCAT(COALESCE(p.old_live_type, '?'), ' -> ', p.new_live_type) END AS live_type_change,
         CASE
           -- 3 critical, 2 high, 1 medium
           WHEN a.result = 'success'
                AND (p.issuer_uri ILIKE 'http://any.sts/%'
                     OR (p.old_live_type ILIKE '%managed%' AND p.new_live_type ILIKE '%federated%')
                     OR a.ua_tool_kind = 'attack_tool' OR a.ip_is_hosting OR a.ip_intel IS NOT NULL) THEN 3
           -- de-federation only: the new authentication type is Managed
           WHEN a.activity <> 'Set federation settings on domain'
                AND p.new_live_type ILIKE '%managed%' AND NOT p.new_live_type ILIKE '%federated%'
                AND p.issuer_uri IS NULL THEN 1
           ELSE 2
         END AS tier
  FROM audits a
  LEFT JOIN props p ON p.id = a.id
  WHERE a.activity IN ('Set federation settings on domain', 'Set domain authentication')
     OR (a.activity = 'Update domain' AND p.touches_federation = 1)
),
per_domain AS (
  SELECT domain, actor,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT issuer_uri, ';' ORDER BY issuer_uri) AS issuer_uris,
         STRING_AGG(DISTINCT old_issuer_uri, ';' ORDER BY old_issuer_uri) AS previous_issuer_uris,
         STRING_AGG(DISTINCT live_type_change, ';' ORDER BY live_type_change) AS live_type_change,
         STRING_AGG(DISTINCT properties, '; ' ORDER BY properties) AS modified_properties,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ua_tool, ';' ORDER BY ua_tool) AS ua_tools,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         MAX(tier) AS tier,
         MAX(CASE WHEN issuer_uri ILIKE 'http://any.sts/%' THEN 1 ELSE 0 END) AS aadinternals_issuer,
         ARRAY_AGG(id) AS record_ids
  FROM events
  GROUP BY domain, actor, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       actor AS principals,
       ips,
       evidence_count,
       CONCAT('federation of domain ', COALESCE(domain, 'unknown'), ' changed by ', COALESCE(actor, 'an unknown actor'),
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END, ': ',
              activities, ' (', CAST(evidence_count AS VARCHAR), ' record(s), ', CAST(successes AS VARCHAR), ' successful)',
              CASE WHEN live_type_change IS NULL THEN '' ELSE CONCAT(', authentication ', live_type_change) END,
              CASE WHEN issuer_uris IS NULL THEN '' ELSE CONCAT(', issuer ', issuer_uris) END,
              CASE WHEN aadinternals_issuer = 1 THEN ' (AADInternals backdoor pattern)' ELSE '' END,
              CASE WHEN tier = 1 THEN ' (de-federation to managed authentication only)' ELSE '' END) AS summary,
       CASE WHEN tier = 3 THEN 'critical' WHEN tier = 1 THEN 'medium' ELSE 'high' END AS severity,
       record_ids,
       domain,
       activities,
       successes,
       issuer_uris,
       previous_issuer_uris,
       live_type_change,
       modified_properties,
       user_agents,
       ua_tools,
       hosting_providers,
       ip_intel
FROM per_domain
