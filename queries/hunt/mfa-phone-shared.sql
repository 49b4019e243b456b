-- ---
-- id: MFA-SHARED-PHONE
-- title: Same MFA phone number registered on several accounts
-- kind: hunt
-- severity: medium
-- techniques: [T1556.006, T1098.005]
-- tactics: [persistence]
-- description: >-
--   Successful "Update user" audits whose StrongAuthenticationUserDetails (or
--   StrongAuthenticationPhoneNumber) new value sets a PhoneNumber; the numbers are compared
--   without spaces, dashes or brackets. A lead when one number lands on at least min_users
--   distinct accounts in the window. Usually written by "Azure Credential Configuration
--   Endpoint Service" when a user registers a phone; any initiator counts.
-- why: >-
--   An attacker who phished several accounts registers their own phone on each to keep
--   passing MFA. Colleagues rarely share a personal number, so one number on several
--   accounts is either a shared desk phone or an intruder's handset.
-- remediation: [require_mfa_reregistration, revoke_sessions, reset_password]
-- tables: [audits]
-- params:
--   min_users: 2
-- false_positives:
--   - A shared team or reception phone deliberately used for several service or front-desk accounts
-- references:
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Audit-MultipleUsersSameMFANumber.kql
-- catalog: [MFA-SHARED-PHONE]
-- ---
WITH updates AS (
  SELECT * FROM audits
  WHERE LOWER(activity) = 'update user' AND result = 'success'
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM updates
),
mp AS (
  SELECT id, t.upn AS target_account, t.id AS target_object, UNNEST(t.modified_properties) AS m FROM tg
),
phones AS (
  SELECT id,
         COALESCE(target_account, target_object) AS account,
         REPLACE(REPLACE(REPLACE(REPLACE(
             SPLIT_PART(SPLIT_PART(m.new_value, '"PhoneNumber":"', 2), '"', 1),
             ' ', ''), '-', ''), '(', ''), ')', '') AS phone
  FROM mp
  WHERE m.name IN ('StrongAuthenticationUserDetails', 'StrongAuthenticationPhoneNumber')
    AND m.new_value LIKE '%"PhoneNumber":"%'
),
registrations AS (
  SELECT u.id, u.time, u.ip_address,
         COALESCE(u.actor_app_name, u.actor_upn, u.actor_display_name) AS written_by,
         p.account, p.phone
  FROM updates u
  JOIN phones p ON u.id = p.id
  WHERE p.phone <> '' AND p.account IS NOT NULL
),
per_phone AS (
  SELECT phone,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT account) AS account_count,
         ARRAY_AGG(DISTINCT account) AS accounts,
         STRING_AGG(DISTINCT account, ', ' ORDER BY account) AS account_list,
         ARRAY_AGG(DISTINCT written_by) AS written_by,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(id) AS record_ids
  FROM registrations
  GROUP BY phone
  HAVING COUNT(DISTINCT account) >= {{min_users}}
)
SELECT first_seen,
       last_seen,
       accounts AS principals,
       ips,
       evidence_count,
       CONCAT('MFA phone number ', phone, ' was set on ', CAST(account_count AS VARCHAR), ' accounts (', account_list,
              ') between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ', STRFTIME(last_seen, '%Y-%m-%d %H:%M'), ' UTC') AS summary,
       record_ids,
       phone,
       account_count,
       written_by
FROM per_phone
