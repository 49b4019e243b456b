-- ---
-- id: FED-CHANGE
-- title: Domain federated or federation settings changed
-- kind: detection
-- severity: high
-- techniques: [T1484.002, T1556.007, T1606.002]
-- tactics: [persistence, privilege-escalation, defense-evasion]
-- description: >-
--   "Set federation settings on domain" (any result: failures are attempts), or "Set domain
--   authentication" whose LiveType new value is Federated. One finding per domain, actor and
--   day. Critical when a successful change carries an IssuerUri in the AADInternals backdoor
--   form (http://any.sts/…), the domain goes from Managed to Federated (it had no federation),
--   the user agent is an attack tool, or the actor came from a hosting or intel-listed IP;
--   high otherwise (for example a token-signing certificate roll on a domain that was already
--   federated, or a failed attempt).
-- why: >-
--   Whoever controls a federated domain's token-signing certificate can mint a SAML token for
--   any user of that domain, MFA claim included, without a password: the Golden SAML /
--   AADInternals backdoor that survives every password reset.
-- remediation: [revert_federation, revoke_sessions, reset_password, confirm_compromised]
-- tables: [audits]
-- references:
--   - https://aadinternals.com/post/aadbackdoor/
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
--   - https://www.microsoft.com/security/blog/2023/09/14/peach-sandstorm-password-spray-campaigns-enable-intelligence-collection-at-high-value-targets/
-- false_positives:
--   - Planned AD FS token-signing certificate renewal or a migration to a new federation provider
-- catalog: [FED-CHANGE]
-- ---
WITH fed_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity IN ('Set federation settings on domain', 'Set domain authentication')
),
fed_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM fed_events
),
props AS (
  SELECT id,
         MAX(CASE WHEN mp.name = 'IssuerUri' THEN mp.new_value END) AS issuer_uri,
         MAX(CASE WHEN mp.name = 'IssuerUri' THEN mp.old_value END) AS old_issuer_uri,
         MAX(CASE WHEN mp.name = 'LiveType' THEN mp.old_value END) AS old_live_type,
         MAX(CASE WHEN mp.name = 'LiveType' THEN mp.new_value END) AS new_live_type,
         STRING_AGG(DISTINCT mp.name, ', ' ORDER BY mp.name) AS properties
  FROM fed_props
  GROUP BY id
),
events AS (
  SELECT a.id, a.time, a.activity, a.result, a.target_name AS domain,
         COALESCE(a.actor_upn, a.actor_app_name) AS actor, a.ip_address, a.user_agent, a.ua_tool,
         a.ip_hosting_provider, a.ip_intel,
         p.issuer_uri, p.old_issuer_uri, p.old_live_type, p.new_live_type, p.properties,
         CASE WHEN p.new_live_type IS NOT NULL
              THEN CONCAT(COALESCE(p.old_live_type, '?'), ' -> ', p.new_live_type) END AS live_type_change,
         (a.result = 'success'
          AND (p.issuer_uri ILIKE 'http://any.sts/%'
               OR (p.old_live_type ILIKE '%managed%' AND p.new_live_type ILIKE '%federated%')
               OR a.ua_tool_kind = 'attack_tool' OR a.ip_is_hosting OR a.ip_intel IS NOT NULL)) AS critical_sign
  FROM audits a
  LEFT JOIN props p ON p.id = a.id
  WHERE a.activity = 'Set federation settings on domain'
     OR (a.activity = 'Set domain authentication' AND p.new_live_type ILIKE '%federated%')
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
         MAX(CASE WHEN critical_sign THEN 1 ELSE 0 END) AS critical_sign,
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
              CASE WHEN aadinternals_issuer = 1 THEN ' (AADInternals backdoor pattern)' ELSE '' END) AS summary,
       CASE WHEN critical_sign = 1 THEN 'critical' ELSE 'high' END AS severity,
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
