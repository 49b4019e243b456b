-- ---
-- id: XTENANT-SETTINGS
-- title: Cross-tenant access or identity sync setting changed
-- kind: detection
-- severity: medium
-- techniques: [T1484.002, T1199]
-- tactics: [persistence, defense-evasion, initial-access]
-- description: >-
--   A successful cross-tenant access change (categories CrossTenantAccessSettings and
--   CrossTenantIdentitySyncSettings, or any activity naming a cross-tenant access or identity
--   sync setting: partner added, updated or deleted, default setting updated or reset). Events
--   for partner tenants listed in expected_partner_tenants are skipped. High when a partner
--   identity sync setting is created or updated (another tenant may push users into this one),
--   or when the new value starts trusting the partner's MFA, compliant-device or hybrid-joined
--   claims, or allows automatic inbound consent (auto-redemption), which the old value did not;
--   critical when the actor came from a hosting or intel-listed IP or used an attack-tool user
--   agent; medium otherwise.
-- why: >-
--   A partner tenant the attacker controls, trusted for MFA or allowed to sync users in, is a
--   back door that survives password resets: accounts from there satisfy MFA policies without
--   ever meeting this tenant's MFA.
-- remediation: [revert_policy_change, review_configuration, ask_customer]
-- tables: [audits]
-- params:
--   expected_partner_tenants: []
-- references:
--   - https://learn.microsoft.com/entra/external-id/cross-tenant-access-overview
--   - https://learn.microsoft.com/entra/identity/multi-tenant-organizations/cross-tenant-synchronization-overview
--   - https://www.invictus-ir.com/news/incident-response-in-the-age-of-cross-tenant-synchronization
-- false_positives:
--   - Onboarding a subsidiary or partner to a multi-tenant organisation (list it in expected_partner_tenants)
-- catalog: [XTENANT-SETTINGS]
-- ---
WITH xt_events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND (category IN ('CrossTenantAccessSettings', 'CrossTenantIdentitySyncSettings')
         OR activity ILIKE '%cross-tenant%' OR activity ILIKE '%cross tenant%')
),
xt_props AS (
  SELECT id, tg.id AS target_id, UNNEST(tg.modified_properties) AS mp FROM xt_events
),
xt_values AS (
  SELECT id,
         MAX(CASE WHEN LOWER(mp.name) IN ('tenantid', 'partnertenantid') THEN COALESCE(mp.new_value, mp.old_value) END) AS partner_tenant,
         LOWER(COALESCE(STRING_AGG(mp.old_value, ' | '), '')) AS o,
         LOWER(COALESCE(STRING_AGG(mp.new_value, ' | '), '')) AS n
  FROM xt_props
  GROUP BY id
),
events AS (
  SELECT a.id, a.time, a.activity, a.category, a.target_name, a.target_id,
         COALESCE(a.actor_upn, a.actor_app_name) AS actor, a.ip_address, a.user_agent,
         a.ip_is_hosting, a.ip_hosting_provider, a.ip_intel, a.ua_tool_kind, a.changes,
         COALESCE(v.partner_tenant, a.target_id) AS partner_tenant,
         COALESCE(v.o, '') AS o, COALESCE(v.n, '') AS n
  FROM audits a
  LEFT JOIN xt_values v ON v.id = a.id
  WHERE a.result = 'success'
    AND (a.category IN ('CrossTenantAccessSettings', 'CrossTenantIdentitySyncSettings')
         OR a.activity ILIKE '%cross-tenant%' OR a.activity ILIKE '%cross tenant%')
),
classified AS (
  SELECT *,
         CONCAT_WS('; ',
           CASE WHEN activity ILIKE '%identity sync%' AND activity NOT ILIKE 'delete%'
                THEN 'partner may sync users into this tenant' END,
           CASE WHEN n LIKE '%"ismfaaccepted":true%' AND o NOT LIKE '%"ismfaaccepted":true%'
                THEN 'partner MFA trusted' END,
           CASE WHEN n LIKE '%"iscompliantdeviceaccepted":true%' AND o NOT LIKE '%"iscompliantdeviceaccepted":true%'
                THEN 'partner compliant-device claims trusted' END,
           CASE WHEN n LIKE '%"ishybridazureadjoineddeviceaccepted":true%' AND o NOT LIKE '%"ishybridazureadjoineddeviceaccepted":true%'
                THEN 'partner hybrid-joined-device claims trusted' END,
           CASE WHEN n LIKE '%"inboundallowed":true%' AND o NOT LIKE '%"inboundallowed":true%'
                THEN 'automatic inbound consent allowed' END) AS trust_added
  FROM events
  -- (an empty list renders as (NULL): COALESCE keeps every partner then)
  WHERE NOT COALESCE(partner_tenant IN {{expected_partner_tenants}}, FALSE)
)
SELECT time AS first_seen,
       time AS last_seen,
       actor AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(activity,
              CASE WHEN partner_tenant IS NULL THEN '' ELSE CONCAT(' (partner tenant ', partner_tenant, ')') END,
              ' by ', COALESCE(actor, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              CASE WHEN trust_added <> '' THEN CONCAT(': ', trust_added) ELSE '' END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'critical'
            WHEN trust_added <> '' THEN 'high'
            ELSE 'medium' END AS severity,
       id AS record_ids,
       activity,
       partner_tenant,
       CASE WHEN trust_added <> '' THEN trust_added END AS trust_added,
       changes,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM classified
