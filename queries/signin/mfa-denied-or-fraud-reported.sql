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
--   and Identity Protection userReportedSuspiciousActivity / mfaFraud detections. Fraud and
--   suspicious-activity reports and repeated wrong numbers are high; a plain decline is at
--   most medium (Sentinel's ExplicitMFADeny is Medium), and a decline followed within
--   approve_minutes by the user's own successful sign-in from the same IP and the same
--   device (or user agent) is the user's own slip and not a finding.
-- why: >-
--   The user was asked to approve a sign-in they did not start and said no: whoever started
--   it typed the right password. A failed number match means the same thing.
-- remediation: [reset_password, revoke_sessions, block_ip]
-- tables: [signins, audits, risk_detections]
-- params:
--   number_window_minutes: 10
--   min_number_mismatches: 3
--   approve_minutes: 10
-- false_positives:
--   - A user who declines their own prompt by mistake (ask them)
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/ExplicitMFADeny.yaml
--   - https://learn.microsoft.com/entra/identity/authentication/howto-mfa-mfasettings#report-suspicious-activity
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Identity-PotentialMFANumberMatchingAbuse.kql
-- catalog: [MFA-DENY-FRAUD]
-- ---
WITH si AS (
  SELECT id, time, user_principal_name, ip_address, correlation_id, error_code, device_id, user_agent,
         CONCAT(COALESCE(ARRAY_TO_STRING(auth_step_details, '|'), ''), '|', COALESCE(status_detail, ''), '|',
                COALESCE(mfa_result_detail, '')) AS detail
  FROM signins
  WHERE user_principal_name IS NOT NULL
),
si_raw AS (
  SELECT id, time, user_principal_name, ip_address, device_id, user_agent,
         CASE
           WHEN detail ILIKE '%fraud%' THEN 'fraud reported at the MFA prompt'
           WHEN detail ILIKE '%SuspiciousActivityReported%' OR detail ILIKE '%suspicious activity reported%'
             THEN 'suspicious activity reported at the MFA prompt'
           WHEN error_code = 500121 AND detail ILIKE '%MFA denied; user declined the authentication%'
             THEN 'MFA request declined'
         END AS signal
  FROM si
),
own_approval AS (
  SELECT DISTINCT d.id
  FROM si_raw d
  JOIN signins s ON s.user_principal_name = d.user_principal_name AND s.ip_address = d.ip_address
  WHERE d.signal = 'MFA request declined' AND s.result = 'success' AND s.time > d.time
    AND CAST(s.time AS BIGINT) - CAST(d.time AS BIGINT) <= {{approve_minutes}} * 60000000
    AND (s.device_id = d.device_id OR (s.device_id IS NULL AND d.device_id IS NULL AND s.user_agent = d.user_agent))
),
si_signals AS (
  SELECT r.id, r.time, r.user_principal_name, r.ip_address, r.signal,
         CASE WHEN r.signal = 'MFA request declined' THEN 1 ELSE 2 END AS level
  FROM si_raw r
  LEFT JOIN own_approval o ON o.id = r.id
  WHERE r.signal IS NOT NULL AND o.id IS NULL
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
  SELECT id, time, user_principal_name, ip_address, 'wrong number chosen repeatedly' AS signal, 2 AS level
  FROM mismatch_counts
  WHERE in_window >= {{min_number_mismatches}}
     OR (correlation_id IS NOT NULL AND in_flow >= {{min_number_mismatches}})
),
audit_signals AS (
  SELECT id, time, COALESCE(target_upn, actor_upn) AS user_principal_name, ip_address, activity AS signal, 2 AS level
  FROM audits
  WHERE activity IN ('Fraud reported - user is blocked for MFA', 'Fraud reported - no action taken',
                     'Suspicious activity reported')
),
risk_signals AS (
  SELECT id, time, user_principal_name, ip_address, CONCAT('Identity Protection ', risk_event_type) AS signal,
         2 AS level
  FROM user_risk_detections
  WHERE risk_event_type IN ('userReportedSuspiciousActivity', 'mfaFraud')
),
signals AS (
  SELECT id, time, user_principal_name, ip_address, signal, level, 'signins' AS source FROM si_signals
  UNION ALL
  SELECT id, time, user_principal_name, ip_address, signal, level, 'signins' AS source FROM mismatch_signals
  UNION ALL
  SELECT id, time, user_principal_name, ip_address, signal, level, 'audits' AS source FROM audit_signals
  UNION ALL
  SELECT id, time, user_principal_name, ip_address, signal, level, 'risk_detections' AS source FROM risk_signals
),
per_day AS (
  SELECT user_principal_name, STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS events,
         MAX(level) AS level,
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
       CASE WHEN level >= 2 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       signals, sources
FROM per_day
