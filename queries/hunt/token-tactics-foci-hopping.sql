-- ---
-- id: TOOL-TOKENTACTICS
-- title: Refresh token hopping across FOCI clients (TokenTactics / GraphRunner)
-- kind: hunt
-- severity: medium
-- techniques: [T1528, T1550.001]
-- tactics: [credential-access, defense-evasion]
-- description: >-
--   Two shapes. (1) Within a window_minutes bucket, one account's successful non-interactive
--   sign-ins from one untrusted IP use at least min_apps distinct family-of-client-ids (FOCI)
--   applications, and that IP is a hosting network, carries a tool / HTTP-library user agent,
--   or never served one of the account's interactive sign-ins: a stolen refresh token being
--   exchanged into Teams, Outlook, Office and Graph tokens away from the user's devices
--   (medium). (2) Any sign-in with the TokenTactics / GraphRunner forged Edge 18 user agent
--   (high). One lead per account, IP and bucket (shape 1) or day (shape 2); session ids are
--   kept as evidence rather than grouped on, since older exports lack them. GraphRunner's
--   macOS Chrome 103 user agent is too common to fingerprint and is not matched.
-- why: >-
--   FOCI refresh tokens are interchangeable between Microsoft's first-party apps, so one
--   phished or stolen token opens mail, chat, files and the directory. Tools hop through
--   the family in seconds; a real device does it from the user's own network.
-- remediation: [revoke_sessions, reset_password]
-- tables: [signins]
-- params:
--   window_minutes: 15
--   min_apps: 3
-- false_positives:
--   - A user's new device or VPN egress signing in to several Office apps before any interactive sign-in from it appears in the export
-- references:
--   - https://github.com/rvrsh3ll/TokenTactics
--   - https://github.com/dafthack/GraphRunner
--   - https://github.com/secureworks/family-of-client-ids-research
-- catalog: [TOOL-TOKENTACTICS]
-- ---
WITH foci AS (
  SELECT id, time, user_principal_name, ip_address, app_id, app_display_name, resource_display_name, session_id,
         ip_is_trusted, ip_is_hosting, ip_hosting_provider, ua_tool_kind,
         DIV(CAST(time AS BIGINT), {{window_minutes}} * 60000000) AS bucket
  FROM signins
  WHERE category = 'non_interactive' AND result = 'success' AND app_is_foci
    AND user_principal_name IS NOT NULL AND ip_address IS NOT NULL
),
hops AS (
  SELECT user_principal_name,
         ip_address,
         bucket,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT app_id) AS app_count,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT session_id) AS sessions,
         MAX(CASE WHEN ip_is_trusted THEN 1 ELSE 0 END) AS trusted,
         MAX(CASE WHEN ip_is_hosting OR ua_tool_kind IS NOT NULL THEN 1 ELSE 0 END) AS suspicious_source,
         MIN(ip_hosting_provider) AS hosting_provider,
         ARRAY_AGG(id) AS record_ids
  FROM foci
  GROUP BY user_principal_name, ip_address, bucket
  HAVING COUNT(DISTINCT app_id) >= {{min_apps}}
),
interactive_ips AS (
  SELECT DISTINCT user_principal_name, ip_address
  FROM signins
  WHERE category = 'interactive' AND result = 'success' AND ip_address IS NOT NULL
),
hop_leads AS (
  SELECT h.first_seen,
         h.last_seen,
         h.user_principal_name AS principals,
         h.ip_address AS ips,
         h.evidence_count,
         CONCAT(h.user_principal_name, ': refresh tokens exchanged into ', CAST(h.app_count AS VARCHAR),
                ' FOCI apps within ', CAST({{window_minutes}} AS VARCHAR), ' min (', STRFTIME(h.first_seen, '%Y-%m-%d %H:%M'),
                ' to ', STRFTIME(h.last_seen, '%H:%M'), ' UTC) from ', h.ip_address,
                CASE WHEN h.hosting_provider IS NOT NULL THEN CONCAT(', a hosting network (', h.hosting_provider, ')') ELSE '' END,
                CASE WHEN i.ip_address IS NULL THEN ', an IP with no interactive sign-in of the user' ELSE '' END) AS summary,
         'medium' AS severity,
         h.record_ids,
         h.apps,
         h.resources,
         h.sessions
  FROM hops h
  LEFT JOIN interactive_ips i ON h.user_principal_name = i.user_principal_name AND h.ip_address = i.ip_address
  WHERE h.trusted = 0 AND (i.ip_address IS NULL OR h.suspicious_source = 1)
),
tool_ua AS (
  SELECT user_principal_name,
         ip_address,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT session_id) AS sessions,
         ARRAY_AGG(id) AS record_ids
  FROM signins
  WHERE ua_tool = 'TokenTactics / GraphRunner' AND user_principal_name IS NOT NULL
  GROUP BY user_principal_name, ip_address, STRFTIME(time, '%Y-%m-%d')
),
tool_leads AS (
  SELECT first_seen,
         last_seen,
         user_principal_name AS principals,
         ip_address AS ips,
         evidence_count,
         CONCAT(user_principal_name, ': ', CAST(evidence_count AS VARCHAR), ' sign-in(s) (', CAST(successes AS VARCHAR),
                ' successful) with the TokenTactics / GraphRunner forged Edge 18 user agent on ', day, ' from ',
                COALESCE(ip_address, 'an unknown IP')) AS summary,
         'high' AS severity,
         record_ids,
         apps,
         resources,
         sessions
  FROM tool_ua
)
SELECT * FROM hop_leads
UNION ALL
SELECT * FROM tool_leads
