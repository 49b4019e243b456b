-- ---
-- id: DUET-APP-REG
-- title: Application registered by a user with no admin role
-- kind: duet
-- severity: low
-- techniques: [T1136.003]
-- tactics: [persistence]
-- description: >-
--   Successful "Add application" or "Add service principal" initiated by a user who is not
--   known to be privileged (neither in the policy's privileged_users nor granted an admin role
--   in the window's audits). One question per user, application name and day; the registered
--   reply URL (AppAddress) is kept when the audit carries it.
-- why: >-
--   When any user can register applications, an attacker with one stolen account can create
--   an app, give it a secret and keep access after the password is reset. The customer
--   should confirm the app is wanted and consider restricting app registration to admins.
-- remediation: [ask_customer, disable_service_principal, review_configuration]
-- tables: [audits]
-- false_positives:
--   - Developers registering applications where user app registration is allowed on purpose
--   - Admins whose role was assigned before the export window and who are not listed in privileged_users
-- references:
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications
-- catalog: [DUET-APP-REG]
-- ---
WITH regs AS (
  SELECT *,
         -- first reply URL of the AppAddress property, when present
         NULLIF(SPLIT_PART(SPLIT_PART(COALESCE(changes, ''), '"Address":"', 2), '"', 1), '') AS reply_url
  FROM audits
  WHERE LOWER(activity) IN ('add application', 'add service principal')
    AND result = 'success'
    AND actor_type = 'user'
    AND actor_upn IS NOT NULL
    AND NOT actor_is_privileged
),
per_app AS (
  SELECT actor_upn,
         COALESCE(target_name, target_id) AS app,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT activity, ', ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT target_id) AS object_ids,
         ARRAY_AGG(DISTINCT reply_url) AS reply_urls,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(id) AS record_ids
  FROM regs
  GROUP BY actor_upn, COALESCE(target_name, target_id), STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       actor_upn AS principals,
       ips,
       evidence_count,
       CONCAT(actor_upn, ', with no known admin role, registered application "', COALESCE(app, 'unnamed'), '" (',
              activities, ') on ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' UTC from ',
              COALESCE(REPLACE(ips, ';', ', '), 'an unknown IP')) AS summary,
       record_ids,
       app,
       activities,
       object_ids,
       reply_urls,
       user_agents
FROM per_app
