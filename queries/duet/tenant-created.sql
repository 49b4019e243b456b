-- ---
-- id: DUET-NEW-TENANT
-- title: User created a new Entra tenant
-- kind: duet
-- severity: medium
-- techniques: [T1583]
-- tactics: [resource-development]
-- description: >-
--   A successful "Create Company" audit (DirectoryManagement): a user of this tenant created
--   a new Entra tenant. The target id is the new tenant id. One question per creation.
--   ATT&CK has no exact technique; T1583 (acquire infrastructure) is the nearest fit.
-- why: >-
--   A new tenant created by a user sits outside the customer's policies and logging and can
--   host phishing apps, receive exfiltrated data, or stage a cross-tenant backdoor. The
--   customer should know who owns it and why it exists.
-- remediation: [ask_customer, review_configuration]
-- tables: [audits]
-- false_positives:
--   - Developers creating test or trial tenants (restrict tenant creation for non-admins)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-infrastructure
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Audit-NewTenantCreated.kql
-- catalog: [DUET-NEW-TENANT]
-- ---
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor_upn, actor_display_name, actor_app_name, 'an unknown actor'),
              ' created a new Entra tenant', CASE WHEN target_name IS NULL THEN '' ELSE CONCAT(' "', target_name, '"') END,
              ' (tenant id ', COALESCE(target_id, 'unknown'), ') on ', STRFTIME(time, '%Y-%m-%d %H:%M'),
              ' UTC from ', COALESCE(ip_address, 'an unknown IP')) AS summary,
       id AS record_ids,
       target_id AS new_tenant_id,
       target_name AS new_tenant_name,
       user_agent,
       ip_asn AS asn
FROM audits
WHERE LOWER(activity) = 'create company'
  AND result = 'success'
  AND (target_type IS NULL OR LOWER(target_type) = 'directory')
