-- ---
-- id: DUET-LEGACY-SUCCESS
-- title: Successful sign-in over a legacy authentication protocol
-- kind: duet
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access, defense-evasion]
-- description: >-
--   Successful sign-ins whose client app is a legacy (basic authentication) protocol: IMAP4,
--   POP3, Authenticated SMTP, Exchange ActiveSync, Exchange Web Services, MAPI, Outlook
--   Anywhere, AutoDiscover, Offline Address Book, Reporting Web Services, Exchange Online
--   PowerShell, Other clients. One question per user and protocol over the window. The
--   "new for the user" and privileged escalations of the catalog's LEGACY-SUCCESS detection
--   are left to that detection.
-- why: >-
--   Legacy protocols cannot do MFA, so any success means a password alone still opens the
--   mailbox. The customer should confirm the client is theirs and block legacy
--   authentication with Conditional Access.
-- remediation: [ask_customer, block_legacy_auth, reset_password]
-- tables: [signins]
-- false_positives:
--   - Multifunction printers and line-of-business apps sending mail over authenticated SMTP
--   - Old mail clients not yet migrated to modern authentication
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/LegacyAuthAttempt.yaml
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-FirstTimeLegacyAuth.kql
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication
-- catalog: [LEGACY-SUCCESS]
-- ---
WITH legacy AS (
  SELECT * FROM signins
  WHERE is_legacy_auth AND result = 'success' AND user_principal_name IS NOT NULL
),
per_protocol AS (
  SELECT user_principal_name,
         client_app_used,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT app_display_name, ', ' ORDER BY app_display_name) AS app_list,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         SUM(CASE WHEN ip_is_trusted THEN 1 ELSE 0 END) AS from_trusted_ips,
         MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged,
         ARRAY_AGG(id) AS record_ids
  FROM legacy
  GROUP BY user_principal_name, client_app_used
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ips,
       evidence_count,
       CONCAT(user_principal_name, ' signed in successfully over legacy protocol ', client_app_used, ' ',
              CAST(evidence_count AS VARCHAR), ' time(s)',
              CASE WHEN app_list IS NULL THEN '' ELSE CONCAT(' (', app_list, ')') END,
              CASE WHEN first_seen = last_seen THEN CONCAT(' on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC')
                   ELSE CONCAT(' between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC') END,
              ' from ',
              CASE WHEN ip_count <= 3 THEN REPLACE(ips, ';', ', ') ELSE CONCAT(CAST(ip_count AS VARCHAR), ' IPs') END,
              ': legacy authentication is not blocked for this account') AS summary,
       record_ids,
       client_app_used AS protocol,
       app_list AS apps,
       countries,
       user_agents,
       from_trusted_ips,
       privileged = 1 AS user_is_privileged
FROM per_protocol
