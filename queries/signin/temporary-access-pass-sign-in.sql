-- ---
-- id: TAP-SIGNIN
-- title: Sign-in with a Temporary Access Pass from an unfamiliar network
-- kind: detection
-- severity: low
-- techniques: [T1078.004, T1556.006]
-- tactics: [initial-access, persistence]
-- description: >-
--   A successful user sign-in whose authentication steps used a Temporary Access Pass
--   (authenticationDetails method "Temporary Access Pass"), from a network that is neither
--   trusted (policy or the learned office egress), nor the user's own address
--   (ip_is_own_for_user), nor one of their usual ASNs: a new hire collecting their TAP in the
--   office is not reported. One finding per user and day. Low by itself; medium when the
--   address is a hosting, VPS or anonymiser network or intel-listed; high when the pass was
--   issued for the user within creation_window_hours before the sign-in by an unusual issuer
--   (so: an unusual issuer and an unfamiliar network together). A TAP creation
--   is "Admin registered security info" / "User registered security info" / "Create Temporary
--   Access Pass method for user" (result reason, activity or modified properties naming the
--   temporary access pass) for the same user; its issuer is unusual unless it follows the
--   helpdesk pattern: someone other than the user who issued passes to at least
--   helpdesk_min_users distinct users in the export, from no hosting or intel-listed IP.
-- why: >-
--   A TAP signs its holder in without password or MFA and lets them register new methods. An
--   attacker holding an authentication-administrator session mints one for the account they
--   want and redeems it from their own infrastructure; the victim's MFA never fires.
-- remediation: [revoke_sessions, require_mfa_reregistration, reset_password, ask_customer]
-- tables: [signins, audits]
-- params:
--   creation_window_hours: 24
--   helpdesk_min_users: 3
-- false_positives:
--   - A remote new hire or a user recovering a lost phone at home, with a TAP issued by an administrator who rarely does it
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/AuditLogs/AdditionofaTemporaryAccessPasstoaPrivilegedAccount.yaml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_temporary_access_pass_created.toml
--   - https://posts.specterops.io/passwordless-persistence-and-privilege-escalation-in-azure-98a01310be3f
-- catalog: [TAP-CREATED]
-- ---
WITH taps AS (
  SELECT id, time, user_principal_name, ip_address, asn, country, app_display_name, user_agent,
         ip_hosting_provider, ip_intel,
         (COALESCE(ip_is_hosting, FALSE) OR ip_intel IS NOT NULL) AND NOT COALESCE(ip_is_trusted, FALSE) AS risky_network,
         STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND result = 'success'
    AND user_principal_name IS NOT NULL
    AND (ARRAY_TO_STRING(auth_methods, '|') ILIKE '%Temporary Access Pass%'
         OR COALESCE(mfa_method, '') ILIKE '%Temporary Access Pass%')
    AND NOT COALESCE(ip_is_trusted, FALSE)
    AND NOT COALESCE(ip_is_own_for_user, FALSE)
    AND NOT COALESCE(asn_is_usual_for_user, FALSE)
),
created AS (
  SELECT id, time, target_upn, ip_address,
         COALESCE(actor_upn, actor_app_name) AS issuer,
         COALESCE(ip_is_hosting, FALSE) OR ip_intel IS NOT NULL AS issuer_risky_ip
  FROM audits
  WHERE result = 'success'
    AND target_upn IS NOT NULL
    AND (COALESCE(result_reason, '') ILIKE '%temporary access pass%'
         OR activity ILIKE '%temporary access pass%'
         OR COALESCE(changes, '') ILIKE '%TemporaryAccessPass%')
),
-- issuers who hand out passes to many users, from ordinary networks: the helpdesk
helpdesk AS (
  SELECT issuer
  FROM created
  WHERE issuer IS NOT NULL AND issuer <> target_upn
  GROUP BY issuer
  HAVING COUNT(DISTINCT target_upn) >= {{helpdesk_min_users}}
     AND MAX(CASE WHEN issuer_risky_ip THEN 1 ELSE 0 END) = 0
),
-- the latest creation for the user in the window before each TAP sign-in
issued AS (
  SELECT t.id AS signin_id, c.issuer, c.time AS created_at, c.id AS audit_id, c.ip_address AS issuer_ip,
         h.issuer IS NULL AS unusual_issuer,
         ROW_NUMBER() OVER (PARTITION BY t.id ORDER BY c.time DESC) AS rn
  FROM taps t
  JOIN created c ON c.target_upn = t.user_principal_name
  LEFT JOIN helpdesk h ON h.issuer = c.issuer
  WHERE c.time <= t.time
    AND CAST(t.time AS BIGINT) - CAST(c.time AS BIGINT) <= {{creation_window_hours}} * 3600000000
),
tap_rows AS (
  SELECT t.*, i.issuer, i.created_at, i.audit_id, i.issuer_ip,
         COALESCE(i.unusual_issuer, FALSE) AS unusual_issuer
  FROM taps t
  LEFT JOIN (SELECT * FROM issued WHERE rn = 1) i ON i.signin_id = t.id
),
per_day AS (
  SELECT user_principal_name, day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS signins,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT country, ';' ORDER BY country) AS countries,
         STRING_AGG(DISTINCT app_display_name, ';' ORDER BY app_display_name) AS apps,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT issuer, ';' ORDER BY issuer) AS issued_by,
         STRING_AGG(DISTINCT CASE WHEN unusual_issuer THEN issuer END, ';' ORDER BY CASE WHEN unusual_issuer THEN issuer END) AS unusual_issuers,
         MIN(created_at) AS tap_created_at,
         MAX(CASE WHEN risky_network THEN 1 ELSE 0 END) AS risky_network,
         MAX(CASE WHEN unusual_issuer THEN 1 ELSE 0 END) AS unusual_issuer,
         ARRAY_AGG(id) AS record_ids
  FROM tap_rows
  GROUP BY user_principal_name, day
)
SELECT first_seen,
       last_seen,
       CASE WHEN unusual_issuers IS NULL OR unusual_issuers = user_principal_name THEN user_principal_name
            ELSE CONCAT(user_principal_name, ';', unusual_issuers) END AS principals,
       ips,
       signins AS evidence_count,
       CONCAT(user_principal_name, ': ', CAST(signins AS VARCHAR), ' sign-in(s) with a Temporary Access Pass to ',
              COALESCE(apps, '?'), ' from ', COALESCE(ips, '?'),
              CASE WHEN countries IS NULL THEN '' ELSE CONCAT(' (', countries, ')') END,
              ', a network the user never used',
              CASE WHEN hosting_providers IS NOT NULL THEN CONCAT(' (hosting: ', hosting_providers, ')') ELSE '' END,
              CASE WHEN issued_by IS NULL THEN '; no pass creation for the user in the preceding hours of the export'
                   ELSE CONCAT('; the pass was issued by ', issued_by, ' ',
                               CAST(DIV(CAST(first_seen AS BIGINT) - CAST(tap_created_at AS BIGINT), 60000000) AS VARCHAR),
                               ' min before',
                               CASE WHEN unusual_issuer = 1 THEN ', who does not follow the helpdesk pattern' ELSE ' (helpdesk pattern)' END)
              END) AS summary,
       CASE WHEN unusual_issuer = 1 THEN 'high'
            WHEN risky_network = 1 THEN 'medium'
            ELSE 'low' END AS severity,
       record_ids,
       issued_by,
       tap_created_at,
       unusual_issuer = 1 AS issuer_unusual,
       countries,
       apps,
       hosting_providers
FROM per_day
