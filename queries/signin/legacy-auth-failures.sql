-- ---
-- id: LEGACY-FAIL
-- title: Failed legacy-protocol sign-ins
-- kind: detection
-- severity: medium
-- techniques: [T1110.003]
-- tactics: [credential-access]
-- description: >-
--   Failed sign-ins (result failure) over a legacy client (IMAP4, POP3, Authenticated SMTP,
--   Exchange ActiveSync, Exchange Web Services, MAPI, "Other clients" …), aggregated per
--   source IP and UTC day with the accounts it tried. Fires when the IP tried at least
--   min_users accounts or failed at least min_failures times (thresholds ours; the source
--   monitors every failure). Trusted IPs are ignored. High when one of those accounts shows
--   a code meaning its password worked (first_factor_ok) from the same IP, unless that was
--   the account's own network (one of its usual ASNs; an old mail client at home retrying a
--   stale password while the user's browser signs in fine), or the account's own address
--   (ip_is_own_for_user: successes there on two days before): legacy protocols skip MFA, so
--   that account is open. Those accounts are the principals. Low when a single account
--   fails from one of its own networks or addresses: a stuck client, not an attack.
-- why: >-
--   Legacy protocols take a bare password and cannot do MFA, which makes them the favourite
--   door for sprays and credential stuffing; a failure burst there is an attack on
--   passwords.
-- remediation: [block_ip, block_legacy_auth, reset_password]
-- tables: [signins]
-- params:
--   min_users: 2
--   min_failures: 10
-- false_positives:
--   - An old phone or printer retrying a changed password over ActiveSync or SMTP
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication
-- catalog: [LEGACY-FAIL]
-- ---
WITH fails AS (
  SELECT id, time, user_principal_name, ip_address, error_code, client_app_used, app_display_name, country,
         asn, ip_is_hosting, asn_is_usual_for_user OR ip_is_own_for_user AS own_source, STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE is_legacy_auth
    AND result = 'failure'
    AND ip_address IS NOT NULL
    AND NOT ip_is_trusted
),
dated AS (
  SELECT *, MIN(time) OVER (PARTITION BY ip_address, day) AS day_start FROM fails
),
per_ip AS (
  SELECT ip_address, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS failures,
         COUNT(DISTINCT user_principal_name) AS targeted,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         ARRAY_AGG(DISTINCT client_app_used) AS client_apps,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         MIN(country) AS country,
         MIN(asn) AS asn,
         MAX(CASE WHEN ip_is_hosting THEN 1 ELSE 0 END) = 1 AS hosting,
         MIN(CASE WHEN own_source THEN 1 ELSE 0 END) = 1 AS own_network
  FROM fails
  GROUP BY ip_address, day
  HAVING COUNT(DISTINCT user_principal_name) >= {{min_users}} OR COUNT(*) >= {{min_failures}}
),
-- an account whose password worked from the same IP (unflagged IPs drop out in the final
-- join): over a legacy or single-factor sign-in, or from a network that is not the account's
-- own — the user's phone at home getting in after a password change is not a breach
validated AS (
  SELECT f.ip_address, f.day,
         COUNT(DISTINCT s.user_principal_name) AS validated,
         ARRAY_AGG(DISTINCT s.user_principal_name) AS principals,
         MAX(s.time) AS last_validated
  FROM dated f
  JOIN signins s ON s.user_principal_name = f.user_principal_name AND s.ip_address = f.ip_address
  WHERE s.first_factor_ok AND s.time >= f.day_start AND NOT s.ip_is_own_for_user
    AND (NOT s.asn_is_usual_for_user
         OR ((s.is_legacy_auth OR COALESCE(s.authentication_requirement, '') <> 'multiFactorAuthentication')
             AND s.ip_is_hosting))
  GROUP BY f.ip_address, f.day
)
SELECT p.first_seen,
       CASE WHEN v.last_validated > p.last_seen THEN v.last_validated ELSE p.last_seen END AS last_seen,
       v.principals,
       p.ip_address AS ips,
       p.failures AS evidence_count,
       CONCAT(p.ip_address, ': ', CAST(p.failures AS VARCHAR), ' failed legacy-protocol sign-ins against ',
              CAST(p.targeted AS VARCHAR), ' account(s) on ', p.day, '; password validated for ',
              CAST(COALESCE(v.validated, 0) AS VARCHAR)) AS summary,
       CASE WHEN COALESCE(v.validated, 0) > 0 THEN 'high'
            WHEN p.targeted = 1 AND p.own_network THEN 'low'
            ELSE 'medium' END AS severity,
       p.targeted, p.targeted_users, p.client_apps, p.error_codes, p.country, p.asn, p.hosting
FROM per_ip p
LEFT JOIN validated v ON p.ip_address = v.ip_address AND p.day = v.day
