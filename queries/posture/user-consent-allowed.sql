-- ---
-- id: POS-CONSENT
-- title: User consent and app registration not restricted
-- kind: posture
-- severity: high
-- description: >-
--   Two findings from the audits. (1) Users could consent to applications themselves: any
--   successful "Consent to application" with ConsentContext.IsAdminConsent False, with the
--   apps, the scopes granted and the consenting users. (2) Non-admin users could register
--   applications: successful "Add application" by a user who is not privileged. Not covered:
--   whether consent requests go through the admin consent workflow (not visible in these logs).
-- why: >-
--   Illicit consent grants give an attacker's app standing access to mail and files that
--   survives password resets and MFA; open app registration lets any compromised account
--   create its own persistence. Both should be limited to admins and verified publishers.
-- remediation: [revoke_consent_grant, review_configuration]
-- tables: [audits]
-- false_positives:
--   - Consent policies that allow low-risk permissions for verified publishers (still user consent; check the scopes)
-- references:
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-app-consent
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.5.1v1, MS.AAD.5.2v1, MS.AAD.5.3v1, "Entra recommendation: Do not allow users to grant consent to unreliable applications"]
-- catalog: [POS-CONSENT]
-- ---
WITH user_consents AS (
  SELECT time, id, COALESCE(actor_upn, actor_display_name, actor_app_name) AS actor,
         COALESCE(target_name, target_id, 'unknown app') AS app,
         -- ConsentAction.Permissions holds "… Scope: Mail.Read offline_access …, CreatedDateTime …"
         TRIM(SPLIT_PART(SPLIT_PART(changes, 'Scope: ', 2), ',', 1)) AS scopes
  FROM audits
  WHERE result = 'success' AND activity = 'Consent to application'
    AND changes ~ '(?i)IsAdminConsent: [^\n]*-> "?false'
),
consent_apps AS (
  SELECT app, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT NULLIF(scopes, '') ORDER BY NULLIF(scopes, '')), ' | ') AS scopes,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT actor ORDER BY actor), ', ') AS users
  FROM user_consents GROUP BY app
),
consents AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n,
         COUNT(DISTINCT actor) AS users, COUNT(DISTINCT app) AS apps,
         ARRAY_AGG(DISTINCT actor ORDER BY actor) AS principals,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM user_consents
),
consent_detail AS (
  SELECT ARRAY_AGG(CONCAT(app, ' (', COALESCE(NULLIF(scopes, ''), 'scopes not logged'), ')') ORDER BY neg_n, app LIMIT 5) AS top_apps,
         ARRAY_AGG(CONCAT(app, ': ', CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' consent by ' ELSE ' consents by ' END, users, '; scopes ', COALESCE(NULLIF(scopes, ''), 'not logged'))
                   ORDER BY neg_n, app) AS details
  FROM consent_apps
),
registrations AS (
  SELECT time, id, COALESCE(actor_upn, actor_display_name) AS actor, COALESCE(target_name, target_id, 'unknown app') AS app
  FROM audits
  WHERE result = 'success' AND activity = 'Add application'
    AND actor_type = 'user' AND NOT actor_is_privileged
),
reg_actors AS (
  SELECT actor, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT app ORDER BY app), ', ') AS apps
  FROM registrations GROUP BY actor
),
reg AS (
  SELECT MIN(r.time) AS first_seen, MAX(r.time) AS last_seen, COUNT(*) AS n,
         COUNT(DISTINCT r.actor) AS users, COUNT(DISTINCT r.app) AS apps,
         ARRAY_AGG(DISTINCT r.actor ORDER BY r.actor) AS principals,
         ARRAY_AGG(r.id ORDER BY r.time, r.id LIMIT 50) AS record_ids
  FROM registrations r
),
reg_detail AS (
  SELECT ARRAY_AGG(CONCAT(actor, ' (', apps, ')') ORDER BY neg_n, actor LIMIT 5) AS top_actors,
         ARRAY_AGG(CONCAT(actor, ': registered ', apps) ORDER BY neg_n, actor) AS details
  FROM reg_actors
)
SELECT c.first_seen, c.last_seen, c.principals, CAST(NULL AS VARCHAR) AS ips, c.n AS evidence_count,
       CONCAT('users can consent to applications: ', CAST(c.n AS VARCHAR),
              CASE WHEN c.n = 1 THEN ' user consent' ELSE ' user consents' END, ' (IsAdminConsent False) by ',
              CAST(c.users AS VARCHAR), CASE WHEN c.users = 1 THEN ' user to ' ELSE ' users to ' END,
              CAST(c.apps AS VARCHAR), CASE WHEN c.apps = 1 THEN ' app: ' ELSE ' apps: ' END,
              ARRAY_TO_STRING(d.top_apps, ', '), CASE WHEN c.apps > 5 THEN ', …' ELSE '' END) AS summary,
       c.record_ids,
       'user consent allowed' AS check,
       d.details
FROM consents c CROSS JOIN consent_detail d
WHERE c.n > 0
UNION ALL
SELECT r.first_seen, r.last_seen, r.principals, CAST(NULL AS VARCHAR) AS ips, r.n AS evidence_count,
       CONCAT('non-admin users can register applications: ', CAST(r.n AS VARCHAR),
              CASE WHEN r.n = 1 THEN ' application registered by ' ELSE ' applications registered by ' END,
              CAST(r.users AS VARCHAR), CASE WHEN r.users = 1 THEN ' user without an admin role: ' ELSE ' users without an admin role: ' END,
              ARRAY_TO_STRING(d.top_actors, ', '), CASE WHEN r.users > 5 THEN ', …' ELSE '' END) AS summary,
       r.record_ids,
       'app registration open to users' AS check,
       d.details
FROM reg r CROSS JOIN reg_detail d
WHERE r.n > 0
