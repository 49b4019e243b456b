-- ---
-- id: MFA-FATIGUE
-- title: MFA push bombing, with or without a final approval
-- kind: detection
-- severity: high
-- techniques: [T1621]
-- tactics: [credential-access]
-- description: >-
--   MFA denials of one account: sign-ins whose authentication step details, status details
--   or MFA detail read "MFA denied; user declined the authentication", "MFA denied; user did
--   not respond to mobile app notification" or "The user didn't complete the MFA prompt" (a
--   missing authentication requirement is accepted; a present one must be multi-factor).
--   Denials no more than gap_minutes apart form one burst; a burst needs at least
--   min_prompts denied or unanswered prompts (Sentinel's and Elastic's push-spam floor: one
--   or two misses are a user away from their phone). High when an "MFA successfully
--   completed" / "MFA completed in Azure AD" sign-in of the account follows within
--   gap_minutes of the last denial (the user gave in); medium when the burst has explicit
--   declines and no approval; low when every prompt simply went unanswered (a phone left
--   in a drawer looks the same). Bursts replace the source's fixed 5- and 10-minute bins.
-- why: >-
--   Push bombing means the attacker already has the password; an approval after a string of
--   denials is the user giving in, and the attacker now holds an MFA-satisfied session.
-- remediation: [reset_password, revoke_sessions, require_mfa_reregistration, block_ip]
-- tables: [signins]
-- params:
--   gap_minutes: 10
--   min_prompts: 5
-- false_positives:
--   - A user whose phone was out of reach during several of their own sign-in attempts
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/MFASpammingfollowedbySuccessfullogin.yaml
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-PotentialMFASpam.kql
-- catalog: [MFA-FATIGUE]
-- ---
WITH mfa AS (
  SELECT id, time, user_principal_name, ip_address, correlation_id, country, city, app_display_name,
         mfa_method, authentication_requirement,
         CONCAT(COALESCE(ARRAY_TO_STRING(auth_step_details, '|'), ''), '|', COALESCE(status_detail, ''), '|',
                COALESCE(mfa_result_detail, '')) AS detail
  FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND user_principal_name IS NOT NULL
),
denies AS (
  SELECT * FROM mfa
  WHERE COALESCE(authentication_requirement, 'multiFactorAuthentication') = 'multiFactorAuthentication'
    AND (detail ILIKE '%MFA denied; user declined the authentication%'
         OR detail ILIKE '%MFA denied; user did not respond to mobile app notification%'
         OR detail ILIKE '%didn''t complete the MFA prompt%')
),
approvals AS (
  SELECT id, time, user_principal_name, ip_address, mfa_method FROM mfa
  WHERE detail ILIKE '%MFA successfully completed%' OR detail ILIKE '%MFA completed in Azure AD%'
),
-- denials at most gap_minutes apart are one burst
marked AS (
  SELECT *,
         CASE
           WHEN LAG(time) OVER (PARTITION BY user_principal_name ORDER BY time) IS NULL THEN 1
           WHEN CAST(time AS BIGINT) - CAST(LAG(time) OVER (PARTITION BY user_principal_name ORDER BY time) AS BIGINT)
                > {{gap_minutes}} * 60000000 THEN 1
           ELSE 0
         END AS opens
  FROM denies
),
numbered AS (
  SELECT *, SUM(opens) OVER (PARTITION BY user_principal_name ORDER BY time) AS burst
  FROM marked
),
bursts AS (
  SELECT user_principal_name, burst,
         MIN(time) AS first_seen,
         MAX(time) AS last_deny,
         COUNT(*) AS denies,
         SUM(CASE WHEN detail ILIKE '%declined%' THEN 1 ELSE 0 END) AS declined,
         COUNT(DISTINCT correlation_id) AS flows,
         ARRAY_AGG(DISTINCT ip_address) AS deny_ips,
         STRING_AGG(DISTINCT ip_address, ';') AS deny_ip_text,
         ARRAY_AGG(DISTINCT CONCAT(COALESCE(city, '?'), ', ', COALESCE(country, '?'))) AS locations,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT mfa_method) AS mfa_methods,
         STRING_AGG(id, ';') AS deny_ids
  FROM numbered
  GROUP BY user_principal_name, burst
),
-- approvals after the burst started and within gap_minutes of its last denial
approved AS (
  SELECT b.user_principal_name, b.burst,
         MIN(a.time) AS approved_at,
         STRING_AGG(DISTINCT a.ip_address, ';') AS approved_ips,
         STRING_AGG(a.id, ';') AS approval_ids
  FROM bursts b
  JOIN approvals a ON a.user_principal_name = b.user_principal_name
  WHERE a.time > b.first_seen
    AND CAST(a.time AS BIGINT) - CAST(b.last_deny AS BIGINT) <= {{gap_minutes}} * 60000000
  GROUP BY b.user_principal_name, b.burst
)
SELECT b.first_seen,
       CASE WHEN a.approved_at > b.last_deny THEN a.approved_at ELSE b.last_deny END AS last_seen,
       b.user_principal_name AS principals,
       CASE WHEN a.approved_ips IS NULL THEN b.deny_ip_text ELSE CONCAT(b.deny_ip_text, ';', a.approved_ips) END AS ips,
       b.denies + CASE WHEN a.approved_at IS NULL THEN 0 ELSE 1 END AS evidence_count,
       CONCAT(b.user_principal_name, ': ', CAST(b.denies AS VARCHAR), ' MFA prompts denied or ignored in ',
              CAST(DIV(CAST(b.last_deny AS BIGINT) - CAST(b.first_seen AS BIGINT), 60000000) AS VARCHAR), ' min',
              CASE WHEN a.approved_at IS NULL THEN ', no approval'
                   ELSE CONCAT(', then approved from ', COALESCE(a.approved_ips, '?')) END) AS summary,
       CASE WHEN a.approved_at IS NOT NULL THEN 'high' WHEN b.declined > 0 THEN 'medium' ELSE 'low' END AS severity,
       CASE WHEN a.approval_ids IS NULL THEN b.deny_ids ELSE CONCAT(b.deny_ids, ';', a.approval_ids) END AS record_ids,
       b.denies, b.declined, b.flows, b.deny_ips, b.locations, b.apps, b.mfa_methods, a.approved_at, a.approved_ips
FROM bursts b
LEFT JOIN approved a ON a.user_principal_name = b.user_principal_name AND a.burst = b.burst
WHERE b.denies >= {{min_prompts}}
