-- ---
-- id: IDP-POSTCOMP
-- title: Identity Protection - post-compromise behaviour (inbox rules, API enumeration, mass access)
-- kind: detection
-- severity: high
-- techniques: [T1114.003, T1564.008, T1087.004, T1098, T1530]
-- tactics: [collection, defense-evasion, discovery, persistence]
-- description: >-
--   Identity Protection risk detections that describe what an attacker does after getting in,
--   rather than how the sign-in looked (postcomp_types): suspiciousInboxForwarding and
--   mcasSuspiciousInboxManipulationRules (Defender for Cloud Apps saw forwarding or
--   rule changes that hide or move mail), suspiciousSendingPatterns, mcasFinSuspiciousFileAccess
--   (mass access to sensitive files), suspiciousAPITraffic (unusual Graph traffic or
--   directory enumeration) and anomalousUserActivity (unusual directory changes). One finding
--   per user, always high; detections in ignored_states (dismissed, confirmedSafe) are
--   skipped, remediated ones are kept (a password reset does not remove an inbox rule). The
--   detection sources and the user's latest risky-user state are evidence.
--   userReportedSuspiciousActivity is covered by MFA-DENY-FRAUD.
-- why: >-
--   These detections fire on the attacker's actions inside the mailbox, files and directory:
--   forwarding rules keep exfiltrating mail after the password is reset, and API enumeration
--   or directory changes prepare the next step. The account is compromised, and the
--   persistence it left behind must be found and removed.
-- remediation: [revoke_sessions, reset_password, confirm_compromised, review_configuration]
-- tables: [risk_detections, risky_users]
-- params:
--   postcomp_types: [suspiciousInboxForwarding, mcasSuspiciousInboxManipulationRules, suspiciousSendingPatterns, mcasFinSuspiciousFileAccess, suspiciousAPITraffic, anomalousUserActivity]
--   ignored_states: [dismissed, confirmedSafe]
-- false_positives:
--   - A user who legitimately forwards mail to a personal or partner address (the forwarding should still be reviewed against policy)
--   - Administrators running bulk directory scripts that Identity Protection has not seen from them before
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/identity_protection/azure_identity_protection_inbox_forwarding_rule.yml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/identity_protection/azure_identity_protection_inbox_manipulation.yml
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/identity_protection/azure_identity_protection_anomalous_user.yml
--   - https://learn.microsoft.com/security/operations/incident-response-playbook-phishing
-- catalog: [IDP-POSTCOMP]
-- ---
WITH hits AS (
  SELECT *, COALESCE(user_id, user_principal_name) AS ukey
  FROM user_risk_detections
  WHERE risk_event_type IN {{postcomp_types}}
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
per_user AS (
  SELECT ukey,
         MIN(user_principal_name) AS upn,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT risk_event_type) AS type_count,
         STRING_AGG(DISTINCT risk_event_type, ';' ORDER BY risk_event_type) AS risk_event_types,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT risk_level, ';' ORDER BY risk_level) AS risk_levels,
         STRING_AGG(DISTINCT risk_state, ';' ORDER BY risk_state) AS risk_states,
         STRING_AGG(DISTINCT risk_detail, ';' ORDER BY risk_detail) AS risk_details,
         STRING_AGG(DISTINCT source, ';' ORDER BY source) AS detection_sources,
         STRING_AGG(DISTINCT activity, ';' ORDER BY activity) AS activities,
         STRING_AGG(DISTINCT country, ';' ORDER BY country) AS countries,
         ARRAY_AGG(id) AS record_ids,
         MAX(user_is_privileged) AS user_is_privileged
  FROM hits
  GROUP BY ukey
)
SELECT p.first_seen,
       p.last_seen,
       COALESCE(p.upn, p.ukey) AS principals,
       p.ips,
       p.evidence_count,
       CONCAT('Identity Protection saw post-compromise behaviour for ', COALESCE(p.upn, p.ukey), ': ',
              CAST(p.evidence_count AS VARCHAR), ' detection(s) of ', CAST(p.type_count AS VARCHAR), ' type(s) (',
              REPLACE(p.risk_event_types, ';', ', '), ')',
              CASE WHEN p.first_seen = p.last_seen THEN CONCAT(' on ', STRFTIME(p.first_seen, '%Y-%m-%d %H:%M'), ' UTC')
                   ELSE CONCAT(' between ', STRFTIME(p.first_seen, '%Y-%m-%d %H:%M'), ' and ',
                               STRFTIME(p.last_seen, '%Y-%m-%d %H:%M'), ' UTC') END,
              CASE WHEN p.ips IS NULL THEN '' ELSE CONCAT(' from ', REPLACE(p.ips, ';', ', ')) END,
              CASE WHEN u.user_risk_state IS NULL THEN ''
                   ELSE CONCAT('; user risk now ', COALESCE(u.user_risk_level, '?'), '/', u.user_risk_state) END) AS summary,
       'high' AS severity,
       p.record_ids,
       p.risk_event_types, p.risk_levels, p.risk_states, p.risk_details, p.detection_sources, p.activities,
       p.countries, u.user_risk_level, u.user_risk_state, p.user_is_privileged
FROM per_user p
LEFT JOIN latest_user_risk u ON p.ukey = u.ukey
