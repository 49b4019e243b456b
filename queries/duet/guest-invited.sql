-- ---
-- id: DUET-GUEST-INVITE
-- title: External guest invited
-- kind: duet
-- severity: low
-- techniques: [T1136.003]
-- tactics: [persistence]
-- description: >-
--   Successful guest invitations ("Invite external user", "Invite external user with reset
--   invitation status", "Invite internal user to B2B collaboration", "Bulk invite users -
--   finished (bulk)") whose invitee domain is not in expected_guest_domains. The invitee is
--   read from the invitedUserEmailAddress detail, else from the #EXT# UPN. One question per
--   inviter and day; medium when the inviter is itself a guest (#EXT#), low otherwise.
--   Redemptions and failed invitations are not questions here.
-- why: >-
--   A guest account is a door into the tenant that survives the inviter's password reset. An
--   attacker with a member's account can invite an address they control and keep access
--   through it.
-- remediation: [ask_customer, delete_account, review_configuration]
-- tables: [audits]
-- params:
--   expected_guest_domains: []
-- false_positives:
--   - Routine collaboration with partners and suppliers (list their domains in expected_guest_domains)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-user-accounts
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_external_guest_user_invite.toml
--   - https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
-- catalog: [GUEST-INVITE]
-- ---
WITH invites AS (
  SELECT * FROM audits
  WHERE LOWER(activity) IN ('invite external user', 'invite external user with reset invitation status',
                     'invite internal user to b2b collaboration', 'bulk invite users - finished (bulk)')
    AND result = 'success'
),
details AS (
  SELECT id, UNNEST(additional_details) AS d FROM invites
),
emails AS (
  SELECT id, MAX(CASE WHEN LOWER(d.key) = 'inviteduseremailaddress' THEN LOWER(d.value) END) AS invited_email
  FROM details
  GROUP BY id
),
shaped AS (
  SELECT i.*,
         e.invited_email,
         COALESCE(e.invited_email, i.target_upn, i.target_name) AS invitee,
         -- bob_partner.example#ext#@fabrikam.onmicrosoft.com -> partner.example
         COALESCE(NULLIF(SPLIT_PART(e.invited_email, '@', 2), ''),
                  NULLIF(REVERSE(SPLIT_PART(REVERSE(SPLIT_PART(COALESCE(i.target_upn, ''), '#ext#', 1)), '_', 1)), '')) AS guest_domain,
         COALESCE(i.actor_upn, i.actor_app_name, i.actor_display_name, 'an unknown actor') AS inviter
  FROM invites i
  LEFT JOIN emails e ON i.id = e.id
),
unexpected AS (
  SELECT * FROM shaped
  WHERE NOT COALESCE(guest_domain IN {{expected_guest_domains}}, FALSE)
),
per_inviter AS (
  SELECT inviter,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT invitee) AS invitee_count,
         STRING_AGG(DISTINCT invitee, ', ' ORDER BY invitee) AS invitee_list,
         ARRAY_AGG(DISTINCT guest_domain) AS guest_domains,
         ARRAY_AGG(DISTINCT activity) AS activities,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         MAX(CASE WHEN inviter LIKE '%#ext#%' THEN 1 ELSE 0 END) AS inviter_is_guest,
         ARRAY_AGG(id) AS record_ids
  FROM unexpected
  GROUP BY inviter, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       inviter AS principals,
       ips,
       evidence_count,
       CONCAT(inviter, CASE WHEN inviter_is_guest = 1 THEN ' (itself a guest)' ELSE '' END,
              ' invited ', CAST(invitee_count AS VARCHAR), ' external guest(s) on ', day,
              CASE WHEN first_seen = last_seen THEN CONCAT(' at ', STRFTIME(first_seen, '%H:%M'))
                   ELSE CONCAT(' between ', STRFTIME(first_seen, '%H:%M'), ' and ', STRFTIME(last_seen, '%H:%M')) END,
              ' UTC: ',
              COALESCE(invitee_list, 'unnamed'), ', from ', REPLACE(COALESCE(ips, 'an unknown IP'), ';', ', ')) AS summary,
       CASE WHEN inviter_is_guest = 1 THEN 'medium' ELSE 'low' END AS severity,
       record_ids,
       invitee_list AS invitees,
       guest_domains,
       activities
FROM per_inviter
