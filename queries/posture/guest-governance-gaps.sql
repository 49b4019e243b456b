-- ---
-- id: POS-GUEST
-- title: Guest access not governed
-- kind: posture
-- severity: medium
-- description: >-
--   Findings about external (B2B) guests. (1) Guests invited by users without an admin role
--   ("Invite external user"), meaning anyone can invite; the Guest Inviter role is not
--   visible unless assigned in the window. (2) Guests invited from domains outside
--   allowed_guest_domains (skipped while that list is empty). (3) Invitations older than
--   unredeemed_days at the end of the window that were never redeemed (no "Redeem external
--   user invite" and no sign-in by the guest). (4) Guests with no successful sign-in in the
--   last stale_days days of the window (needs a window longer than stale_days).
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
              ELSE SPLIT_PART(COALESCE(target_upn, target_name, ''), '@', -1) END AS domain
  FROM audits
  WHERE result = 'success' AND activity ILIKE 'Invite external user%'
),
-- The end of the window: the newest audit or sign-in.
audit_end AS (
  SELECT MAX(time) AS t FROM audits
),
signin_end AS (
  SELECT MAX(time) AS window_end FROM signins
),
window_end AS (
  SELECT GREATEST(COALESCE(a.t, s.window_end), COALESCE(s.window_end, a.t)) AS window_end
  FROM audit_end a CROSS JOIN signin_end s
),
-- (1) invitations by users without an admin role ---------------------------------------------
open_invites AS (
  SELECT * FROM invites WHERE actor_type = 'user' AND NOT actor_is_privileged
),
inviters AS (
  SELECT inviter, COUNT(*) AS n, 0 - COUNT(*) AS neg_n,
         ARRAY_TO_STRING(ARRAY_AGG(DISTINCT domain ORDER BY domain), ', ') AS domains
  FROM open_invites GROUP BY inviter
),
open_agg AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n, COUNT(DISTINCT inviter) AS users,
         COUNT(DISTINCT domain) AS domains,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM open_invites
),
open_detail AS (
  SELECT ARRAY_AGG(inviter ORDER BY neg_n, inviter) AS principals,
         ARRAY_AGG(CONCAT(inviter, ' (', CAST(n AS VARCHAR), ')') ORDER BY neg_n, inviter LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(inviter, ': ', CAST(n AS VARCHAR), ' invitations to ', domains) ORDER BY neg_n, inviter) AS details
  FROM inviters
),
all_invites AS (
  SELECT COUNT(*) AS n FROM invites
),
-- (2) invitations to domains outside the allow-list -------------------------------------------
foreign_invites AS (
  SELECT * FROM invites WHERE domain NOT IN {{allowed_guest_domains}}
),
foreign_agg AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n, COUNT(DISTINCT domain) AS domains,
         ARRAY_AGG(DISTINCT guest ORDER BY guest) AS principals,
         ARRAY_AGG(DISTINCT domain ORDER BY domain LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(guest, ' (', domain, ') invited by ', inviter) ORDER BY time, id) AS details,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM foreign_invites
),
-- (3) invitations never redeemed ------------------------------------------------------------------
redeemed_keys AS (
  -- Guests known to have redeemed: the redeem event (which names the guest as
  -- "UPN: x#EXT#@tenant, Email: x@domain" in userPrincipalName) or any successful sign-in.
  SELECT target_id AS k FROM audits WHERE activity ILIKE 'Redeem external user invite%' AND result = 'success' AND target_id IS NOT NULL
  UNION ALL
  SELECT TRIM(CASE WHEN target_upn LIKE 'upn:%' THEN SPLIT_PART(SPLIT_PART(target_upn, 'upn:', 2), ',', 1) ELSE target_upn END) AS k
  FROM audits WHERE activity ILIKE 'Redeem external user invite%' AND result = 'success' AND target_upn IS NOT NULL
  UNION ALL
  SELECT user_principal_name AS k FROM signins WHERE result = 'success' AND user_principal_name IS NOT NULL
  UNION ALL
  SELECT user_id AS k FROM signins WHERE result = 'success' AND user_id IS NOT NULL
),
pending AS (
  SELECT i.* FROM invites i CROSS JOIN window_end b
  WHERE CAST(b.window_end AS BIGINT) - CAST(i.time AS BIGINT) > {{unredeemed_days}} * 86400000000
    AND COALESCE(i.target_id, '') NOT IN (SELECT k FROM redeemed_keys)
    AND COALESCE(i.guest, '') NOT IN (SELECT k FROM redeemed_keys)
),
pending_agg AS (
  SELECT MIN(time) AS first_seen, MAX(time) AS last_seen, COUNT(*) AS n,
         ARRAY_AGG(DISTINCT guest ORDER BY guest) AS principals,
         ARRAY_AGG(guest ORDER BY time, guest LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(COALESCE(guest, target_id), ' invited ', STRFTIME(time, '%Y-%m-%d'), ' by ', inviter) ORDER BY time, id) AS details,
         ARRAY_AGG(id ORDER BY time, id LIMIT 50) AS record_ids
  FROM pending
),
-- (4) guests who stopped signing in ----------------------------------------------------------
guest_last AS (
  SELECT user_principal_name, MAX(time) AS last_ok FROM signins
  WHERE user_type = 'guest' AND result = 'success' AND user_principal_name IS NOT NULL
  GROUP BY user_principal_name
),
stale AS (
  SELECT g.* FROM guest_last g CROSS JOIN window_end b
  WHERE CAST(b.window_end AS BIGINT) - CAST(g.last_ok AS BIGINT) > {{stale_days}} * 86400000000
),
stale_agg AS (
  SELECT MIN(last_ok) AS first_seen, MAX(last_ok) AS last_seen, COUNT(*) AS n,
         ARRAY_AGG(user_principal_name ORDER BY user_principal_name) AS principals,
         ARRAY_AGG(user_principal_name ORDER BY last_ok, user_principal_name LIMIT 5) AS top,
         ARRAY_AGG(CONCAT(user_principal_name, ': last successful sign-in ', STRFTIME(last_ok, '%Y-%m-%d')) ORDER BY last_ok, user_principal_name) AS details
  FROM stale
)
SELECT o.first_seen, o.last_seen, d.principals, CAST(NULL AS VARCHAR) AS ips, o.n AS evidence_count,
       CONCAT('users without an admin role invite guests: ', CAST(o.n AS VARCHAR), ' of ', CAST(a.n AS VARCHAR),
              ' guest invitations came from ', CAST(o.users AS VARCHAR), CASE WHEN o.users = 1 THEN ' user' ELSE ' users' END,
              ' (', CAST(o.domains AS VARCHAR), CASE WHEN o.domains = 1 THEN ' domain): ' ELSE ' domains): ' END,
              ARRAY_TO_STRING(d.top, ', '), CASE WHEN o.users > 5 THEN ', …' ELSE '' END) AS summary,
       o.record_ids, 'guest invitations not restricted' AS check, d.details
FROM open_agg o CROSS JOIN open_detail d CROSS JOIN all_invites a
WHERE o.n > 0
UNION ALL
SELECT f.first_seen, f.last_seen, f.principals, CAST(NULL AS VARCHAR) AS ips, f.n AS evidence_count,
       CONCAT(CAST(f.n AS VARCHAR), CASE WHEN f.n = 1 THEN ' guest invited from ' ELSE ' guests invited from ' END, CAST(f.domains AS VARCHAR),
              CASE WHEN f.domains = 1 THEN ' domain' ELSE ' domains' END, ' outside the allowed list: ',
              ARRAY_TO_STRING(f.top, ', '), CASE WHEN f.domains > 5 THEN ', …' ELSE '' END) AS summary,
       f.record_ids, 'guest domains not restricted' AS check, f.details
FROM foreign_agg f
WHERE f.n > 0
UNION ALL
SELECT p.first_seen, p.last_seen, p.principals, CAST(NULL AS VARCHAR) AS ips, p.n AS evidence_count,
       CONCAT(CAST(p.n AS VARCHAR), ' of ', CAST(a.n AS VARCHAR), ' guest invitations were not redeemed more than ',
              CAST({{unredeemed_days}} AS VARCHAR), ' days after being sent: ',
              ARRAY_TO_STRING(p.top, ', '), CASE WHEN p.n > 5 THEN ', …' ELSE '' END) AS summary,
       p.record_ids, 'invitations never redeemed' AS check, p.details
FROM pending_agg p CROSS JOIN all_invites a
WHERE p.n > 0
UNION ALL
SELECT s.first_seen, s.last_seen, s.principals, CAST(NULL AS VARCHAR) AS ips, s.n AS evidence_count,
       CONCAT(CAST(s.n AS VARCHAR), CASE WHEN s.n = 1 THEN ' guest has' ELSE ' guests have' END,
              ' not signed in for more than ', CAST({{stale_days}} AS VARCHAR), ' days: ',
              ARRAY_TO_STRING(s.top, ', '), CASE WHEN s.n > 5 THEN ', …' ELSE '' END) AS summary,
       CAST(NULL AS VARCHAR[]) AS record_ids, 'stale guests' AS check, s.details
FROM stale_agg s
WHERE s.n > 0
