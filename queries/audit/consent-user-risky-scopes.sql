-- ---
-- id: CONSENT-USER-RISKY
-- title: User consent to an app with risky scopes (consent phishing)
-- kind: detection
-- severity: medium
-- techniques: [T1528, T1566.002]
-- tactics: [credential-access, initial-access]
-- description: >-
--   "Consent to application" (success) with ConsentContext.IsAdminConsent False: a user granted an
--   app delegated access to their own data. Scopes are read from ConsentAction.Permissions
--   ("… ConsentType: Principal, Scope: Mail.Read offline_access, …"). Fires when a scope is a
--   consent-phishing root - Mail.Read/ReadWrite/Send (.Shared/.All; not Mail.ReadBasic),
--   Contacts.*, MailboxSettings.*, People.*, Files.*, Notes.*, Chat.*, ChannelMessage.Read*,
--   Directory.AccessAsUser.All, EWS/EAS.AccessAsUser.All, user_impersonation - or when at least
--   min_toolkit_scopes of the O365 Attack Toolkit set are granted (contacts.read, user.read,
--   mail.read, notes.read.all, mailboxsettings.readwrite, files.readwrite.all, mail.send,
--   files.read, files.read.all). One finding per app. High when a risky scope comes with
--   offline_access, the toolkit set matches, the consent came from a hosting / intel-listed IP or a
--   tool user agent, or at least min_users users consented to the same app; medium otherwise. When
--   the app's service principal was added in the window (the app was new to the tenant), its reply
--   URL is shown. Not implemented: the known-app allow list and the first-seen-in-7-days rarity test.
-- why: >-
--   Illicit consent gives the attacker a refresh token for the user's mail and files that
--   survives password resets and MFA: the app keeps reading until the grant is revoked.
-- remediation: [revoke_consent_grant, disable_service_principal, revoke_sessions, confirm_compromised]
-- tables: [audits]
-- params:
--   min_toolkit_scopes: 5
--   min_users: 3
-- false_positives:
--   - Legitimate productivity add-ins (mail merge, note taking, CRM sync) users are allowed to approve
-- references:
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-app-consent
--   - https://github.com/mdsecactivebreach/o365-attack-toolkit
-- catalog: [CONSENT-USER-RISKY]
-- ---
-- The modified properties are read from `changes` ("target/name: old -> new" lines) rather than
-- by unnesting targets: fewer plan stages (deep plans overflow the stack).
WITH ops AS (
  SELECT id, time, actor_upn, ip_address, target_id, target_name,
         COALESCE(target_id, target_name) AS app_key,
         activity = 'Consent to application' AS is_consent,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS consenter,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool IS NOT NULL AS suspicious_source,
         -- ConsentAction.Permissions: "[old grants] => [[…, ConsentType: Principal, Scope: a b c, …], …]";
         -- the scope lists of the first two new grants (one per resource API)
         TRIM(CONCAT_WS(' ',
           NULLIF(SPLIT_PART(SPLIT_PART(SPLIT_PART(changes, '=>', 2), 'Scope: ', 2), ',', 1), ''),
           NULLIF(SPLIT_PART(SPLIT_PART(SPLIT_PART(changes, '=>', 2), 'Scope: ', 3), ',', 1), ''))) AS scopes,
         -- Add service principal: the first reply URL of AppAddress
         CASE WHEN activity = 'Add service principal'
              THEN NULLIF(SPLIT_PART(SPLIT_PART(REPLACE(changes, '"Address": "', '"Address":"'), '"Address":"', 2), '"', 1), '') END AS reply_url
  FROM audits
  WHERE result = 'success'
    AND ((activity = 'Consent to application'
          -- user consent only: admin consent is CONSENT-HIGHPRIV's
          AND changes ~ '(?i)ConsentContext\.IsAdminConsent: [^\n]*-> *False')
         -- the same app's "Add service principal" rides along: its reply URL shows where tokens go
         OR activity = 'Add service principal')
),
tokens AS (
  SELECT *,
         CASE WHEN scope ~ '^(mail\.(read|readwrite|send)(\.shared|\.all)?|contacts\.[a-z.]+|mailboxsettings\.[a-z.]+|people\.[a-z.]+|files\.[a-z.]+|notes\.[a-z.]+|chat\.[a-z.]+|channelmessage\.read[a-z.]*|directory\.accessasuser\.all|ews\.accessasuser\.all|eas\.accessasuser\.all|user_impersonation)$'
              THEN scope END AS risky_scope,
         CASE WHEN scope IN ('contacts.read', 'user.read', 'mail.read', 'notes.read.all', 'mailboxsettings.readwrite',
                             'files.readwrite.all', 'mail.send', 'files.read', 'files.read.all')
              THEN scope END AS toolkit_scope
  FROM (SELECT *, LOWER(TRIM(UNNEST(STRING_TO_ARRAY(COALESCE(scopes, ''), ' ')))) AS scope FROM ops)
),
rated_consents AS (
  SELECT id, MIN(time) AS time, MIN(app_key) AS app_key, MIN(actor_upn) AS actor_upn, MIN(consenter) AS consenter,
         MIN(ip_address) AS ip_address, MIN(target_id) AS app_object_id, MIN(target_name) AS app,
         MIN(scopes) AS scopes, MIN(reply_url) AS reply_url,
         MAX(CASE WHEN is_consent THEN 1 ELSE 0 END) = 1 AS is_consent,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) = 1 AS suspicious_source,
         STRING_AGG(DISTINCT risky_scope, ' ' ORDER BY risky_scope) AS risky_scopes,
         COUNT(DISTINCT toolkit_scope) AS toolkit_scopes,
         MAX(CASE WHEN scope = 'offline_access' THEN 1 ELSE 0 END) = 1 AS offline_access
  FROM tokens
  GROUP BY id
),
-- the risky consents, and the service principal creations (for the reply URL)
rated AS (
  SELECT *,
         CASE WHEN risky THEN id END AS risky_id,
         CASE WHEN risky THEN consenter END AS risky_consenter,
         CASE WHEN risky THEN actor_upn END AS risky_user,
         CASE WHEN risky THEN ip_address END AS risky_ip,
         CASE WHEN risky THEN scopes END AS risky_scope_list,
         CASE WHEN risky THEN risky_scopes END AS risky_scope_set,
         CASE WHEN risky THEN time END AS risky_time,
         CASE WHEN NOT is_consent THEN reply_url END AS new_app_reply_url
  FROM (
    SELECT *,
           is_consent AND (risky_scopes IS NOT NULL OR toolkit_scopes >= {{min_toolkit_scopes}}) AS risky
    FROM rated_consents
  )
),
-- one finding per app
per_app AS (
  SELECT app_key,
         MIN(risky_time) AS first_seen, MAX(risky_time) AS last_seen,
         COUNT(DISTINCT risky_id) AS evidence_count,
         COUNT(DISTINCT risky_consenter) AS users,
         MIN(app) AS app, MIN(app_object_id) AS app_object_id,
         STRING_AGG(DISTINCT risky_user, ';' ORDER BY risky_user) AS consenting_users,
         STRING_AGG(DISTINCT risky_ip, ';' ORDER BY risky_ip) AS ips,
         STRING_AGG(DISTINCT risky_scope_list, ' | ' ORDER BY risky_scope_list) AS scopes,
         STRING_AGG(DISTINCT risky_scope_set, ' ' ORDER BY risky_scope_set) AS risky_scopes,
         MAX(CASE WHEN risky THEN toolkit_scopes END) AS toolkit_scopes,
         MAX(CASE WHEN risky AND offline_access THEN 1 ELSE 0 END) = 1 AS offline_access,
         MAX(CASE WHEN risky AND ((risky_scopes IS NOT NULL AND offline_access) OR toolkit_scopes >= {{min_toolkit_scopes}}
                                  OR suspicious_source) THEN 1 ELSE 0 END) = 1 AS high_risk,
         MIN(new_app_reply_url) AS new_app_reply_url,
         STRING_AGG(DISTINCT risky_id, ';' ORDER BY risky_id) AS record_ids
  FROM rated
  GROUP BY app_key
  HAVING COUNT(DISTINCT risky_id) > 0
)
SELECT first_seen, last_seen,
       consenting_users AS principals,
       ips, evidence_count,
       CONCAT(CAST(users AS VARCHAR), ' user(s) consented to ', COALESCE(app, app_object_id), ' with ',
              COALESCE(risky_scopes, CONCAT(CAST(toolkit_scopes AS VARCHAR), ' O365 Attack Toolkit scopes')),
              CASE WHEN offline_access THEN ' + offline_access' ELSE '' END,
              ' (', CAST(evidence_count AS VARCHAR), ' consent(s))',
              CASE WHEN new_app_reply_url IS NOT NULL THEN CONCAT('; app added to the tenant in the window, reply URL ', new_app_reply_url) ELSE '' END) AS summary,
       CASE WHEN high_risk OR users >= {{min_users}} THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       app, app_object_id, scopes, risky_scopes, toolkit_scopes, offline_access, users, consenting_users,
       new_app_reply_url
FROM per_app
