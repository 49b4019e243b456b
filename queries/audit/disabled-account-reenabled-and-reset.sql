-- ---
-- id: ACCOUNT-REENABLE-RESET
-- title: Disabled account re-enabled and its password reset by an admin
-- kind: detection
-- severity: high
-- techniques: [T1098, T1078.004]
-- tactics: [persistence, initial-access]
-- description: >-
--   A disabled account is switched back on - "Enable account", or "Update user" whose
--   AccountEnabled property goes from false to true - and within window_hours (before or after)
--   another account resets its password: "Reset user password" (Core Directory), "Reset
--   password (by admin)" (SSPR service) or "Reset password". The same or another actor may do
--   the two steps (Splunk's analytic allows 2 minutes between them; a day here, since a
--   cautious attacker or a second accomplice waits). Matched on the target's object id (else its UPN); self-service resets and
--   a user's own password changes do not count. One finding per re-enable, listing the resets
--   and the target's successful sign-ins in the window_hours after the last step. High;
--   critical when the target is privileged or a break-glass account, when an actor came from a
--   hosting or intel-listed address or used an attack-tool user agent, or when the target then
--   signed in from a hosting or intel-listed address. Re-enabled service principals are
--   another matter (Update service principal, AccountEnabled).
-- why: >-
--   Reviving a dormant or leaver account and setting a password the attacker knows gives them
--   a working identity nobody watches: its owner is gone, so no one notices the sign-ins, and
--   the account often keeps its old group memberships and licences.
-- remediation: [disable_account, reset_password, revoke_sessions, ask_customer]
-- tables: [audits, signins]
-- params:
--   window_hours: 24
-- false_positives:
--   - A returning employee (leave, rehire) re-enabled and given a temporary password by the helpdesk
--   - Service accounts revived for a migration (check the change ticket)
-- references:
--   - https://github.com/splunk/security_content/blob/develop/detections/cloud/azure_ad_user_enabled_and_password_reset.yml
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://attack.mitre.org/techniques/T1098/
-- ---
WITH enables AS (
  SELECT id, time, ip_address, target_id, target_upn, target_name, target_is_privileged, target_is_break_glass,
         COALESCE(LOWER(target_id), target_upn) AS target_key,
         COALESCE(actor_upn, actor_app_name, actor_display_name, 'an unknown actor') AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR COALESCE(ua_tool_kind, '') = 'attack_tool' AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND (activity = 'Enable account'
         OR (activity = 'Update user'
             AND LOWER(COALESCE(changes, '')) ~ '(^|\n)[^\n]*/accountenabled: *\[?"?false"?\]? *-> *\[?"?true'))
    AND COALESCE(target_id, target_upn) IS NOT NULL
),
resets AS (
  SELECT id, time, activity, ip_address, target_upn,
         COALESCE(LOWER(target_id), target_upn) AS target_key,
         COALESCE(actor_upn, actor_app_name, actor_display_name, 'an unknown actor') AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR COALESCE(ua_tool_kind, '') = 'attack_tool' AS suspicious_source
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Reset user password', 'Reset password (by admin)', 'Reset password')
    AND COALESCE(target_id, target_upn) IS NOT NULL
    -- an admin reset, not the user's own
    AND NOT COALESCE(actor_upn = target_upn, FALSE)
    AND NOT COALESCE(LOWER(actor_user_id) = LOWER(target_id), FALSE)
),
pairs AS (
  SELECT e.id AS enable_id, e.time AS enable_time, e.actor AS enable_actor, e.ip_address AS enable_ip,
         e.target_key, COALESCE(e.target_upn, r.target_upn) AS target_upn, e.target_name,
         e.target_is_privileged, e.target_is_break_glass, e.suspicious_source AS enable_suspicious,
         r.id AS reset_id, r.time AS reset_time, r.activity AS reset_activity, r.actor AS reset_actor,
         r.ip_address AS reset_ip, r.suspicious_source AS reset_suspicious
  FROM enables e
  JOIN resets r ON r.target_key = e.target_key
  WHERE ABS(CAST(r.time AS BIGINT) - CAST(e.time AS BIGINT)) <= {{window_hours}} * 3600000000
),
per_enable AS (
  SELECT enable_id,
         MIN(enable_time) AS enable_time,
         MIN(enable_actor) AS enable_actor,
         MIN(enable_ip) AS enable_ip,
         MIN(target_key) AS target_key,
         MIN(target_upn) AS target_upn,
         MIN(target_name) AS target_name,
         MAX(CASE WHEN target_is_privileged OR target_is_break_glass THEN 1 ELSE 0 END) AS sensitive_target,
         MAX(CASE WHEN enable_suspicious OR reset_suspicious THEN 1 ELSE 0 END) AS suspicious,
         MIN(reset_time) AS first_reset,
         MAX(reset_time) AS last_reset,
         COUNT(DISTINCT reset_id) AS resets,
         STRING_AGG(DISTINCT reset_actor, ';' ORDER BY reset_actor) AS reset_actors,
         STRING_AGG(DISTINCT reset_ip, ';' ORDER BY reset_ip) AS reset_ips,
         STRING_AGG(DISTINCT reset_activity, '; ' ORDER BY reset_activity) AS reset_activities,
         ARRAY_AGG(reset_id ORDER BY reset_time) AS reset_ids
  FROM pairs
  GROUP BY enable_id
),
-- the target's successful sign-ins after the account was back and its password known
after AS (
  SELECT p.enable_id,
         COUNT(*) AS signins_after,
         MIN(s.time) AS first_signin_after,
         STRING_AGG(DISTINCT s.ip_address, ';' ORDER BY s.ip_address) AS signin_ips,
         MAX(CASE WHEN s.ip_is_hosting OR s.ip_intel IS NOT NULL THEN 1 ELSE 0 END) AS signin_suspicious
  FROM per_enable p
  JOIN signins s ON s.user_principal_name = p.target_upn
  WHERE s.result = 'success'
    AND s.time >= p.enable_time AND s.time >= p.first_reset
    AND CAST(s.time AS BIGINT) - GREATEST(CAST(p.enable_time AS BIGINT), CAST(p.last_reset AS BIGINT))
        <= {{window_hours}} * 3600000000
  GROUP BY p.enable_id
)
SELECT LEAST(p.enable_time, p.first_reset) AS first_seen,
       GREATEST(p.enable_time, p.last_reset) AS last_seen,
       CONCAT_WS(';', COALESCE(p.target_upn, p.target_key), p.enable_actor, p.reset_actors) AS principals,
       CONCAT_WS(';', p.enable_ip, p.reset_ips, a.signin_ips) AS ips,
       1 + p.resets AS evidence_count,
       CONCAT(COALESCE(p.target_upn, p.target_name, p.target_key), ' was re-enabled by ', p.enable_actor, ' at ',
              STRFTIME(p.enable_time, '%Y-%m-%d %H:%M'), ' UTC and its password reset by ', REPLACE(p.reset_actors, ';', ', '), ' ',
              CASE WHEN p.first_reset < p.enable_time
                   THEN CONCAT(CAST(DIV(CAST(p.enable_time AS BIGINT) - CAST(p.first_reset AS BIGINT), 60000000) AS VARCHAR), ' min before')
                   ELSE CONCAT(CAST(DIV(CAST(p.first_reset AS BIGINT) - CAST(p.enable_time AS BIGINT), 60000000) AS VARCHAR), ' min after') END,
              ' (', p.reset_activities, '; ', CAST(p.resets AS VARCHAR), ' reset record(s))',
              CASE WHEN COALESCE(a.signins_after, 0) > 0
                   THEN CONCAT('; the account then signed in successfully ', CAST(a.signins_after AS VARCHAR),
                               ' time(s) from ', REPLACE(a.signin_ips, ';', ', '))
                   ELSE '' END) AS summary,
       CASE WHEN p.sensitive_target = 1 OR p.suspicious = 1 OR COALESCE(a.signin_suspicious, 0) = 1 THEN 'critical'
            ELSE 'high' END AS severity,
       CONCAT(p.enable_id, ';', ARRAY_TO_STRING(p.reset_ids, ';')) AS record_ids,
       p.target_key AS target_id, p.enable_actor, p.reset_actors, p.reset_activities,
       COALESCE(a.signins_after, 0) AS signins_after, a.first_signin_after
FROM per_enable p
LEFT JOIN after a ON a.enable_id = p.enable_id
