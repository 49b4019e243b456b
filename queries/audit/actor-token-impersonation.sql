-- ---
-- id: ACTOR-TOKEN
-- title: Directory write by a first-party service acting as a user (actor-token impersonation)
-- kind: detection
-- severity: high
-- techniques: [T1550.001, T1098]
-- tactics: [privilege-escalation, defense-evasion, persistence]
-- description: >-
--   Directory writes (Update user, Add member to role, Update application, Add owner …, any
--   result) initiated by a Microsoft first-party service — Office 365 Exchange Online
--   (00000002-0000-0ff1-ce00-000000000000), Office 365 SharePoint Online
--   (00000003-0000-0ff1-ce00-000000000000), Skype for Business Online
--   (00000004-0000-0ff1-ce00-000000000000), Dataverse / Common Data Service
--   (00000007-0000-0000-c000-000000000000), Microsoft Dynamics ERP
--   (00000015-0000-0000-c000-000000000000) — named as the initiator's display name or app,
--   while the initiator also carries a user UPN: the log of an actor token, which holds the
--   service's identity and the impersonated user's. As in the source queries, group operations
--   (Exchange Online PowerShell creates some groups with an actor token on the admin's behalf)
--   and "Set directory feature on tenant" are left out, and so are the service's own writes
--   with no user. A write is not reported when the named user had a successful sign-in to that
--   service (as resource or through the Exchange Online PowerShell clients) within
--   signin_minutes before it and the write's IP is not a hosting or intel-listed address: the
--   admin really was working in the service. One finding per impersonated user, service and
--   day. Critical when a write assigns a privileged role or changes a privileged account, or
--   came from a hosting or intel-listed IP; high otherwise. Legitimate service-to-service
--   writes come from Microsoft's network (AS8075): the evidence column non_microsoft_ips lists
--   the others.
-- why: >-
--   An actor token lets a Microsoft service act as any user of the tenant without a sign-in,
--   MFA or Conditional Access, and the reads leave no log at all. CVE-2025-55241 showed that
--   a token minted in one tenant was accepted for every tenant's Azure AD Graph; the only trace
--   is a write like this one, logged with the user's UPN but the service's display name.
-- remediation: [review_configuration, remove_role_assignment, revert_policy_change, revoke_sessions, ask_customer]
-- tables: [audits, signins]
-- params:
--   signin_minutes: 60
-- false_positives:
--   - Exchange or SharePoint administration that Microsoft performs through actor tokens on the admin's behalf, when the admin's sign-in to the service is not in the export
-- references:
--   - https://dirkjanm.io/obtaining-global-admin-in-every-entra-id-tenant-with-actor-tokens/
--   - https://msrc.microsoft.com/update-guide/vulnerability/CVE-2025-55241
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/defense_evasion_entra_id_actor_token_user_impersonation_abuse.toml
--   - https://github.com/Cyb3r-Monk/Threat-Hunting-and-Detection/blob/main/Privilege%20Escalation/Potential%20Actor%20Token%20Abuse%20in%20Entra%20ID.md
-- catalog: [ACTOR-TOKEN]
-- ---
WITH services AS (
  SELECT * FROM (VALUES
    ('00000002-0000-0ff1-ce00-000000000000', 'Exchange Online'),
    ('00000003-0000-0ff1-ce00-000000000000', 'SharePoint Online'),
    ('00000004-0000-0ff1-ce00-000000000000', 'Skype for Business Online'),
    ('00000007-0000-0000-c000-000000000000', 'Dataverse'),
    ('00000015-0000-0000-c000-000000000000', 'Dynamics ERP')
  ) AS v(service_app_id, service)
),
named AS (
  SELECT *,
         CASE
           WHEN actor_app_id IN ('00000002-0000-0ff1-ce00-000000000000', '00000003-0000-0ff1-ce00-000000000000',
                                 '00000004-0000-0ff1-ce00-000000000000', '00000007-0000-0000-c000-000000000000',
                                 '00000015-0000-0000-c000-000000000000') THEN actor_app_id
           WHEN actor_names LIKE '%|office 365 exchange online|%' THEN '00000002-0000-0ff1-ce00-000000000000'
           WHEN actor_names LIKE '%|office 365 sharepoint online|%' OR actor_names LIKE '%|sharepoint online|%'
             THEN '00000003-0000-0ff1-ce00-000000000000'
           WHEN actor_names LIKE '%|skype for business online|%' THEN '00000004-0000-0ff1-ce00-000000000000'
           WHEN actor_names LIKE '%|dataverse|%' OR actor_names LIKE '%|common data service|%' THEN '00000007-0000-0000-c000-000000000000'
           WHEN actor_names LIKE '%|microsoft dynamics erp|%' THEN '00000015-0000-0000-c000-000000000000'
         END AS service_key
  FROM (
    -- the initiator's display name (user part of an actor token) and app name, lower-cased
    SELECT *, CONCAT('|', LOWER(COALESCE(actor_display_name, '')), '|', LOWER(COALESCE(actor_app_name, '')), '|') AS actor_names
    FROM audits
    WHERE actor_upn LIKE '%@%'
      AND NOT activity ILIKE '%group%'
      AND activity <> 'Set directory feature on tenant'
  ) a
),
writes AS (
  SELECT a.id, a.time, a.activity, a.result, a.actor_upn, a.ip_address, a.ip_asn, a.user_agent,
         COALESCE(a.target_upn, a.target_name, a.target_id) AS target,
         a.role_name, a.changes,
         s.service, s.service_app_id,
         COALESCE(a.ip_is_hosting, FALSE) OR a.ip_intel IS NOT NULL AS risky_source,
         (COALESCE(a.role_is_privileged, FALSE) AND a.activity ILIKE '%role%')
           OR COALESCE(a.target_is_privileged, FALSE) AS privileged_change,
         a.ip_hosting_provider, a.ip_intel
  FROM named a
  JOIN services s ON a.service_key = s.service_app_id
),
-- the named user really signed in to the service shortly before the write
vouched AS (
  SELECT DISTINCT w.id
  FROM writes w
  JOIN signins s ON s.user_principal_name = w.actor_upn
  WHERE s.result = 'success'
    AND (s.resource_id = w.service_app_id
         OR (s.app_id IN ('fb78d390-0c51-40cd-8e17-fdbfab77341b', 'a0c73c16-a7e3-4564-9a95-2bdf47383716')
             AND w.service = 'Exchange Online'))
    AND s.time <= w.time
    AND CAST(w.time AS BIGINT) - CAST(s.time AS BIGINT) <= {{signin_minutes}} * 60000000
),
kept AS (
  SELECT w.*, v.id IS NOT NULL AS signed_in
  FROM writes w
  LEFT JOIN vouched v ON v.id = w.id
  WHERE v.id IS NULL OR w.risky_source
),
per_user AS (
  SELECT actor_upn, service,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS writes,
         SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes,
         STRING_AGG(DISTINCT activity, '; ' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT target, ';' ORDER BY target) AS targets,
         STRING_AGG(DISTINCT role_name, ';' ORDER BY role_name) AS roles,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT CASE WHEN ip_asn IS NOT NULL AND ip_asn <> 8075 THEN ip_address END, ';'
                    ORDER BY CASE WHEN ip_asn IS NOT NULL AND ip_asn <> 8075 THEN ip_address END) AS non_microsoft_ips,
         SUM(CASE WHEN signed_in THEN 1 ELSE 0 END) AS after_signin,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS ip_intel,
         STRING_AGG(DISTINCT changes, ' | ' ORDER BY changes) AS changes,
         MAX(CASE WHEN risky_source THEN 1 ELSE 0 END) AS risky_source,
         MAX(CASE WHEN privileged_change THEN 1 ELSE 0 END) AS privileged_change,
         ARRAY_AGG(id) AS record_ids
  FROM kept
  GROUP BY actor_upn, service, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       actor_upn AS principals,
       ips,
       writes AS evidence_count,
       CONCAT(service, ' acted as ', actor_upn, ' in ', CAST(writes AS VARCHAR), ' directory write(s) on ', day,
              ' (', CAST(successes AS VARCHAR), ' successful): ', activities,
              CASE WHEN targets IS NULL THEN '' ELSE CONCAT(' on ', targets) END,
              CASE WHEN roles IS NULL THEN '' ELSE CONCAT(', role ', roles) END,
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(', from ', ips) END,
              CASE WHEN after_signin > 0
                   THEN CONCAT(', ', CAST(after_signin AS VARCHAR), ' of them after a sign-in of that user to ', service,
                               ' but from a hosting or intel-listed IP')
                   ELSE CONCAT(', with no sign-in of that user to ', service, ' in the ', CAST({{signin_minutes}} AS VARCHAR),
                               ' min before') END) AS summary,
       CASE WHEN privileged_change = 1 OR risky_source = 1 THEN 'critical' ELSE 'high' END AS severity,
       record_ids,
       service,
       activities,
       targets,
       roles,
       non_microsoft_ips,
       user_agents,
       hosting_providers,
       ip_intel,
       changes
FROM per_user
