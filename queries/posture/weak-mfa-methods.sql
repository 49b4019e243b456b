-- ---
-- id: POS-WEAK-MFA
-- title: Weak or phishable MFA methods in use
-- kind: posture
-- severity: medium
-- description: >-
--   Three findings from the MFA methods the logs show (mfaDetail / the succeeded
--   non-password step of successful user sign-ins). (1) Users whose only MFA methods in the
--   window are text message, voice call or email one-time code, with their share of the
--   users seen doing MFA. (2) Privileged users who never used a phishing-resistant method
--   (FIDO2 / passkey, Windows Hello for Business, certificate), with the phishing-resistant
--   share of admin MFA sign-ins. (3) Per-user MFA still being managed: Enable / Disable
--   Strong Authentication or a StrongAuthenticationRequirement change in the audits.
-- why: >-
--   SMS and voice codes are phished by every AiTM kit and lost to SIM swaps; admins on
--   push or OTP are one adversary-in-the-middle page away from a session cookie. Per-user MFA
--   cannot be combined with risk or device conditions and hides who is really covered.
-- remediation: [require_mfa_reregistration, review_configuration]
-- tables: [signins, audits]
-- false_positives:
--   - Users without a smartphone who were given SMS on purpose (list them and plan hardware keys)
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/concept-authentication-strengths
--   - https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-server-migration-utility
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.3.1v1, MS.AAD.3.5v2, MS.AAD.3.6v1, "Entra recommendation: Migrate to Microsoft Authenticator", "Entra recommendation: Convert per-user MFA to CA MFA"]
-- catalog: [POS-WEAK-MFA]
-- ---
WITH mfa AS (
  -- Every successful user sign-in that shows the MFA method used.
  SELECT time, id, user_principal_name, user_is_privileged, mfa_method,
         CASE WHEN mfa_method ~ '(?i)(fido|passkey|hello|x\.?509|certificate)' THEN 1 ELSE 0 END AS phish_resistant,
         CASE WHEN mfa_method ~ '(?i)(sms|text message|voice|phone call|email)' THEN 1 ELSE 0 END AS weak
  FROM signins
  WHERE category IN ('interactive', 'non_interactive') AND result = 'success'
    AND user_principal_name IS NOT NULL AND mfa_method IS NOT NULL
),
per_user AS (
  SELECT user_principal_name, MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged,
         COUNT(*) AS n, 0 - COUNT(*) AS neg_n, SUM(weak) AS weak, SUM(phish_resistant) AS phish_resistant,
         MIN(time) AS first_seen, MAX(time) AS last_seen,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT mfa_method ORDER BY mfa_method), ', ') AS methods
  FROM mfa GROUP BY user_principal_name
),
-- (1) users who only ever used SMS / voice / email codes
weak_only AS (
  SELECT MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen, COUNT(*) AS users, SUM(n) AS signins,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', methods, ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', methods, ', ', CAST(n AS VARCHAR), ' MFA sign-ins')
                   ORDER BY neg_n, user_principal_name) AS details
  FROM per_user WHERE weak = n
),
mfa_users AS (
  SELECT COUNT(*) AS users FROM per_user
),
weak_ids AS (
  SELECT ARRAY_AGG(m.id ORDER BY m.time, m.id LIMIT 50) AS record_ids
  FROM mfa m JOIN per_user p ON m.user_principal_name = p.user_principal_name WHERE p.weak = p.n
),
-- (2) privileged users with no phishing-resistant MFA
admins AS (
  SELECT COUNT(*) AS users, SUM(n) AS signins, SUM(phish_resistant) AS phish_resistant FROM per_user WHERE privileged = 1
),
admins_phishable AS (
  SELECT MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen, COUNT(*) AS users, SUM(n) AS signins,
         ARRAY_AGG(user_principal_name ORDER BY neg_n, user_principal_name) AS principals,
         ARRAY_AGG(CONCAT(user_principal_name, ' (', methods, ')') ORDER BY neg_n, user_principal_name LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(user_principal_name, ': ', methods, ', ', CAST(n AS VARCHAR), ' MFA sign-ins')
                   ORDER BY neg_n, user_principal_name) AS details
  FROM per_user WHERE privileged = 1 AND phish_resistant = 0
),
admin_ids AS (
  SELECT ARRAY_AGG(m.id ORDER BY m.time, m.id LIMIT 50) AS record_ids
  FROM mfa m JOIN per_user p ON m.user_principal_name = p.user_principal_name WHERE p.privileged = 1 AND p.phish_resistant = 0
),
-- (3) per-user MFA still managed in the audits
per_user_mfa AS (
  SELECT time, id,
         CASE WHEN activity = 'Update user' THEN 'StrongAuthenticationRequirement changed' ELSE activity END AS activity,
         COALESCE(target_upn, target_name, target_id) AS target,
         COALESCE(actor_upn, actor_app_name) AS actor
  FROM audits
  WHERE result = 'success'
    AND (activity IN ('Enable Strong Authentication', 'Disable Strong Authentication')
         OR (activity = 'Update user' AND changes LIKE '%StrongAuthenticationRequirement%'))
),
per_user_mfa_targets AS (
  SELECT target, COUNT(*) AS n, 0 - COUNT(*) AS neg_n, MIN(time) AS first_seen, MAX(time) AS last_seen,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT activity ORDER BY activity), ', ') AS activities, ARRAY_TO_STRING(ARRAY_AGG(DISTINCT actor ORDER BY actor), ', ') AS actors
  FROM per_user_mfa GROUP BY target
),
per_user_mfa_agg AS (
  SELECT MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen, COUNT(*) AS users, SUM(n) AS changes,
         ARRAY_AGG(target ORDER BY neg_n, target) AS principals,
         ARRAY_AGG(target ORDER BY neg_n, target LIMIT 5) AS top_users,
         ARRAY_AGG(CONCAT(target, ': ', activities, ' by ', COALESCE(actors, 'unknown')) ORDER BY neg_n, target) AS details
  FROM per_user_mfa_targets
),
per_user_mfa_ids AS (
  SELECT ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids FROM per_user_mfa
)
SELECT w.first_seen, w.last_seen, w.principals, CAST(NULL AS VARCHAR) AS ips, w.signins AS evidence_count,
       CONCAT(CAST(w.users AS VARCHAR), ' of ', CAST(m.users AS VARCHAR), ' users seen doing MFA (',
              CAST(ROUND(100.0 * w.users / m.users, 1) AS VARCHAR), '%) used only text message, voice or email codes: ',
              ARRAY_TO_STRING(w.top_users, ', '), CASE WHEN w.users > 5 THEN ', …' ELSE '' END) AS summary,
       i.record_ids,
       'users with only SMS / voice / email MFA' AS check,
       w.users AS affected, m.users AS population, ROUND(100.0 * w.users / m.users, 1) AS share_pct,
       w.details
FROM weak_only w CROSS JOIN mfa_users m CROSS JOIN weak_ids i
WHERE w.users > 0
UNION ALL
SELECT p.first_seen, p.last_seen, p.principals, CAST(NULL AS VARCHAR) AS ips, p.signins AS evidence_count,
       CONCAT(CAST(p.users AS VARCHAR), ' of ', CAST(a.users AS VARCHAR),
              ' privileged users seen doing MFA never used a phishing-resistant method; ',
              CAST(a.phish_resistant AS VARCHAR), ' of ', CAST(a.signins AS VARCHAR), ' admin MFA sign-ins (',
              CAST(ROUND(100.0 * a.phish_resistant / a.signins, 1) AS VARCHAR), '%) were phishing-resistant: ',
              ARRAY_TO_STRING(p.top_users, ', '), CASE WHEN p.users > 5 THEN ', …' ELSE '' END) AS summary,
       i.record_ids,
       'privileged users without phishing-resistant MFA' AS check,
       p.users AS affected, a.users AS population, ROUND(100.0 * p.users / a.users, 1) AS share_pct,
       p.details
FROM admins_phishable p CROSS JOIN admins a CROSS JOIN admin_ids i
WHERE p.users > 0
UNION ALL
SELECT g.first_seen, g.last_seen, g.principals, CAST(NULL AS VARCHAR) AS ips, g.changes AS evidence_count,
       CONCAT('per-user MFA is still managed: ', CAST(g.changes AS VARCHAR), ' per-user MFA changes for ',
              CAST(g.users AS VARCHAR), CASE WHEN g.users = 1 THEN ' user: ' ELSE ' users: ' END,
              ARRAY_TO_STRING(g.top_users, ', '), CASE WHEN g.users > 5 THEN ', …' ELSE '' END) AS summary,
       i.record_ids,
       'per-user MFA' AS check,
       g.users AS affected, CAST(NULL AS BIGINT) AS population, CAST(NULL AS DOUBLE) AS share_pct,
       g.details
FROM per_user_mfa_agg g CROSS JOIN per_user_mfa_ids i
WHERE g.users > 0
