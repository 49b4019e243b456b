-- ---
-- id: CONSENT-RISK-BLOCK
-- title: User consent blocked by risk-based step-up (risky application detected)
-- kind: detection
-- severity: medium
-- techniques: [T1528, T1566.002]
-- tactics: [initial-access, credential-access]
-- description: >-
--   A failed "Consent to application" whose result reason or modified properties (for example
--   ConsentAction.Reason) say "Risky application detected" or name the
--   UserConsentBlockedForRiskyApps exception: Microsoft's risk-based step-up consent stopped a
--   user from granting an application access. One finding per application, listing every
--   blocked user and the scopes asked for. Medium; high when the same application also holds
--   a successful "Consent to application" in the export (someone else, or an admin, let it in
--   anyway), and those consenting accounts are named as principals too.
-- why: >-
--   Microsoft flags the consent request as risky (new multi-tenant, unverified publisher,
--   sensitive scopes): an illicit-consent phishing campaign is reaching the users. The block
--   protected these users, but the next target may be an admin who can consent, or the
--   campaign may already have succeeded with another user.
-- remediation: [disable_service_principal, revoke_consent_grant, revoke_sessions, ask_customer]
-- tables: [audits]
-- access: targeted
-- false_positives:
--   - A legitimate but unverified multi-tenant app that users try to adopt (grant admin consent after review)
-- references:
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_app_end_user_consent_blocked.yml
--   - https://github.com/splunk/security_content/blob/develop/detections/cloud/o365_user_consent_blocked_for_risky_application.yml
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/configure-risk-based-step-up-consent
--   - https://learn.microsoft.com/entra/architecture/security-operations-applications#end-user-stopped-due-to-risk-based-consent
-- catalog: [CONSENT-BLOCKED-RISK]
-- ---
WITH consents AS (
  SELECT *,
         COALESCE(target_id, target_name) AS app_key,
         SPLIT_PART(SPLIT_PART(COALESCE(changes, ''), 'Scope: ', 2), ',', 1) AS scope
  FROM audits
  WHERE activity = 'Consent to application'
),
blocked AS (
  SELECT * FROM consents
  WHERE result = 'failure'
    AND (COALESCE(result_reason, '') ILIKE '%risky application%'
         OR COALESCE(result_reason, '') ILIKE '%ConsentBlockedForRiskyApps%'
         OR COALESCE(changes, '') ILIKE '%Risky application detected%'
         OR COALESCE(changes, '') ILIKE '%ConsentBlockedForRiskyApps%')
),
per_app AS (
  SELECT app_key,
         MIN(target_name) AS app,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS attempts,
         COUNT(DISTINCT actor_upn) AS users,
         STRING_AGG(DISTINCT actor_upn, ';' ORDER BY actor_upn) AS blocked_users,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT NULLIF(TRIM(scope), ''), ' | ' ORDER BY NULLIF(TRIM(scope), '')) AS scopes,
         STRING_AGG(DISTINCT result_reason, ' | ' ORDER BY result_reason) AS reasons,
         ARRAY_AGG(id) AS record_ids
  FROM blocked
  GROUP BY app_key
),
-- the same app consented to successfully anywhere in the export
granted AS (
  SELECT c.app_key,
         COUNT(*) AS grants,
         STRING_AGG(DISTINCT COALESCE(c.actor_upn, c.actor_app_name), ';' ORDER BY COALESCE(c.actor_upn, c.actor_app_name)) AS consented_by,
         MIN(c.time) AS first_grant
  FROM consents c
  JOIN per_app p ON p.app_key = c.app_key
  WHERE c.result = 'success'
  GROUP BY c.app_key
)
SELECT p.first_seen,
       p.last_seen,
       CASE WHEN g.consented_by IS NULL THEN p.blocked_users
            ELSE CONCAT(p.blocked_users, ';', g.consented_by) END AS principals,
       p.ips,
       p.attempts AS evidence_count,
       CONCAT('Risk-based step-up consent blocked ', CAST(p.attempts AS VARCHAR), ' consent attempt(s) by ',
              CAST(p.users AS VARCHAR), ' user(s) (', p.blocked_users, ') to "', COALESCE(p.app, p.app_key), '"',
              CASE WHEN p.scopes IS NULL THEN '' ELSE CONCAT(' asking for ', p.scopes) END,
              CASE WHEN g.consented_by IS NULL THEN '; no successful consent to it in the export'
                   ELSE CONCAT('; the app was nevertheless consented to ', CAST(g.grants AS VARCHAR),
                               ' time(s) by ', g.consented_by) END) AS summary,
       CASE WHEN g.consented_by IS NULL THEN 'medium' ELSE 'high' END AS severity,
       g.consented_by IS NOT NULL AS access,
       p.record_ids,
       p.app,
       p.app_key AS app_object_id,
       p.blocked_users,
       p.users AS blocked_user_count,
       p.scopes,
       p.reasons AS result_reasons,
       g.consented_by,
       g.first_grant AS first_successful_consent
FROM per_app p
LEFT JOIN granted g ON g.app_key = p.app_key
