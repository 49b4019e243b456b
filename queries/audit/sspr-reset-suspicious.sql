-- ---
-- id: SSPR-ABUSE
-- title: Suspicious self-service or bulk admin password resets
-- kind: detection
-- severity: medium
-- techniques: [T1098, T1078.004]
-- tactics: [persistence, credential-access]
-- description: >-
--   Three patterns. (a) A successful "Reset password (self-service)" or "Unlock user account
--   (self-service)" from an untrusted IP the account had no successful sign-in from in the
--   lookback_days before. (b) The same self-service reset within registration_hours after a
--   security-info registration for the account (a method added, then used to reset). Medium;
--   high when (a) and (b) coincide or the reset came from a hosting or intel-listed IP.
--   (c) One actor resetting the passwords of at least min_targets distinct other accounts
--   ("Reset password (by admin)", "Reset user password", "Reset password") within
--   window_minutes: high when any of those resets came from an untrusted address, medium
--   when all came from trusted ones (a helpdesk at the office on a busy morning). Without sign-in logs in the export every self-service reset with an
--   initiator IP looks new; read (a) accordingly.
-- why: >-
--   SSPR with a method the attacker registered hands them the password; a compromised
--   helpdesk or user-admin account resetting many passwords is an account takeover spree.
-- remediation: [reset_password, require_mfa_reregistration, revoke_sessions, confirm_compromised]
-- tables: [audits, signins]
-- params:
--   lookback_days: 30
--   registration_hours: 4
--   min_targets: 5
--   window_minutes: 60
-- false_positives:
--   - A user resetting a forgotten password from home or a hotel for the first time
--   - Helpdesk resetting passwords for a batch of new starters (list the expected days)
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/concept-sspr-howitworks
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
-- catalog: [SSPR-ABUSE]
-- ---
WITH sspr AS (
  SELECT id, time, COALESCE(target_upn, actor_upn) AS account, ip_address, activity,
         ip_is_trusted, ip_is_hosting, ip_hosting_provider, ip_intel, user_agent
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Reset password (self-service)', 'Unlock user account (self-service)')
),
-- What was known about the account before the reset, one row per fact.
context AS (
  -- a successful sign-in of the account from the same IP in the look-back
  SELECT r.id AS reset_id, 'known_ip' AS fact, s.time, CAST(NULL AS VARCHAR) AS detail,
         CAST(NULL AS VARCHAR) AS ref_id
  FROM sspr r
  JOIN signins s ON s.user_principal_name = r.account AND s.ip_address = r.ip_address
  WHERE s.result = 'success'
    AND s.time < r.time
    AND CAST(s.time AS BIGINT) >= CAST(r.time AS BIGINT) - {{lookback_days}} * 86400000000
  UNION ALL
  -- a security-info registration for the account shortly before the reset
  SELECT r.id AS reset_id, 'registration' AS fact, a.time, COALESCE(a.result_reason, a.activity) AS detail,
         a.id AS ref_id
  FROM sspr r
  JOIN audits a ON a.target_upn = r.account
  WHERE a.result = 'success'
    AND a.activity IN ('User registered security info', 'User changed default security info',
                       'User updated security info', 'Admin registered security info',
                       'Admin updated security info')
    AND a.time <= r.time
    AND CAST(a.time AS BIGINT) >= CAST(r.time AS BIGINT) - {{registration_hours}} * 3600000000
),
facts AS (
  SELECT reset_id,
         SUM(CASE WHEN fact = 'known_ip' THEN 1 ELSE 0 END) AS known_ip_signins,
         SUM(CASE WHEN fact = 'registration' THEN 1 ELSE 0 END) AS registrations,
         MIN(CASE WHEN fact = 'registration' THEN time END) AS first_registration,
         STRING_AGG(DISTINCT detail, '; ' ORDER BY detail) AS registered_methods,
         STRING_AGG(DISTINCT ref_id, ';' ORDER BY ref_id) AS registration_ids
  FROM context
  GROUP BY reset_id
),
self_service AS (
  SELECT r.*,
         COALESCE(f.known_ip_signins, 0) AS known_ip_signins,
         COALESCE(f.registrations, 0) AS registrations,
         f.first_registration,
         f.registered_methods,
         f.registration_ids,
         (r.ip_address IS NOT NULL AND NOT r.ip_is_trusted AND COALESCE(f.known_ip_signins, 0) = 0) AS new_ip,
         COALESCE(f.registrations, 0) > 0 AS after_registration
  FROM sspr r
  LEFT JOIN facts f ON f.reset_id = r.id
),
-- (c) admin resets: for every reset, the distinct targets the same actor reset in the
-- following window_minutes
admin_resets AS (
  SELECT id, time, actor_upn, target_upn, ip_address, ip_is_trusted
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Reset password (by admin)', 'Reset user password', 'Reset password')
    AND actor_upn IS NOT NULL AND target_upn IS NOT NULL
    AND actor_upn <> target_upn
),
windows AS (
  SELECT a.id AS anchor_id, b.id, b.time, b.actor_upn, b.target_upn, b.ip_address, b.ip_is_trusted
  FROM admin_resets a
  JOIN admin_resets b ON a.actor_upn = b.actor_upn
  WHERE b.time >= a.time
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{window_minutes}} * 60000000
),
bursts AS (
  SELECT anchor_id FROM windows GROUP BY anchor_id
  HAVING COUNT(DISTINCT target_upn) >= {{min_targets}}
),
burst_resets AS (
  SELECT DISTINCT w.id, w.time, w.actor_upn, w.target_upn, w.ip_address, w.ip_is_trusted
  FROM windows w
  JOIN bursts b ON b.anchor_id = w.anchor_id
),
per_actor AS (
  SELECT actor_upn,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS resets,
         COUNT(DISTINCT target_upn) AS targets,
         STRING_AGG(DISTINCT target_upn, ';' ORDER BY target_upn) AS target_list,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(id, ';' ORDER BY id) AS record_ids,
         MAX(CASE WHEN ip_is_trusted THEN 0 ELSE 1 END) AS untrusted
  FROM burst_resets
  GROUP BY actor_upn
)
SELECT time AS first_seen,
       time AS last_seen,
       account AS principals,
       ip_address AS ips,
       1 + registrations AS evidence_count,
       CONCAT(activity, ' for ', account,
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              CASE WHEN new_ip THEN CONCAT(', an IP with no successful sign-in of the account in ',
                                           CAST({{lookback_days}} AS VARCHAR), ' days') ELSE '' END,
              CASE WHEN after_registration THEN CONCAT(', ', CAST(registrations AS VARCHAR),
                                                       ' security-info registration(s) in the ',
                                                       CAST({{registration_hours}} AS VARCHAR), ' h before (',
                                                       registered_methods, ')') ELSE '' END) AS summary,
       CASE WHEN (new_ip AND after_registration) OR ip_is_hosting OR ip_intel IS NOT NULL THEN 'high'
            ELSE 'medium' END AS severity,
       CASE WHEN registration_ids IS NULL THEN id ELSE CONCAT(id, ';', registration_ids) END AS record_ids,
       CASE WHEN new_ip AND after_registration THEN 'new IP and after registration'
            WHEN new_ip THEN 'new IP' ELSE 'after registration' END AS pattern,
       account AS targets,
       1 AS target_count,
       known_ip_signins,
       registered_methods,
       first_registration,
       ip_hosting_provider,
       ip_intel
FROM self_service
WHERE new_ip OR after_registration
UNION ALL
SELECT first_seen,
       last_seen,
       actor_upn AS principals,
       ips,
       resets AS evidence_count,
       CONCAT(actor_upn, ' reset the passwords of ', CAST(targets AS VARCHAR), ' accounts (',
              CAST(resets AS VARCHAR), ' resets within ', CAST({{window_minutes}} AS VARCHAR),
              '-minute windows): ', target_list) AS summary,
       CASE WHEN untrusted = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       'bulk admin resets' AS pattern,
       target_list AS targets,
       targets AS target_count,
       CAST(NULL AS BIGINT) AS known_ip_signins,
       CAST(NULL AS VARCHAR) AS registered_methods,
       CASE WHEN FALSE THEN first_seen END AS first_registration,  -- a null of the UTC time type
       CAST(NULL AS VARCHAR) AS ip_hosting_provider,
       CAST(NULL AS VARCHAR) AS ip_intel
FROM per_actor
