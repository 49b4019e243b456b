-- ---
-- id: DOMAIN-ADD
-- title: Domain added or verified in the tenant
-- kind: detection
-- severity: low
-- techniques: [T1484.002, T1585.003]
-- tactics: [persistence, defense-evasion, resource-development]
-- description: >-
--   A successful "Add unverified domain", "Add verified domain" or "Verify domain". One
--   finding per domain, low: adding a domain is routine administration, and an unverified
--   managed domain can do nothing yet. High when the domain was verified and federated in
--   the window ("Set domain authentication" / "Set federation settings on domain" naming
--   it: the federation-backdoor staging), when the actor came from a hosting or
--   intel-listed IP or used an attack-tool user agent, or when within signin_hours after the
--   domain was first added a successful sign-in comes from an account whose UPN suffix is
--   that domain (the domain is already in use; pair with FED-CHANGE).
-- why: >-
--   Adding and verifying a domain is the staging step of a federation backdoor: once federated,
--   the attacker's identity provider signs in as any account of that domain. Extra
--   onmicrosoft.com domains serve phishing from a name the tenant "owns".
-- remediation: [revert_federation, ask_customer, review_configuration]
-- tables: [audits, signins]
-- params:
--   signin_hours: 24
-- references:
--   - https://learn.microsoft.com/entra/identity/users/domains-manage
--   - https://aadinternals.com/post/aadbackdoor/
-- false_positives:
--   - A new brand or acquisition domain added by the messaging team
-- catalog: [DOMAIN-ADD]
-- ---
WITH domain_events AS (
  SELECT id, time, activity, LOWER(target_name) AS domain,
         COALESCE(actor_upn, actor_app_name) AS actor, ip_address, user_agent,
         ip_is_hosting, ip_hosting_provider, ip_intel, ua_tool_kind
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add unverified domain', 'Add verified domain', 'Verify domain')
    AND target_name IS NOT NULL
),
per_domain AS (
  SELECT domain,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS events,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT actor, ';' ORDER BY actor) AS actors,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         MAX(CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool'
                  THEN 1 ELSE 0 END) AS risky_source,
         MAX(CASE WHEN activity IN ('Add verified domain', 'Verify domain') THEN 1 ELSE 0 END) AS verified,
         ARRAY_AGG(id) AS record_ids
  FROM domain_events
  GROUP BY domain
),
-- domains switched to federated in the window
federated AS (
  SELECT DISTINCT LOWER(target_name) AS domain
  FROM audits
  WHERE result = 'success' AND target_name IS NOT NULL
    AND (activity IN ('Set domain authentication', 'Set federation settings on domain')
         OR (activity = 'Update domain' AND changes ILIKE '%federat%'))
),
-- successful sign-ins of accounts in the new domain soon after it was added
domain_signins AS (
  SELECT d.domain,
         COUNT(*) AS signins,
         COUNT(DISTINCT s.user_principal_name) AS accounts,
         STRING_AGG(DISTINCT s.user_principal_name, ';' ORDER BY s.user_principal_name) AS signin_accounts,
         STRING_AGG(DISTINCT s.token_issuer_type, ';' ORDER BY s.token_issuer_type) AS token_issuers,
         STRING_AGG(DISTINCT s.ip_address, ';' ORDER BY s.ip_address) AS signin_ips,
         MAX(s.time) AS last_signin
  FROM per_domain d
  JOIN signins s ON SPLIT_PART(s.user_principal_name, '@', 2) = d.domain
  WHERE s.result = 'success'
    AND s.time >= d.first_seen
    AND CAST(s.time AS BIGINT) <= CAST(d.first_seen AS BIGINT) + {{signin_hours}} * 3600000000
  GROUP BY d.domain
)
SELECT d.first_seen,
       CASE WHEN s.last_signin > d.last_seen THEN s.last_signin ELSE d.last_seen END AS last_seen,
       CASE WHEN s.signin_accounts IS NULL THEN d.actors ELSE CONCAT(d.actors, ';', s.signin_accounts) END AS principals,
       d.ips,
       d.events + COALESCE(s.signins, 0) AS evidence_count,
       CONCAT('domain ', d.domain, ' added to the tenant by ', COALESCE(d.actors, 'an unknown actor'),
              CASE WHEN d.ips IS NULL THEN '' ELSE CONCAT(' from ', d.ips) END,
              ' (', d.activities, ')',
              CASE WHEN f.domain IS NOT NULL THEN '; then federated' ELSE '' END,
              CASE WHEN s.signins IS NULL THEN ''
                   ELSE CONCAT('; ', CAST(s.signins AS VARCHAR), ' successful sign-in(s) by ', CAST(s.accounts AS VARCHAR),
                               ' account(s) of that domain within ', CAST({{signin_hours}} AS VARCHAR), ' h (issuer ',
                               COALESCE(s.token_issuers, 'unknown'), ')') END) AS summary,
       CASE WHEN (d.verified = 1 AND f.domain IS NOT NULL) OR d.risky_source = 1 OR s.signins IS NOT NULL THEN 'high'
            ELSE 'low' END AS severity,
       f.domain IS NOT NULL AS federated,
       d.record_ids,
       d.domain,
       d.activities,
       d.actors,
       d.user_agents,
       d.hosting_providers,
       d.ip_intel,
       COALESCE(s.signins, 0) AS domain_signins,
       s.signin_accounts,
       s.token_issuers,
       s.signin_ips
FROM per_domain d
LEFT JOIN domain_signins s ON s.domain = d.domain
LEFT JOIN federated f ON f.domain = d.domain
