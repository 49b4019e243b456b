-- ---
-- id: RISK-DISMISS
-- title: Administrator dismissed the risk of a user who had high risk
-- kind: detection
-- severity: medium
-- techniques: [T1562, T1078.004]
-- tactics: [defense-evasion, persistence]
-- description: >-
--   An administrator cleared a user's Identity Protection risk after that user had high risk
--   earlier in the window. The dismissal is any of: a risky-user record in state dismissed
--   with risk detail adminDismissedAllRiskForUser; a successful "DismissUser" audit
--   (Identity Protection, category Other) targeting the user; a risk detection whose risk
--   detail is adminDismissedAllRiskForUser. The earlier high risk is any of, at or before the
--   dismissal: a high-level risk detection, an interactive or non-interactive sign-in with
--   risk_level_during_signin or risk_level_aggregated high, or a risky-user record at high.
--   Always medium. One finding per user; the dismissing admins (from the audits) are
--   principals next to the user, and self-dismissals (admin = user) are flagged. A dismissal
--   of a user whose risk never reached high is not a finding.
-- why: >-
--   Dismissing risk closes Identity Protection's case and lifts the user-risk Conditional
--   Access block without a password reset, so a real compromise stays open. An attacker with
--   a Security Administrator session can dismiss their own risk; a rushed analyst can dismiss
--   a true positive. Either way someone should confirm the dismissal was justified.
-- remediation: [ask_customer, reset_password, revoke_sessions, confirm_compromised]
-- tables: [risky_users, audits, risk_detections, signins]
-- false_positives:
--   - A documented investigation that concluded the high risk was a false positive (travel, VPN, penetration test)
-- references:
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-remediate-unblock
--   - https://learn.microsoft.com/graph/api/riskyuser-dismiss
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://github.com/panther-labs/panther-analysis/blob/main/rules/azure_signin_rules/azure_high_risk_signin.yml
-- catalog: [IDP-CORRELATED]
-- ---
WITH user_ids AS (
  SELECT user_id, MIN(user_principal_name) AS upn
  FROM (
    SELECT user_id, user_principal_name FROM risky_users
    UNION ALL
    SELECT user_id, user_principal_name FROM user_risk_detections
    UNION ALL
    SELECT user_id, user_principal_name FROM signins WHERE category IN ('interactive', 'non_interactive')
  ) u
  WHERE user_id IS NOT NULL AND user_principal_name IS NOT NULL
  GROUP BY user_id
),
dismissals AS (
  SELECT COALESCE(user_principal_name, user_id) AS ukey, time, id,
         'risky user dismissed by an admin' AS dismissal_kind,
         CAST(NULL AS VARCHAR) AS admin, CAST(NULL AS VARCHAR) AS admin_ip
  FROM risky_users
  WHERE risk_state = 'dismissed' AND risk_detail = 'adminDismissedAllRiskForUser'
  UNION ALL
  SELECT COALESCE(a.target_upn, u.upn, a.target_id) AS ukey, a.time, a.id,
         'audit DismissUser' AS dismissal_kind,
         COALESCE(a.actor_upn, a.actor_app_name, a.actor_display_name) AS admin, a.ip_address AS admin_ip
  FROM audits a
  LEFT JOIN user_ids u ON a.target_id = u.user_id
  WHERE a.activity = 'DismissUser' AND a.result = 'success'
  UNION ALL
  SELECT COALESCE(user_principal_name, user_id) AS ukey, time, id,
         'risk detection dismissed with the user' AS dismissal_kind,
         CAST(NULL AS VARCHAR) AS admin, CAST(NULL AS VARCHAR) AS admin_ip
  FROM user_risk_detections
  WHERE risk_detail = 'adminDismissedAllRiskForUser'
),
prior_high AS (
  SELECT COALESCE(user_principal_name, user_id) AS ukey, time, id, ip_address,
         CONCAT(risk_event_type, ' detection') AS high_fact
  FROM user_risk_detections
  WHERE risk_level = 'high'
  UNION ALL
  SELECT COALESCE(user_principal_name, user_id) AS ukey, time, id, ip_address,
         'high-risk sign-in' AS high_fact
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND (risk_level_during_signin = 'high' OR risk_level_aggregated = 'high')
  UNION ALL
  SELECT COALESCE(user_principal_name, user_id) AS ukey, time, id, CAST(NULL AS VARCHAR) AS ip_address,
         'risky user at high' AS high_fact
  FROM risky_users
  WHERE risk_level = 'high'
),
matched AS (
  SELECT d.ukey, d.time AS dismissed_at, d.id AS dismissal_id, d.dismissal_kind, d.admin, d.admin_ip,
         p.time AS high_at, p.id AS high_id, p.ip_address AS high_ip, p.high_fact
  FROM dismissals d
  JOIN prior_high p ON d.ukey = p.ukey
  WHERE d.ukey IS NOT NULL
    AND CAST(p.time AS BIGINT) <= CAST(d.time AS BIGINT)
),
evidence_ids AS (
  SELECT ukey, dismissal_id AS rid FROM matched
  UNION
  SELECT ukey, high_id AS rid FROM matched
),
ids_per_user AS (
  SELECT ukey, COUNT(DISTINCT rid) AS evidence_count, ARRAY_AGG(DISTINCT rid) AS record_ids
  FROM evidence_ids
  GROUP BY ukey
),
per_user AS (
  SELECT ukey,
         MIN(high_at) AS first_high,
         MAX(high_at) AS last_high,
         MIN(dismissed_at) AS first_dismissal,
         MAX(dismissed_at) AS last_dismissal,
         COUNT(DISTINCT dismissal_id) AS dismissals,
         COUNT(DISTINCT high_id) AS high_records,
         STRING_AGG(DISTINCT dismissal_kind, '; ' ORDER BY dismissal_kind) AS dismissal_kinds,
         STRING_AGG(DISTINCT high_fact, '; ' ORDER BY high_fact) AS high_risk_evidence,
         STRING_AGG(DISTINCT admin, ';' ORDER BY admin) AS dismissed_by,
         STRING_AGG(DISTINCT admin_ip, ';' ORDER BY admin_ip) AS admin_ips,
         STRING_AGG(DISTINCT high_ip, ';' ORDER BY high_ip) AS high_risk_ips,
         MAX(CASE WHEN admin = ukey THEN 1 ELSE 0 END) AS self_dismissed
  FROM matched
  GROUP BY ukey
)
SELECT p.first_high AS first_seen,
       p.last_dismissal AS last_seen,
       CASE WHEN p.dismissed_by IS NULL THEN p.ukey ELSE CONCAT(p.ukey, ';', p.dismissed_by) END AS principals,
       p.high_risk_ips AS ips,
       i.evidence_count,
       CONCAT('The risk of ', p.ukey, ' was dismissed',
              CASE WHEN p.dismissed_by IS NULL THEN ' by an administrator'
                   ELSE CONCAT(' by ', REPLACE(p.dismissed_by, ';', ', ')) END,
              CASE WHEN p.self_dismissed = 1 THEN ' (self-dismissal)' ELSE '' END,
              ' on ', STRFTIME(p.last_dismissal, '%Y-%m-%d %H:%M'), ' UTC (', p.dismissal_kinds, ') after ',
              CAST(p.high_records AS VARCHAR), ' high-risk record(s) from ', STRFTIME(p.first_high, '%Y-%m-%d %H:%M'),
              ' UTC: ', p.high_risk_evidence,
              CASE WHEN p.high_risk_ips IS NULL THEN '' ELSE CONCAT(' from ', REPLACE(p.high_risk_ips, ';', ', ')) END) AS summary,
       'medium' AS severity,
       i.record_ids,
       p.dismissals,
       p.dismissal_kinds,
       p.dismissed_by,
       p.admin_ips,
       p.high_records,
       p.high_risk_evidence,
       p.self_dismissed
FROM per_user p
JOIN ids_per_user i ON p.ukey = i.ukey
