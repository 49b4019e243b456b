-- ---
-- id: POS-GUEST
-- title: Guest access not governed
-- kind: posture
-- severity: medium
-- description: >-
--   Findings about external (B2B) guests. (1) Guests invited by users without an admin role
--   ("Invite external user"), meaning anyone can invite; the Guest Inviter role is not
--   visible unless assigned in the window. (2) Guests invited from domains outside
--   allowed_guest_domains (skipped while that list is empty). (3) Invitations sent more than
--   unredeemed_days before the newest audit record that were never redeemed (no "Redeem
--   external user invite" and no successful sign-in by the guest). (4) Guests
--   with no successful sign-in in the last stale_days days of the window (needs a window
--   longer than stale_days).
-- why: >-
--   Every guest is an account in the tenant that someone else's identity provider and MFA
--   protect. Open invitations, unknown domains, pending invites that anyone holding the link
--   can redeem, and forgotten guests all widen access that nobody reviews.
-- remediation: [review_configuration, delete_account]
-- tables: [audits, signins]
-- params:
--   allowed_guest_domains: []
--   unredeemed_days: 5
--   stale_days: 90
-- false_positives:
--   - Collaboration-heavy tenants that allow any member to invite on purpose
-- references:
--   - https://learn.microsoft.com/entra/external-id/external-collaboration-settings-configure
--   - https://learn.microsoft.com/entra/external-id/allow-deny-list
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- baselines: [MS.AAD.8.1v1, MS.AAD.8.2v1, MS.AAD.8.3v1]
-- catalog: [POS-GUEST]
-- ---
WITH invites AS (
  SELECT time, id, actor_type, actor_is_privileged,
         COALESCE(actor_upn, actor_app_name, actor_display_name, 'unknown') AS inviter,
         target_id,
         COALESCE(target_upn, LOWER(target_name)) AS guest,
         -- alice_contoso.com#EXT#@tenant → contoso.com (the domain follows the last underscore)
         CASE WHEN target_upn LIKE '%#ext#%' THEN SPLIT_PART(SPLIT_PART(target_upn, '#ext#', 1), '_', -1)
              ELSE SPLIT_PART(COALESCE(target_upn, target_name, ''), '@', -1) END AS domain,
         COUNT(*) OVER () AS all_invites
  FROM audits
  WHERE result = 'success' AND activity ILIKE 'Invite external user%'
),
audit_end AS (
  SELECT MAX(time) AS window_end FROM audits
),
-- Guests known to have redeemed: the redeem event (it names the guest as
-- "UPN: x#EXT#@tenant, Email: x@domain" in userPrincipalName, and by object id) or any
-- successful guest sign-in.
redeemed_keys AS (
  SELECT TRIM(CASE WHEN target_upn LIKE 'upn:%' THEN SPLIT_PART(SPLIT_PART(target_upn, 'upn:', 2), ',', 1) ELSE target_upn END) AS k
  FROM audits WHERE activity ILIKE 'Redeem external user invite%' AND result = 'success' AND target_upn IS NOT NULL
  UNION ALL
  SELECT target_id AS k
  FROM audits WHERE activity ILIKE 'Redeem external user invite%' AND result = 'success' AND target_id IS NOT NULL
  UNION ALL
  SELECT user_principal_name AS k
  FROM signins WHERE user_type = 'guest' AND result = 'success' AND user_principal_name IS NOT NULL
),
guest_signins AS (
  SELECT user_principal_name AS upn, MAX(time) AS last_ok FROM signins
  WHERE user_type = 'guest' AND result = 'success' AND user_principal_name IS NOT NULL
  GROUP BY user_principal_name
),
signin_end AS (
  SELECT MAX(time) AS window_end FROM signins
),
-- One row per (problem, evidence record); the findings are one per problem.
problems AS (
  -- (1) invitations sent by users without an admin role
  SELECT 'open_invites' AS problem, time, id, inviter AS principal, domain AS label, all_invites,
         CONCAT(STRFTIME(time, '%Y-%m-%d'), ' ', inviter, ' invited ', COALESCE(guest, target_id), ' (', domain, ')') AS detail
  FROM invites WHERE actor_type = 'user' AND NOT actor_is_privileged
  UNION ALL
  -- (2) invitations to domains outside the allow-list (none while the list is empty)
  SELECT 'foreign_domains' AS problem, time, id, guest AS principal, domain AS label, all_invites,
         CONCAT(COALESCE(guest, target_id), ' (', domain, ') invited by ', inviter) AS detail
  FROM invites WHERE domain NOT IN {{allowed_guest_domains}}
  UNION ALL
  -- (3) invitations never redeemed (matched on the guest UPN, or the object id without one)
  SELECT 'unredeemed' AS problem, i.time, i.id, i.guest AS principal, i.guest AS label, i.all_invites,
         CONCAT(COALESCE(i.guest, i.target_id), ' invited ', STRFTIME(i.time, '%Y-%m-%d'), ' by ', i.inviter) AS detail
  FROM invites i CROSS JOIN audit_end b
  WHERE CAST(b.window_end AS BIGINT) - CAST(i.time AS BIGINT) > {{unredeemed_days}} * 86400000000
    AND COALESCE(i.guest, i.target_id, '') NOT IN (SELECT k FROM redeemed_keys)
  UNION ALL
  -- (4) guests whose last successful sign-in is older than stale_days
  SELECT 'stale' AS problem, g.last_ok AS time, CAST(NULL AS VARCHAR) AS id, g.upn AS principal, g.upn AS label,
         CAST(NULL AS BIGINT) AS all_invites,
         CONCAT(g.upn, ': last successful sign-in ', STRFTIME(g.last_ok, '%Y-%m-%d')) AS detail
  FROM guest_signins g CROSS JOIN signin_end b
  WHERE CAST(b.window_end AS BIGINT) - CAST(g.last_ok AS BIGINT) > {{stale_days}} * 86400000000
),
per_problem AS (
  SELECT problem, MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n, MAX(all_invites) AS all_invites,
         COUNT(DISTINCT principal) AS accounts, COUNT(DISTINCT label) AS labels,
         ARRAY_AGG(DISTINCT principal ORDER BY principal) AS principals,
         ARRAY_AGG(DISTINCT label ORDER BY label LIMIT 5) AS top,
         ARRAY_AGG(DISTINCT principal ORDER BY principal LIMIT 5) AS top_principals,
         ARRAY_AGG(detail ORDER BY time, detail) AS details,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM problems
  GROUP BY problem
)
SELECT p.first_seen, p.last_seen, p.principals, CAST(NULL AS VARCHAR) AS ips, p.n AS evidence_count,
       CONCAT(CASE p.problem
                WHEN 'open_invites' THEN
                  CONCAT('users without an admin role invite guests: ', CAST(p.n AS VARCHAR), ' of ', CAST(p.all_invites AS VARCHAR),
                         ' guest invitations came from ', CAST(p.accounts AS VARCHAR), CASE WHEN p.accounts = 1 THEN ' user (' ELSE ' users (' END,
                         CAST(p.labels AS VARCHAR), CASE WHEN p.labels = 1 THEN ' domain: ' ELSE ' domains: ' END)
                WHEN 'foreign_domains' THEN
                  CONCAT(CAST(p.n AS VARCHAR), CASE WHEN p.n = 1 THEN ' guest invited from ' ELSE ' guests invited from ' END,
                         CAST(p.labels AS VARCHAR), CASE WHEN p.labels = 1 THEN ' domain outside the allowed list (' ELSE ' domains outside the allowed list (' END)
                WHEN 'unredeemed' THEN
                  CONCAT(CAST(p.n AS VARCHAR), ' of ', CAST(p.all_invites AS VARCHAR), ' guest invitations were not redeemed more than ',
                         CAST({{unredeemed_days}} AS VARCHAR), ' days after being sent (')
                ELSE
                  CONCAT(CAST(p.n AS VARCHAR), CASE WHEN p.n = 1 THEN ' guest has' ELSE ' guests have' END,
                         ' not signed in for more than ', CAST({{stale_days}} AS VARCHAR), ' days (')
              END,
              ARRAY_TO_STRING(p.top, ', '), CASE WHEN p.labels > 5 THEN ', …)' ELSE ')' END,
              CASE WHEN p.problem = 'open_invites'
                   THEN CONCAT(': ', ARRAY_TO_STRING(p.top_principals, ', '), CASE WHEN p.accounts > 5 THEN ', …' ELSE '' END)
                   ELSE '' END) AS summary,
       p.record_ids,
       CASE p.problem
         WHEN 'open_invites' THEN 'guest invitations not restricted'
         WHEN 'foreign_domains' THEN 'guest domains not restricted'
         WHEN 'unredeemed' THEN 'invitations never redeemed'
         ELSE 'stale guests'
       END AS check,
       p.details
FROM per_problem p
