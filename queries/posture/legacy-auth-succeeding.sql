-- ---
-- id: POS-LEGACY
-- title: Legacy authentication still succeeds
-- kind: posture
-- severity: high
-- description: >-
--   Successful user sign-ins over a legacy (basic-auth) client protocol (IMAP4, POP3,
--   Authenticated SMTP, Exchange ActiveSync, Exchange Web Services, MAPI, Autodiscover,
--   Other clients …) anywhere in the window, with their share of all user sign-in successes
--   and a breakdown per protocol, user and app. One finding for the tenant when at least
--   min_successes legacy sign-ins succeeded: any success means no Conditional Access policy
--   blocks legacy authentication (a report-only policy does not). Failed and CA-blocked
--   legacy attempts are counted as context only.
-- why: >-
--   Legacy protocols cannot do MFA, so a password alone opens the mailbox; password spray and
--   credential stuffing target them for exactly that reason. Microsoft and CISA baselines
--   require blocking legacy authentication for every user.
-- remediation: [block_legacy_auth, review_configuration]
-- tables: [signins]
-- params:
--   min_successes: 1
-- false_positives:
--   - Multifunction printers or line-of-business apps still sending mail over SMTP AUTH; move them to OAuth or an SMTP relay and exclude only those accounts
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.1.1v1, "Entra recommendation: Enable policy to block legacy authentication"]
-- catalog: [POS-LEGACY]
-- ---
WITH user_signins AS (
  -- Interactive and non-interactive user sign-ins; workload identities cannot use basic auth.
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND user_principal_name IS NOT NULL
),
legacy_ok AS (
  SELECT * FROM user_signins WHERE is_legacy_auth AND result = 'success'
),
-- Denominator for the share: every successful user sign-in in the window.
all_ok AS (
  SELECT COUNT(*) AS successes, COUNT(DISTINCT user_principal_name) AS users
  FROM user_signins WHERE result = 'success'
),
-- Legacy attempts that did not succeed (blocked by CA, wrong password …): context only.
legacy_not_ok AS (
  SELECT COUNT(*) AS attempts, COUNT(*) FILTER (WHERE error_code = 53003) AS ca_blocked
  FROM user_signins WHERE is_legacy_auth AND result <> 'success'
),
per_protocol AS (
  SELECT client_app_used, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         COUNT(DISTINCT user_principal_name) AS users
  FROM legacy_ok GROUP BY client_app_used
),
protocols AS (
  SELECT ARRAY_AGG(CONCAT(client_app_used, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, client_app_used) AS by_protocol,
         ARRAY_AGG(CONCAT(client_app_used, ': ', CAST(n AS VARCHAR), ' successes by ', CAST(users AS VARCHAR),
                          CASE WHEN users = 1 THEN ' user' ELSE ' users' END)
                   ORDER BY neg_n, client_app_used) AS protocol_breakdown
  FROM per_protocol
),
per_user AS (
  SELECT user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT client_app_used ORDER BY client_app_used), ', ') AS protocols,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT app_display_name ORDER BY app_display_name), ', ') AS apps,
         MAX(time) AS last_success
  FROM legacy_ok GROUP BY user_principal_name
),
users AS (
  SELECT ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR), ' successes over ', protocols, ' to ', COALESCE(NULLIF(apps, ''), 'unknown app'),
                          ', last ', STRFTIME(last_success, '%Y-%m-%d %H:%M'))
                   ORDER BY neg_n, user_principal_name) AS user_breakdown
  FROM per_user
),
totals AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS successes,
         COUNT(DISTINCT user_principal_name) AS users,
         COUNT(*) FILTER (WHERE user_is_privileged) AS privileged_successes,
         COUNT(*) FILTER (WHERE NOT ip_is_trusted) AS untrusted_ip_successes,
         ARRAY_AGG(DISTINCT ip_address ORDER BY ip_address) FILTER (WHERE ip_address IS NOT NULL) AS ips,
         ARRAY_AGG(DISTINCT app_display_name ORDER BY app_display_name) FILTER (WHERE app_display_name IS NOT NULL) AS apps,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM legacy_ok
)
SELECT t.first_seen, t.last_seen, u.principals, t.ips, t.successes AS evidence_count,
       CONCAT('legacy authentication still succeeds: ', CAST(t.successes AS VARCHAR), ' successful sign-ins (',
              CAST(ROUND(100.0 * t.successes / a.successes, 2) AS VARCHAR), '% of ', CAST(a.successes AS VARCHAR),
              ' user sign-in successes) by ', CAST(t.users AS VARCHAR), CASE WHEN t.users = 1 THEN ' user' ELSE ' users' END, ' over ',
              ARRAY_TO_STRING(p.by_protocol, ', '), '; users: ', ARRAY_TO_STRING(u.top_users, ', '),
              CASE WHEN t.users > 5 THEN ', …' ELSE '' END) AS summary,
       t.record_ids,
       t.successes AS legacy_successes,
       ROUND(100.0 * t.successes / a.successes, 2) AS legacy_share_pct,
       a.successes AS all_user_successes,
       t.users AS legacy_users,
       t.privileged_successes,
       t.untrusted_ip_successes,
       n.attempts AS legacy_failed_attempts,
       n.ca_blocked AS legacy_ca_blocked,
       p.protocol_breakdown,
       u.user_breakdown,
       t.apps
FROM totals t
CROSS JOIN all_ok a
CROSS JOIN legacy_not_ok n
CROSS JOIN protocols p
CROSS JOIN users u
WHERE t.successes >= {{min_successes}} AND t.successes > 0
