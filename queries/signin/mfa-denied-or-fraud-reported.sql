-- ---
-- id: MFA-DENY-FRAUD
-- title: User denied an MFA request or reported it as fraud
-- kind: detection
-- severity: high
-- techniques: [T1621, T1078.004]
-- tactics: [credential-access, initial-access]
-- description: >-
--   One finding per account and UTC day combining: sign-ins failing with 500121 whose step,
--   status or MFA details read "MFA denied; user declined the authentication"; sign-ins whose
--   details mention fraud ("Phone App Reported Fraud", "fraud code entered") or
--   SuspiciousActivityReported; at least min_number_mismatches "MFA denied; user did not
--   select the correct number" in one sign-in flow or for one account within
--   number_window_minutes; audit events "Fraud reported - user is blocked for MFA", "Fraud
--   reported - no action taken" and "Suspicious activity reported" (target user, else actor);
--   and Identity Protection userReportedSuspiciousActivity / mfaFraud detections.
-- why: >-
--   The user was asked to approve a sign-in they did not start and said no: whoever started
--   it typed the right password. A failed number match means the same thing.
-- remediation: [reset_password, revoke_sessions, block_ip]
-- tables: [signins, audits, risk_detections]
-- params:
--   number_window_minutes: 10
--   min_number_mismatches: 3
-- false_positives:
--   - A user who declines their own prompt by mistake (ask them)
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/ExplicitMFADeny.yaml
--   - https://learn.microsoft.com/entra/identity/authentication/howto-mfa-mfasettings#report-suspicious-activity
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-PotentialMFANumberMatchingAbuse.kql
-- catalog: [MFA-DENY-FRAUD]
-- ---
WITH si AS (
  SELECT id, time, user_principal_name, ip_address, correlation_id, error_code,
         CONCAT(COALESCE(ARRAY_TO_STRING(auth_step_details, '|'), ''), '|', COALESCE(status_detail, ''), '|',
                COALESCE(mfa_result_detail, '')) AS detail
  FROM signins
  WHERE user_principal_name IS NOT NULL
),
si_signals AS (
  SELECT id, time, user_principal_name, ip_address,
         CASE
           WHEN detail ILIKE '%fraud%' THEN 'fraud reported at the MFA prompt'
           WHEN detail ILIKE '%SuspiciousActivityReported%' OR detail ILIKE '%suspicious activity reported%'
             THEN 'suspicious activity reported at the MFA prompt'
           WHEN error_code = 500121 AND detail ILIKE '%MFA denied; user declined the authentication%'
             THEN 'MFA request declined'
         END AS signal
  FROM si
),
-- repeated wrong number picks: per sign-in flow, or per account in a short window
mismatches AS (
  SELECT id, time, user_principal_name, ip_address, correlation_id,
         DIV(CAST(time AS BIGINT), {{number_window_minutes}} * 60000000) AS bucket
  FROM si
  WHERE detail ILIKE '%did not select the correct number%'
),
mismatch_counts AS (
  SELECT *,
         COUNT(*) OVER (PARTITION BY user_principal_name, bucket) AS in_window,
         COUNT(*) OVER (PARTITION BY correlation_id) AS in_flow
  FROM mismatches
),
mismatch_signals AS (
  SELECT id, time, user_principal_name, ip_address, 'wrong number chosen repeatedly' AS signal
  FROM mismatch_counts
  WHERE in_window >= {{min_number_mismatches}}
     OR (correlation_id IS NOT NULL AND in_flow >= {{min_number_mismatches}})
),
audit_signals AS (
  SELECT id, time, COALESCE(target_upn, actor_upn) AS user_principal_name, ip_address, activity AS signal
  FROM audits
  WHERE activity IN ('Fraud reported - user is blocked for MFA', 'Fraud reported - no action taken',
                     'Suspicious activity reported')
),
risk_signals AS (
  SELECT id, time, user_principal_name, ip_address, CONCAT('Identity Protection ', risk_event_type) AS signal
  FROM risk_detections
  WHERE risk_event_type IN ('userReportedSuspiciousActivity', 'mfaFraud')
),
signals AS (
  SELECT id, time, user_principal_name, ip_address, signal, 'signins' AS source FROM si_signals WHERE signal IS NOT NULL
  UNION ALL
  SELECT id, time, user_principal_name, ip_address, signal, 'signins' AS source FROM mismatch_signals
  UNION ALL
  SELECT id, time, user_principal_name, ip_address, signal, 'audits' AS source FROM audit_signals
  UNION ALL
  SELECT id, time, user_principal_name, ip_address, signal, 'risk_detections' AS source FROM risk_signals
),
per_day AS (
  SELECT user_principal_name, STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS events,
         ARRAY_AGG(DISTINCT signal) AS signals,
         STRING_AGG(DISTINCT signal, '; ') AS signal_text,
         ARRAY_AGG(DISTINCT source) AS sources,
         STRING_AGG(DISTINCT ip_address, ';') AS ips,
         ARRAY_AGG(id) AS record_ids
  FROM signals
  WHERE user_principal_name IS NOT NULL
  GROUP BY user_principal_name, STRFTIME(time, '%Y-%m-%d')
)
SELECT first_seen, last_seen,
       user_principal_name AS principals,
       ips,
       events AS evidence_count,
       CONCAT(user_principal_name, ' rejected or reported a sign-in on ', day, ': ', signal_text, ' (',
              CAST(events AS VARCHAR), ' event(s))') AS summary,
       record_ids,
       signals, sources
FROM per_day
