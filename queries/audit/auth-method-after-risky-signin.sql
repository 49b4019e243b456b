-- ---
-- id: AUTHM-AFTER-RISK
-- title: Authentication method registered from a risky context
-- kind: detection
-- severity: high
-- techniques: [T1556.006, T1098]
-- tactics: [persistence]
-- description: >-
--   A new or changed authentication method (User/Admin registered, updated or changed-default
--   security info; "Update user" writing StrongAuthenticationMethod or
--   StrongAuthenticationPhoneAppDetail) for an account that, between before_hours before and
--   after_minutes after the registration, had (1) a sign-in with medium or high risk during
--   sign-in, or (2) a medium/high or confirmed-compromised Identity Protection detection that
--   was not dismissed, or where (3) the registration came from an untrusted hosting or
--   intel-listed IP that in the same span produced failed or risky sign-ins (for any account).
--   One finding per account and day. Not implemented from the catalog: "IP, country or device
--   the user never used" as a trigger on its own (too noisy without a baseline); the count of
--   the account's earlier successful sign-ins from the registering IP is given as evidence.
-- why: >-
--   Registering the attacker's own authenticator right after an AiTM or password-spray hit is
--   the step that turns a stolen session into lasting access: the new method survives a
--   password reset and satisfies MFA from then on.
-- remediation: [require_mfa_reregistration, revoke_sessions, reset_password, confirm_compromised, block_ip]
-- tables: [audits, signins, risk_detections]
-- params:
--   before_hours: 6
--   after_minutes: 60
-- false_positives:
--   - A user enrolling a new phone from a consumer VPN on a day Identity Protection flagged a real trip
-- references:
--   - https://learn.microsoft.com/security/operations/token-theft-playbook
--   - https://learn.microsoft.com/entra/identity/authentication/concept-registration-mfa-sspr-combined
-- catalog: [AUTHM-AFTER-RISK]
-- ---
WITH registrations AS (
  SELECT id, time, target_upn AS account, ip_address, activity,
         CASE WHEN activity <> 'Update user' THEN COALESCE(result_reason, activity)
              WHEN changes LIKE '%StrongAuthenticationPhoneAppDetail%'
              THEN 'authenticator app written by Update user (StrongAuthenticationPhoneAppDetail)'
              ELSE 'method written by Update user (StrongAuthenticationMethod)' END AS method,
         user_agent,
         ip_is_trusted, ip_is_hosting, ip_hosting_provider, ip_intel, actor_app_name,
         CASE WHEN actor_upn <> target_upn THEN actor_upn END AS other_actor,
         CAST(time AS BIGINT) - {{before_hours}} * 3600000000 AS window_start,
         CAST(time AS BIGINT) + {{after_minutes}} * 60000000 AS window_end
  FROM audits
  WHERE result = 'success'
    AND target_upn IS NOT NULL
    AND (activity IN ('User registered security info', 'User updated security info',
                      'User changed default security info', 'Admin registered security info',
                      'Admin updated security info')
         OR (activity = 'Update user'
             AND (changes LIKE '%StrongAuthenticationPhoneAppDetail%'
                  OR changes LIKE '%StrongAuthenticationMethod%')))
),
-- Every piece of context around a registration, one row each (a UNION rather than a chain
-- of LEFT JOINs keeps the plan shallow).
context AS (
  -- (1) the account's own medium/high-risk sign-ins
  SELECT r.id AS reg_id, 'risky_signin' AS signal, s.time, s.ip_address AS ip,
         s.risk_level_during_signin AS detail
  FROM registrations r
  JOIN signins s ON s.user_principal_name = r.account
  WHERE s.risk_level_during_signin IN ('medium', 'high')
    AND CAST(s.time AS BIGINT) BETWEEN r.window_start AND r.window_end
  UNION ALL
  -- (2) Identity Protection detections on the account that were not dismissed
  SELECT r.id AS reg_id, 'risk_detection' AS signal, d.time, d.ip_address AS ip,
         d.risk_event_type AS detail
  FROM registrations r
  JOIN user_risk_detections d ON d.user_principal_name = r.account
  WHERE (d.risk_level IN ('medium', 'high') OR d.risk_state = 'confirmedCompromised')
    AND COALESCE(d.risk_state, '') NOT IN ('dismissed', 'confirmedSafe')
    AND CAST(d.time AS BIGINT) BETWEEN r.window_start AND r.window_end
  UNION ALL
  -- (3) failed or risky sign-ins, for any account, from the registering IP when that IP is an
  --     untrusted hosting or intel-listed network (the spray / AiTM source)
  SELECT r.id AS reg_id, 'ip_failure' AS signal, s.time, s.ip_address AS ip,
         s.user_principal_name AS detail
  FROM registrations r
  JOIN signins s ON s.ip_address = r.ip_address
  WHERE NOT r.ip_is_trusted
    AND (r.ip_is_hosting OR r.ip_intel IS NOT NULL)
    AND (s.result = 'failure' OR s.risk_level_during_signin IN ('medium', 'high'))
    AND CAST(s.time AS BIGINT) BETWEEN r.window_start AND r.window_end
  UNION ALL
  -- evidence only: the account's successful sign-ins from that IP more than a day earlier
  SELECT r.id AS reg_id, 'prior_success' AS signal, s.time, s.ip_address AS ip,
         s.user_principal_name AS detail
  FROM registrations r
  JOIN signins s ON s.user_principal_name = r.account AND s.ip_address = r.ip_address
  WHERE s.result = 'success'
    AND CAST(s.time AS BIGINT) < CAST(r.time AS BIGINT) - 86400000000
),
per_registration AS (
  SELECT reg_id,
         MIN(CASE WHEN signal <> 'prior_success' THEN time END) AS first_signal,
         SUM(CASE WHEN signal = 'risky_signin' THEN 1 ELSE 0 END) AS risky_signins,
         SUM(CASE WHEN signal = 'risk_detection' THEN 1 ELSE 0 END) AS risk_detections,
         SUM(CASE WHEN signal = 'ip_failure' THEN 1 ELSE 0 END) AS ip_failed_or_risky,
         COUNT(DISTINCT failed_account) AS ip_accounts,
         SUM(CASE WHEN signal = 'prior_success' THEN 1 ELSE 0 END) AS ip_prior_successes,
         STRING_AGG(DISTINCT risky_level, ';' ORDER BY risky_level) AS risky_signin_levels,
         STRING_AGG(DISTINCT risky_ip, ';' ORDER BY risky_ip) AS risky_signin_ips,
         STRING_AGG(DISTINCT risk_type, ';' ORDER BY risk_type) AS risk_event_types
  FROM (
    SELECT *,
           CASE WHEN signal = 'ip_failure' THEN detail END AS failed_account,
           CASE WHEN signal = 'risky_signin' THEN detail END AS risky_level,
           CASE WHEN signal = 'risky_signin' THEN ip END AS risky_ip,
           CASE WHEN signal = 'risk_detection' THEN detail END AS risk_type
    FROM context
  ) c
  GROUP BY reg_id
  HAVING SUM(CASE WHEN signal <> 'prior_success' THEN 1 ELSE 0 END) > 0
),
flagged AS (
  SELECT r.*, p.*,
         CASE WHEN p.first_signal < r.time THEN p.first_signal ELSE r.time END AS span_start
  FROM registrations r
  JOIN per_registration p ON p.reg_id = r.id
),
per_account AS (
  SELECT account,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(span_start) AS first_seen,
         MAX(time) AS last_seen,
         MIN(time) AS first_registration,
         COUNT(*) AS registrations,
         STRING_AGG(DISTINCT method, '; ' ORDER BY method) AS methods,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT other_actor, ';' ORDER BY other_actor) AS other_actors,
         STRING_AGG(DISTINCT actor_app_name, ';' ORDER BY actor_app_name) AS actor_apps,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         MAX(risky_signins) AS risky_signins,
         STRING_AGG(DISTINCT risky_signin_levels, ';' ORDER BY risky_signin_levels) AS risky_signin_levels,
         STRING_AGG(DISTINCT risky_signin_ips, ';' ORDER BY risky_signin_ips) AS risky_signin_ips,
         MAX(risk_detections) AS risk_detections,
         STRING_AGG(DISTINCT risk_event_types, ';' ORDER BY risk_event_types) AS risk_event_types,
         MAX(ip_failed_or_risky) AS ip_failed_or_risky,
         MAX(ip_accounts) AS ip_accounts,
         MAX(ip_prior_successes) AS ip_prior_successes,
         ARRAY_AGG(id) AS record_ids
  FROM flagged
  GROUP BY account, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       CASE WHEN other_actors IS NULL THEN account ELSE CONCAT(account, ';', other_actors) END AS principals,
       COALESCE(ips, risky_signin_ips) AS ips,
       registrations AS evidence_count,
       CONCAT(account, ': ', CAST(registrations AS VARCHAR), ' authentication-method registration(s) (', methods, ')',
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END,
              CASE WHEN hosting_providers IS NULL THEN '' ELSE CONCAT(' (', hosting_providers, ')') END,
              ' with ', CAST(risky_signins AS VARCHAR), ' medium/high-risk sign-in(s), ',
              CAST(risk_detections AS VARCHAR), ' risk detection(s)',
              CASE WHEN risk_event_types IS NULL THEN '' ELSE CONCAT(' (', risk_event_types, ')') END,
              ' and ', CAST(ip_failed_or_risky AS VARCHAR), ' failed or risky sign-in(s) against ',
              CAST(ip_accounts AS VARCHAR), ' account(s) from the registering IP within ',
              CAST({{before_hours}} AS VARCHAR), ' h before / ', CAST({{after_minutes}} AS VARCHAR), ' min after') AS summary,
       record_ids,
       account,
       first_registration,
       methods,
       other_actors AS registered_by,
       actor_apps,
       user_agents,
       hosting_providers,
       ip_intel,
       risky_signins,
       risky_signin_levels,
       risky_signin_ips,
       risk_detections,
       risk_event_types,
       ip_failed_or_risky,
       ip_accounts,
       ip_prior_successes
FROM per_account
