-- ---
-- id: POS-RISK-POLICY
-- title: Identity Protection risk not enforced
-- kind: posture
-- severity: high
-- description: >-
--   Two findings showing that no risk-based Conditional Access blocks or remediates risk.
--   (1) Successful user sign-ins whose real-time risk (riskLevelDuringSignIn) was in
--   signin_risk_levels. (2) Users flagged at a user_risk_levels risk level (risk detection or
--   risky-user record, state atRisk or confirmedCompromised) who kept signing in successfully
--   afterwards, unless their latest risky-user state is remediated, dismissed or confirmed safe.
-- why: >-
--   Identity Protection already decided these sign-ins and users were probably compromised; a
--   sign-in or user risk policy would have blocked them or forced a secure password change.
--   Without one, the risk signal is only a log line.
-- remediation: [review_configuration, reset_password, revoke_sessions, confirm_compromised]
-- tables: [signins, risk_detections, risky_users]
-- params:
--   signin_risk_levels: [high]
--   user_risk_levels: [high]
-- false_positives:
--   - Tenants without Entra ID P2 (no risk policies possible; the risk levels are then mostly hidden)
-- references:
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-configure-risk-policies
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.2.1v1, MS.AAD.2.2v1, MS.AAD.2.3v1, "Entra recommendation: Protect all users with a user risk policy", "Entra recommendation: Protect all users with a sign-in risk policy"]
-- catalog: [POS-RISK-POLICY]
-- ---
WITH user_ok AS (
  SELECT * FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND result = 'success' AND user_principal_name IS NOT NULL
),
-- (1) risky sign-ins that were let through ----------------------------------------------------
risky_ok AS (
  SELECT * FROM user_ok WHERE risk_level_during_signin IN {{signin_risk_levels}}
),
risky_ok_users AS (
  SELECT user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT ip_address ORDER BY ip_address), ', ') AS user_ips,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT app_display_name ORDER BY app_display_name), ', ') AS apps
  FROM risky_ok GROUP BY user_principal_name
),
risky_ok_agg AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n, COUNT(DISTINCT user_principal_name) AS users,
         ARRAY_AGG(DISTINCT ip_address ORDER BY ip_address) FILTER (WHERE ip_address IS NOT NULL) AS ips,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM risky_ok
),
risky_ok_detail AS (
  SELECT ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR), CASE WHEN n = 1 THEN ' risky sign-in succeeded to ' ELSE ' risky sign-ins succeeded to ' END, COALESCE(NULLIF(apps, ''), 'unknown apps'),
                          ' from ', COALESCE(NULLIF(user_ips, ''), 'unknown IPs')) ORDER BY neg_n, user_principal_name) AS details
  FROM risky_ok_users
),
risky_total AS (
  SELECT COUNT(*) AS n FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND risk_level_during_signin IN {{signin_risk_levels}}
),
-- (2) risky users who kept signing in ---------------------------------------------------------
flags AS (
  SELECT user_principal_name, COALESCE(detected_time, time) AS flagged_at, risk_event_type AS reason, risk_level
  FROM user_risk_detections
  WHERE risk_level IN {{user_risk_levels}} AND risk_state IN ('atRisk', 'confirmedCompromised')
  UNION ALL
  SELECT user_principal_name, time AS flagged_at, CONCAT('risky user ', risk_level) AS reason, risk_level
  FROM risky_users
  WHERE risk_level IN {{user_risk_levels}} AND risk_state IN ('atRisk', 'confirmedCompromised')
),
first_flag AS (
  SELECT user_principal_name, MIN(flagged_at) AS flagged_at,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT reason ORDER BY reason), ', ') AS reasons,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT risk_level ORDER BY risk_level), '/') AS levels
  FROM flags WHERE user_principal_name IS NOT NULL GROUP BY user_principal_name
),
-- The newest risky-user record decides whether the user has since been cleaned up.
latest_state AS (
  SELECT user_principal_name, risk_state,
         ROW_NUMBER() OVER (PARTITION BY user_principal_name ORDER BY time DESC) AS rn
  FROM risky_users
),
cleared AS (
  SELECT user_principal_name AS cleared_upn FROM latest_state
  WHERE rn = 1 AND risk_state IN ('remediated', 'dismissed', 'confirmedSafe')
),
after_flag AS (
  SELECT s.id, s.time, s.user_principal_name, s.ip_address, f.flagged_at, f.reasons, f.levels
  FROM user_ok s
  JOIN first_flag f ON s.user_principal_name = f.user_principal_name
  LEFT JOIN cleared c ON s.user_principal_name = c.cleared_upn
  WHERE s.time > f.flagged_at AND c.cleared_upn IS NULL
),
after_users AS (
  SELECT user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n, MIN(flagged_at) AS flagged_at, MIN(reasons) AS reasons,
         MIN(levels) AS levels, MAX(time) AS last_ok
  FROM after_flag GROUP BY user_principal_name
),
after_agg AS (
  SELECT MIN(flagged_at) AS first_seen, MAX(last_ok) AS last_seen, SUM(n) AS n, COUNT(*) AS users,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT levels ORDER BY levels), '/') AS levels,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(user_principal_name, ': flagged ', STRFTIME(flagged_at, '%Y-%m-%d %H:%M'), ' (', reasons, '), then ',
                          CAST(n AS VARCHAR), ' successful sign-ins until ', STRFTIME(last_ok, '%Y-%m-%d %H:%M'))
                   ORDER BY neg_n, user_principal_name) AS details
  FROM after_users
),
signin_levels AS (
  SELECT ARRAY_AGG(DISTINCT risk_level_during_signin ORDER BY risk_level_during_signin) AS levels FROM risky_ok
),
after_ips AS (
  SELECT ARRAY_AGG(DISTINCT ip_address ORDER BY ip_address) FILTER (WHERE ip_address IS NOT NULL) AS ips,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM after_flag
)
SELECT a.first_seen, a.last_seen, d.principals, a.ips, a.n AS evidence_count,
       CONCAT(CAST(a.n AS VARCHAR), ' of ', CAST(t.n AS VARCHAR), ' user sign-ins with real-time risk ',
              ARRAY_TO_STRING(lv.levels, '/'), ' succeeded (no sign-in risk policy blocked them), for ',
              CAST(a.users AS VARCHAR), CASE WHEN a.users = 1 THEN ' user: ' ELSE ' users: ' END,
              ARRAY_TO_STRING(d.top, ', '), CASE WHEN a.users > 5 THEN ', …' ELSE '' END) AS summary,
       a.record_ids, 'risky sign-ins not blocked' AS check, d.details
FROM risky_ok_agg a CROSS JOIN risky_ok_detail d CROSS JOIN risky_total t
CROSS JOIN signin_levels lv
WHERE a.n > 0
UNION ALL
SELECT g.first_seen, g.last_seen, g.principals, i.ips, g.n AS evidence_count,
       CONCAT(CAST(g.users AS VARCHAR), CASE WHEN g.users = 1 THEN ' user' ELSE ' users' END,
              ' flagged at ', g.levels, ' user risk kept signing in: ', CAST(g.n AS VARCHAR),
              ' successful sign-ins after the risk was raised, none remediated: ',
              ARRAY_TO_STRING(g.top, ', '), CASE WHEN g.users > 5 THEN ', …' ELSE '' END) AS summary,
       i.record_ids, 'risky users not remediated' AS check, g.details
FROM after_agg g CROSS JOIN after_ips i
WHERE g.users > 0
