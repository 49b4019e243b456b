-- ---
-- id: TOOL-AADINTERNALS
-- title: AADInternals used against the tenant
-- kind: detection
-- severity: high
-- techniques: [T1484.002, T1606.002, T1087.004]
-- tactics: [persistence, defense-evasion, discovery]
-- description: >-
--   AADInternals fingerprints, one finding per account. Sign-ins and audit events with the
--   tool's default user agent (the literal "AADInternals") are high; its ActiveSync
--   (Outlook-Android/2.0) and Autodiscover (AutodiscoverClient) user agents alone are medium,
--   because genuine clients also send them. A successful "Set domain authentication" or
--   "Set federation settings on domain" whose changes carry an AADInternals backdoor issuer
--   (http://any.sts/..., or an issuer URI ending in an 8-character random suffix as
--   ConvertTo-AADIntBackdoor writes) is critical; its actor is the principal.
-- why: >-
--   AADInternals is the standard toolkit for Entra ID post-exploitation. Its federation
--   backdoor lets the attacker forge SAML tokens for any user of the domain, MFA included,
--   and survives password resets until the domain is converted back to managed.
-- remediation: [revert_federation, revoke_sessions, reset_password, remove_role_assignment]
-- tables: [signins, audits]
-- false_positives:
--   - Outlook for Android ActiveSync traffic and Autodiscover clients (medium only)
--   - Authorised red-team or administrator use of AADInternals
-- references:
--   - https://aadinternals.com/aadinternals/
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Audit-DetectAADInternalsUse.kql
-- catalog: [TOOL-AADINTERNALS]
-- ---
WITH signin_hits AS (
  SELECT time, id, user_principal_name AS principal, ip_address, ua_tool AS signal, user_agent,
         COALESCE(app_display_name, app_id) AS what, result,
         CASE WHEN ua_tool = 'AADInternals' THEN 3 ELSE 2 END AS sev_rank
  FROM signins
  WHERE ua_tool LIKE 'AADInternals%' AND user_principal_name IS NOT NULL
),
audit_tool_hits AS (
  SELECT time, id, COALESCE(actor_upn, actor_app_name) AS principal, ip_address, ua_tool AS signal, user_agent,
         activity AS what, result,
         CASE WHEN ua_tool = 'AADInternals' THEN 3 ELSE 2 END AS sev_rank
  FROM audits
  WHERE ua_tool LIKE 'AADInternals%'
),
-- ConvertTo-AADIntBackdoor: the domain becomes federated with a fake issuer
backdoor_hits AS (
  SELECT time, id, COALESCE(actor_upn, actor_app_name) AS principal, ip_address,
         CONCAT('federation backdoor on ', COALESCE(target_name, 'a domain')) AS signal, user_agent,
         activity AS what, result, 4 AS sev_rank
  FROM audits
  WHERE activity IN ('Set domain authentication', 'Set federation settings on domain')
    AND result = 'success'
    AND (changes ILIKE '%any.sts%'
         OR changes ~ '(?mi)IssuerUri: [^\n]*-> "?https?://[^/\s"]+/[A-Za-z0-9]{8}"?\s*$')
),
evidence AS (
  SELECT * FROM signin_hits
  UNION ALL
  SELECT * FROM audit_tool_hits
  UNION ALL
  SELECT * FROM backdoor_hits
),
per_account AS (
  SELECT COALESCE(principal, 'unknown actor') AS principal,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         -- an audit with the tool's user agent that is also the backdoor appears twice
         COUNT(DISTINCT id) AS evidence_count,
         COUNT(DISTINCT CASE WHEN result = 'success' THEN id END) AS successes,
         STRING_AGG(DISTINCT signal, '; ' ORDER BY signal) AS signals,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT what) AS apps_or_activities,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT id) AS record_ids,
         MAX(sev_rank) AS sev_rank
  FROM evidence
  GROUP BY COALESCE(principal, 'unknown actor')
)
SELECT first_seen, last_seen, principal AS principals, ips, evidence_count,
       CONCAT('AADInternals activity by ', principal, ': ', signals, ' (', CAST(evidence_count AS VARCHAR),
              ' event(s), ', CAST(successes AS VARCHAR), ' successful)') AS summary,
       CASE sev_rank WHEN 4 THEN 'critical' WHEN 3 THEN 'high' ELSE 'medium' END AS severity,
       record_ids, signals, apps_or_activities, user_agents
FROM per_account
