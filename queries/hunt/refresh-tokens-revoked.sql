-- ---
-- id: STS-REVOKE
-- title: Refresh tokens revoked for an account
-- kind: hunt
-- severity: low
-- techniques: [T1550.001]
-- tactics: [defense-evasion]
-- description: >-
--   Successful "Update StsRefreshTokenValidFrom Timestamp" audits (StsRefreshTokensValidFrom
--   moved forward: every refresh token of the account is revoked) not initiated by a
--   directory-sync identity (sync_actors, or a Sync_* account). Mostly context: it shows a
--   revocation (remediation, password change, admin action) happened and when. One lead per
--   account and day; medium when the account is privileged and the revocation was done by
--   someone else who is not known to be privileged.
-- why: >-
--   Responders need to know whether and when sessions were revoked to judge whether stolen
--   tokens still work. An unusual actor revoking an admin's tokens can also be an attacker
--   forcing the admin to sign in again through a phishing proxy, or locking them out.
-- remediation: [ask_customer]
-- tables: [audits]
-- params:
--   sync_actors: [DirectorySync, Microsoft Azure AD Connect, Microsoft Entra Connect, Azure AD Cloud Sync, Microsoft Entra Connect Cloud Sync]
-- false_positives:
--   - Password changes and resets, and admins revoking sessions during incident response
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/AuditLogs/StsRefreshTokenModification.yaml
--   - https://learn.microsoft.com/graph/api/user-revokesigninsessions
-- catalog: [STS-REVOKE]
-- ---
WITH revokes AS (
  SELECT *,
         COALESCE(actor_upn, actor_app_name, actor_display_name, 'an unknown actor') AS actor,
         COALESCE(target_upn, target_name, target_id) AS account,
         NULLIF(TRIM(SPLIT_PART(SPLIT_PART(SPLIT_PART(COALESCE(changes, ''), 'StsRefreshTokensValidFrom: ', 2), '
', 1), ' -> ', 2)), '') AS valid_from
  FROM audits
  WHERE LOWER(activity) = 'update stsrefreshtokenvalidfrom timestamp'
    AND result = 'success'
    AND NOT COALESCE(actor_display_name IN {{sync_actors}}, FALSE)
    AND NOT COALESCE(actor_app_name IN {{sync_actors}}, FALSE)
    AND NOT COALESCE(STARTS_WITH(actor_upn, 'sync_'), FALSE)
),
per_account AS (
  SELECT account,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT actor, ', ' ORDER BY actor) AS actor_list,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT valid_from) AS tokens_valid_from,
         MAX(CASE WHEN target_is_privileged THEN 1 ELSE 0 END) AS target_privileged,
         -- someone else, not known as an admin, revoked an admin's sessions
         MAX(CASE WHEN target_is_privileged AND actor <> account AND NOT actor_is_privileged THEN 1 ELSE 0 END) AS unusual_actor,
         ARRAY_AGG(id) AS record_ids
  FROM revokes
  WHERE account IS NOT NULL
  GROUP BY account, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       account AS principals,
       ips,
       evidence_count,
       CONCAT('refresh tokens of ', account, CASE WHEN target_privileged = 1 THEN ' (privileged)' ELSE '' END,
              ' were revoked ', CAST(evidence_count AS VARCHAR), ' time(s) on ', day, ', first at ',
              STRFTIME(first_seen, '%H:%M'), ' UTC, by ', actor_list,
              CASE WHEN unusual_actor = 1 THEN '; the actor is not known to be an administrator' ELSE '' END) AS summary,
       CASE WHEN unusual_actor = 1 THEN 'medium' ELSE 'low' END AS severity,
       record_ids,
       actor_list AS revoked_by,
       tokens_valid_from
FROM per_account
