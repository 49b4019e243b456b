-- ---
-- id: DUET-MFA-METHOD
-- title: New MFA / security-info method registered
-- kind: duet
-- severity: low
-- techniques: [T1556.006, T1098.005]
-- tactics: [persistence]
-- description: >-
--   Successful "User registered security info" or "Admin registered security info" audits
--   (Authentication Methods): a new MFA or password-reset method was added to an account.
--   The method comes from the result reason ("User registered Authenticator App with
--   Notification and Code"). Temporary Access Passes are left to TAP-CREATED. One question
--   per account and day; medium when the registration came from a hosting / VPN network or an
--   IP on an intel list, low otherwise. Privileged targets and registrations right after a
--   risky sign-in are the AUTHM-PRIV and AUTHM-AFTER-RISK detections.
-- why: >-
--   After phishing a session, attackers register their own authenticator or phone so they
--   can pass MFA again later. The user knows whether they added a method that day.
-- remediation: [ask_customer, require_mfa_reregistration, revoke_sessions]
-- tables: [audits]
-- false_positives:
--   - New starters and users replacing a phone
-- references:
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_change_to_authentication_method.yml
-- ---
WITH registrations AS (
  SELECT *,
         COALESCE(target_upn, actor_upn) AS account,
         -- "User registered Mobile Phone SMS" -> "Mobile Phone SMS"
         COALESCE(NULLIF(TRIM(REPLACE(REPLACE(COALESCE(result_reason, ''), 'User registered ', ''), 'Admin registered ', '')), ''),
                  'unspecified method') AS method
  FROM audits
  WHERE LOWER(activity) IN ('user registered security info', 'admin registered security info')
    AND result = 'success'
    AND NOT COALESCE(LOWER(result_reason) LIKE '%temporary access pass%', FALSE)
),
per_account AS (
  SELECT account,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT method, ', ' ORDER BY method) AS method_list,
         STRING_AGG(DISTINCT COALESCE(actor_upn, actor_app_name, actor_display_name), ', ' ORDER BY COALESCE(actor_upn, actor_app_name, actor_display_name)) AS registered_by,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT ip_hosting_provider, ', ' ORDER BY ip_hosting_provider) AS hosting,
         STRING_AGG(DISTINCT ip_intel, ', ' ORDER BY ip_intel) AS intel,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(id) AS record_ids
  FROM registrations
  WHERE account IS NOT NULL
  GROUP BY account, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen,
       last_seen,
       account AS principals,
       ips,
       evidence_count,
       CONCAT(account, ' registered new security info (', method_list, ') on ', day, ' at ',
              STRFTIME(first_seen, '%H:%M'), ' UTC',
              CASE WHEN registered_by IS NOT NULL AND registered_by <> account THEN CONCAT(', done by ', registered_by) ELSE '' END,
              ', from ', REPLACE(COALESCE(ips, 'an unknown IP'), ';', ', '),
              CASE WHEN hosting IS NULL THEN '' ELSE CONCAT(' (hosting network: ', hosting, ')') END,
              CASE WHEN intel IS NULL THEN '' ELSE CONCAT(' (intel: ', intel, ')') END) AS summary,
       CASE WHEN hosting IS NOT NULL OR intel IS NOT NULL THEN 'medium' ELSE 'low' END AS severity,
       record_ids,
       method_list AS methods,
       registered_by,
       hosting AS hosting_provider,
       intel,
       user_agents
FROM per_account
