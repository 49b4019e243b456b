-- ---
-- id: TOOL-O365SPRAY
-- title: o365spray-style ROPC spray rotating FOCI client ids
-- kind: hunt
-- severity: medium
-- techniques: [T1110.003]
-- tactics: [credential-access]
-- description: >-
--   Per untrusted IP: user sign-ins that either use the password grant (ROPC) with a
--   family-of-client-ids (FOCI) application, or carry o365spray's default user agent. A lead
--   when they target at least min_users accounts and either rotate through at least
--   min_foci_apps FOCI client ids (o365spray's oauth2 module picks a random one per attempt) or
--   carry the tool's user agent. High when any of those attempts had the password accepted:
--   those accounts are the principals. The tool's ActiveSync / Autodiscover / autologon
--   modules are only covered when they keep the default user agent.
-- why: >-
--   Rotating first-party client ids per attempt dodges per-application lockout and
--   Conditional Access policies scoped to one app; a validated password from such a run is an
--   account the attacker now holds.
-- remediation: [block_ip, block_legacy_auth, reset_password, revoke_sessions]
-- tables: [signins]
-- params:
--   min_users: 5
--   min_foci_apps: 3
-- false_positives:
--   - Internal scripts using ROPC with the Azure CLI or Office client ids against several accounts
-- references:
--   - https://github.com/0xZDH/o365spray
--   - https://github.com/secureworks/family-of-client-ids-research
-- catalog: [TOOL-O365SPRAY]
-- ---
WITH attempts AS (
  SELECT id, time, user_principal_name, ip_address, app_id, app_display_name, app_is_foci, error_code,
         first_factor_ok, country, asn, user_agent, ua_tool
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND ip_address IS NOT NULL AND user_principal_name IS NOT NULL
    AND NOT ip_is_trusted
    AND ((LOWER(authentication_protocol) = 'ropc' AND app_is_foci) OR ua_tool = 'o365spray')
),
per_ip AS (
  SELECT ip_address,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT user_principal_name) AS user_count,
         COUNT(DISTINCT CASE WHEN app_is_foci THEN app_id END) AS foci_app_count,
         SUM(CASE WHEN ua_tool = 'o365spray' THEN 1 ELSE 0 END) AS tool_ua_hits,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         MIN(country) AS country,
         MIN(asn) AS asn,
         ARRAY_AGG(id) AS record_ids
  FROM attempts
  GROUP BY ip_address
),
sprays AS (
  SELECT * FROM per_ip
  WHERE user_count >= {{min_users}} AND (foci_app_count >= {{min_foci_apps}} OR tool_ua_hits > 0)
),
validated AS (
  SELECT ip_address, ARRAY_AGG(DISTINCT user_principal_name) AS validated_users,
         COUNT(DISTINCT user_principal_name) AS validated
  FROM attempts
  WHERE first_factor_ok
  GROUP BY ip_address
)
SELECT s.first_seen,
       s.last_seen,
       v.validated_users AS principals,
       s.ip_address AS ips,
       s.evidence_count,
       CONCAT(s.ip_address, ' sprayed ', CAST(s.user_count AS VARCHAR), ' accounts with ', CAST(s.evidence_count AS VARCHAR),
              ' password sign-ins',
              CASE WHEN s.foci_app_count > 0 THEN CONCAT(' rotating ', CAST(s.foci_app_count AS VARCHAR), ' FOCI client id(s)') ELSE '' END,
              CASE WHEN s.tool_ua_hits > 0 THEN ' with the o365spray default user agent' ELSE '' END,
              ' between ', STRFTIME(s.first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(s.last_seen, '%Y-%m-%d %H:%M'),
              ' UTC; password accepted for ', CAST(COALESCE(v.validated, 0) AS VARCHAR), ' account(s)') AS summary,
       CASE WHEN COALESCE(v.validated, 0) > 0 THEN 'high' ELSE 'medium' END AS severity,
       s.record_ids,
       s.targeted_users,
       s.apps,
       s.foci_app_count,
       s.error_codes,
       s.user_agents,
       s.country,
       s.asn
FROM sprays s
LEFT JOIN validated v ON s.ip_address = v.ip_address
