-- ---
-- id: APP-URI-CHANGE
-- title: Redirect URI, App ID URI or logout URL of an application changed
-- kind: detection
-- severity: medium
-- techniques: [T1528]
-- tactics: [persistence, credential-access]
-- description: >-
--   "Update application" or "Update service principal" (success) that adds a URL to AppAddress
--   (reply / redirect URIs), to the identifier URIs (AppIdentifierUri) or changes the logout URL
--   (LogoutUrl). Each added URL is checked: non-HTTPS (http://), wildcard (*), localhost or
--   loopback, and an external host (not the initiator's own UPN domain or a subdomain of it, the
--   offline stand-in for "a domain the tenant owns"). High when a redirect or App ID URI gains a
--   wildcard, non-HTTPS or external URL, or the change came from a hosting / intel-listed
--   address or a tool; medium when it gains only a localhost URL; low for URLs on the tenant's
--   own domain, for logout-URL changes, and for any change a developer makes to an application
--   they registered themselves in the window (unless from a suspicious source). Removals
--   alone do not fire. Not implemented: DNS resolution for dangling domains.
-- why: >-
--   Whoever controls a registered redirect URI receives the authorization codes and tokens users
--   issue to the app: an added attacker URL (or a dangling one re-registered by an attacker)
--   turns a trusted app into a token-harvesting page.
-- remediation: [revert_policy_change, review_configuration, ask_customer]
-- tables: [audits]
-- false_positives:
--   - Developers adding localhost or test redirect URIs to development apps
--   - Apps legitimately hosted on cloud platform hostnames (azurewebsites.net, vercel.app)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications
--   - https://learn.microsoft.com/entra/identity-platform/reply-url
-- catalog: [APP-URI-CHANGE]
-- ---
-- one linear CTE chain (a CTE referenced twice is planned twice; deep plans overflow the stack)
WITH ops AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS actor,
         LOWER(SPLIT_PART(COALESCE(actor_upn, ''), '@', 2)) AS actor_domain,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Update application', 'Update service principal')
    AND (changes LIKE '%AppAddress%' OR LOWER(changes) LIKE '%identifieruri%' OR LOWER(changes) LIKE '%logouturl%')
),
tg AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, actor, actor_domain,
         suspicious_source, UNNEST(targets) AS t
  FROM ops
),
props AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, actor, actor_domain,
         suspicious_source, UNNEST(t.modified_properties) AS p
  FROM tg
),
url_pieces AS (
  SELECT id, time, activity, actor_upn, ip_address, user_agent, target_id, target_name, actor, actor_domain,
         suspicious_source,
         CASE WHEN p.name = 'AppAddress' THEN 'redirect URI'
              WHEN LOWER(p.name) LIKE '%identifieruri%' THEN 'App ID URI'
              ELSE 'logout URL' END AS kind,
         p.old_value, p.new_value,
         -- AppAddress is a list of {"Address":"…", …} objects; the others are plain lists joined with "; "
         UNNEST(STRING_TO_ARRAY(COALESCE(REPLACE(p.new_value, '"Address": "', '"Address":"'), ''),
                                CASE WHEN p.name = 'AppAddress' THEN '"Address":"' ELSE '; ' END)) AS piece
  FROM props
  WHERE p.name = 'AppAddress' OR LOWER(p.name) LIKE '%identifieruri%' OR LOWER(p.name) LIKE '%logouturl%'
),
urls AS (
  SELECT *,
         LOWER(TRIM(SPLIT_PART(piece, '"', 1))) AS url,
         -- the host: between "://" and the next "/" or ":"
         LOWER(SPLIT_PART(SPLIT_PART(SPLIT_PART(SPLIT_PART(piece, '"', 1), '://', 2), '/', 1), ':', 1)) AS host
  FROM url_pieces
),
added AS (
  SELECT *,
         url LIKE 'http://%' AND NOT url ~ '^http://(localhost|127\.|\[::1\])' AS non_https,
         url LIKE '%*%' AS wildcard,
         url ~ '^[a-z][a-z0-9+.-]*://(localhost|127\.|\[::1\]|0\.0\.0\.0)' AS loopback,
         url LIKE 'http%' AND host <> '' AND NOT host ~ '^(localhost|127\.|\[::1\])'
           AND NOT (actor_domain <> '' AND (host = actor_domain OR ENDS_WITH(host, CONCAT('.', actor_domain)))) AS external_host
  FROM urls
  WHERE url LIKE '%://%'
    -- not in the old value (literal containment: STRPOS takes a regex in polars)
    AND ARRAY_LENGTH(STRING_TO_ARRAY(LOWER(COALESCE(old_value, '')), url)) = 1
),
per_change AS (
  SELECT id, MIN(time) AS time, MIN(activity) AS activity, MIN(actor_upn) AS actor_upn, MIN(actor) AS actor,
         MIN(ip_address) AS ip_address, MIN(user_agent) AS user_agent, MIN(target_id) AS app_object_id,
         MIN(target_name) AS app,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         STRING_AGG(DISTINCT kind, ', ' ORDER BY kind) AS kinds,
         STRING_AGG(DISTINCT url, ';' ORDER BY url) AS added_urls,
         MAX(CASE WHEN kind <> 'logout URL' THEN 1 ELSE 0 END) = 1 AS redirect_or_app_id,
         MAX(CASE WHEN kind <> 'logout URL' AND (non_https OR wildcard OR loopback OR external_host) THEN 1 ELSE 0 END) = 1 AS flagged,
         MAX(CASE WHEN kind <> 'logout URL' AND (non_https OR wildcard OR external_host) THEN 1 ELSE 0 END) = 1 AS dangerous,
         MAX(CASE WHEN non_https THEN 'non-HTTPS' END) AS f1,
         MAX(CASE WHEN wildcard THEN 'wildcard' END) AS f2,
         MAX(CASE WHEN loopback THEN 'localhost' END) AS f3,
         STRING_AGG(DISTINCT external_label, ', ' ORDER BY external_label) AS f4
  FROM (SELECT *, CASE WHEN external_host THEN CONCAT('external host ', host) END AS external_label FROM added)
  GROUP BY id
),
-- applications the same person registered in the window: a developer's own app
own_apps AS (
  SELECT DISTINCT actor_upn, target_id FROM audits
  WHERE activity = 'Add application' AND result = 'success' AND actor_upn IS NOT NULL AND target_id IS NOT NULL
),
rated AS (
  SELECT c.*, o.target_id IS NOT NULL AS own_app
  FROM per_change c
  LEFT JOIN own_apps o ON o.actor_upn = c.actor_upn AND o.target_id = c.app_object_id
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'unknown actor'), ' added ', added_urls, ' (', kinds, ') to ', COALESCE(app, app_object_id, 'an application'),
              CASE WHEN CONCAT_WS(', ', f1, f2, f3, f4) <> '' THEN CONCAT(': ', CONCAT_WS(', ', f1, f2, f3, f4)) ELSE '' END) AS summary,
       CASE WHEN suspicious_source AND redirect_or_app_id THEN 'high'
            WHEN own_app THEN 'low'
            WHEN redirect_or_app_id AND dangerous THEN 'high'
            WHEN redirect_or_app_id AND flagged THEN 'medium'
            ELSE 'low' END AS severity,
       id AS record_ids,
       app, app_object_id, kinds, added_urls, CONCAT_WS(', ', f1, f2, f3, f4) AS url_flags, own_app, activity,
       user_agent
FROM rated
