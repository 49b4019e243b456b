-- ---
-- id: POS-CA-GAPS
-- title: Conditional Access gaps
-- kind: posture
-- severity: medium
-- description: >-
--   Where Conditional Access did not protect sign-ins. One finding per app with successful
--   interactive user sign-ins whose conditionalAccessStatus is notApplied (at least
--   min_not_applied of them and at least min_share_pct percent of the app's successes),
--   with the share, the users and the tenant-wide share; an app where no policy applied to
--   any sign-in is called out. One more finding lists the CA policies whose last change in
--   the window left them disabled or report-only (enabledForReportingButNotEnforced).
--   Not covered: report-only results inside sign-ins (the canonical ca_policies keeps only
--   success and failure) and accounts excluded from policies (exclusions hold object ids).
-- why: >-
--   A sign-in that no policy applied to got no MFA, device or location check at all. Apps
--   outside every policy and policies left in report-only are the gaps attackers walk
--   through after phishing a password.
-- remediation: [review_configuration]
-- tables: [signins, audits]
-- params:
--   min_not_applied: 1
--   min_share_pct: 0
-- false_positives:
--   - Apps deliberately outside CA such as Windows sign-in or device registration, and policies kept in report-only while they are being tested
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/troubleshoot-conditional-access
--   - https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-report-only
-- catalog: [POS-CA-GAPS]
-- ---
WITH interactive_ok AS (
  SELECT *, COALESCE(app_display_name, app_id, 'unknown app') AS app
  FROM signins
  WHERE category = 'interactive' AND result = 'success' AND user_principal_name IS NOT NULL
),
tenant AS (
  SELECT COUNT(*) AS successes,
         COUNT(*) FILTER (WHERE conditional_access_status = 'notApplied') AS not_applied
  FROM interactive_ok
),
app_totals AS (
  SELECT app, COUNT(*) AS successes,
         COUNT(*) FILTER (WHERE conditional_access_status IN ('success', 'failure')) AS ca_applied
  FROM interactive_ok GROUP BY app
),
app_users AS (
  SELECT app, user_principal_name, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         MIN(time) AS first_seen, MAX(time) AS last_seen
  FROM interactive_ok WHERE conditional_access_status = 'notApplied'
  GROUP BY app, user_principal_name
),
per_app AS (
  SELECT app, MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen,
         SUM(n) AS not_applied, COUNT(*) AS users,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', CAST(n AS VARCHAR)) ORDER BY neg_n, user_principal_name) AS user_counts
  FROM app_users GROUP BY app
),
app_ids AS (
  -- Example evidence records (the first 50 per app).
  SELECT app, ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM interactive_ok WHERE conditional_access_status = 'notApplied' GROUP BY app
),
app_gaps AS (
  SELECT p.*, a.successes, a.ca_applied, ROUND(100.0 * p.not_applied / a.successes, 1) AS share_pct, i.record_ids
  FROM per_app p JOIN app_totals a ON p.app = a.app JOIN app_ids i ON p.app = i.app
  WHERE p.not_applied >= {{min_not_applied}}
    AND 100.0 * p.not_applied / a.successes >= {{min_share_pct}}
),
-- CA policy changes: the last add/update per policy decides its state at the end of the window.
policy_changes AS (
  SELECT time, id, COALESCE(actor_upn, actor_app_name) AS actor, COALESCE(target_name, target_id) AS policy,
         CASE WHEN changes ~ '-> \{.*"state":"enabledForReportingButNotEnforced"' THEN 'report-only'
              WHEN changes ~ '-> \{.*"state":"disabled"' THEN 'disabled'
              ELSE 'enabled' END AS state,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(target_name, target_id) ORDER BY time DESC) AS rn
  FROM audits
  WHERE result = 'success'
    AND (activity ILIKE 'add conditional access policy' OR activity ILIKE 'update conditional access policy')
),
unenforced AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS policies,
         ARRAY_AGG(CONCAT(policy, ' (', state, ')') ORDER BY policy) AS policy_states,
         ARRAY_AGG(CONCAT(policy, ': ', state, ' since ', STRFTIME(time, '%Y-%m-%d %H:%M'), ' by ', COALESCE(actor, 'unknown'))
                   ORDER BY policy) AS policy_details,
         ARRAY_AGG(id ORDER BY time) AS record_ids
  FROM policy_changes
  WHERE rn = 1 AND state <> 'enabled'
)
SELECT g.first_seen, g.last_seen, g.principals, CAST(NULL AS VARCHAR) AS ips, g.not_applied AS evidence_count,
       CONCAT(g.app, ': no Conditional Access policy applied to ', CAST(g.not_applied AS VARCHAR), ' of ',
              CAST(g.successes AS VARCHAR), ' successful interactive sign-ins (', CAST(g.share_pct AS VARCHAR), '%), by ',
              CAST(g.users AS VARCHAR), CASE WHEN g.users = 1 THEN ' user (' ELSE ' users (' END,
              ARRAY_TO_STRING(g.top_users, ', '), CASE WHEN g.users > 5 THEN ', …)' ELSE ')' END,
              CASE WHEN g.ca_applied = 0 THEN '; no policy applied to this app at all in the window' ELSE '' END,
              '; tenant-wide ', CAST(t.not_applied AS VARCHAR), ' of ', CAST(t.successes AS VARCHAR), ' (',
              CAST(ROUND(100.0 * t.not_applied / t.successes, 1) AS VARCHAR), '%)') AS summary,
       g.record_ids,
       g.app AS scope,
       g.not_applied, g.successes, g.share_pct AS not_applied_share_pct,
       ROUND(100.0 * t.not_applied / t.successes, 1) AS tenant_not_applied_share_pct,
       g.user_counts AS users,
       CAST(NULL AS VARCHAR[]) AS policies
FROM app_gaps g CROSS JOIN tenant t
UNION ALL
SELECT u.first_seen, u.last_seen, CAST(NULL AS VARCHAR[]) AS principals, CAST(NULL AS VARCHAR) AS ips, u.policies AS evidence_count,
       CONCAT(CAST(u.policies AS VARCHAR), CASE WHEN u.policies = 1 THEN ' Conditional Access policy is' ELSE ' Conditional Access policies are' END,
              ' disabled or report-only after the last change in the window: ', ARRAY_TO_STRING(u.policy_states, ', ')) AS summary,
       u.record_ids,
       'policies' AS scope,
       CAST(NULL AS BIGINT) AS not_applied, CAST(NULL AS BIGINT) AS successes, CAST(NULL AS DOUBLE) AS not_applied_share_pct,
       CAST(NULL AS DOUBLE) AS tenant_not_applied_share_pct,
       CAST(NULL AS VARCHAR[]) AS users,
       u.policy_details AS policies
FROM unenforced u
WHERE u.policies > 0
