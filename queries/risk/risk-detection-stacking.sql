-- ---
-- id: IDP-STACK
-- title: Several Identity Protection risk detections for one user within minutes
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access, credential-access]
-- description: >-
--   Two or more distinct Identity Protection risk detections (distinct detection ids; the same
--   detection exported twice counts once) for one user whose activity times lie within
--   window_minutes (10) of each other. Detections in ignored_states (dismissed,
--   confirmedSafe) do not count. One finding per user and day of the stack. Severity: high
--   when any stacked detection is high level, or when the types include one of
--   token_types (anomalousToken, attackerinTheMiddle, unfamiliarFeatures) and the user had a
--   successful sign-in within window_minutes of the stack (or a stacked detection's request
--   id is a successful sign-in); medium otherwise. Each detection is also reported by its own
--   IDP-* rule; this finding ranks the user whose signals pile up.
-- why: >-
--   One risk detection is often a traveller or a VPN. Several different detections on the
--   same sign-in or the same few minutes (an anonymous IP plus unfamiliar properties plus a
--   malicious IP) are far less likely to be innocent, and they mark the account to look at
--   first.
-- remediation: [revoke_sessions, reset_password, confirm_compromised]
-- tables: [risk_detections, signins]
-- params:
--   window_minutes: 10
--   ignored_states: [dismissed, confirmedSafe]
--   token_types: [anomalousToken, attackerinTheMiddle, unfamiliarFeatures]
-- false_positives:
--   - A user on Tor or an anonymising VPN, where one sign-in raises both anonymizedIPAddress and an offline maliciousIPAddress
--   - Travel that trips unfamiliarFeatures and unlikelyTravel on the same sign-in
-- references:
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/initial_access_entra_id_protection_alerts_for_user.toml
--   - https://github.com/SigmaHQ/sigma/tree/master/rules/cloud/azure/identity_protection
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
--   - https://learn.microsoft.com/entra/id-protection/howto-identity-protection-investigate-risk
-- catalog: [IDP-CORRELATED]
-- ---
WITH hits AS (
  SELECT id, time, request_id, risk_event_type, risk_level, risk_state, ip_address, detection_timing,
         user_principal_name, user_is_privileged,
         COALESCE(user_id, user_principal_name) AS ukey
  FROM user_risk_detections
  WHERE COALESCE(user_id, user_principal_name) IS NOT NULL
    AND id IS NOT NULL
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
-- every pair of distinct detections of one user within the window (a before or with b)
pairs AS (
  SELECT a.ukey, a.id AS a_id, b.id AS b_id, STRFTIME(a.time, '%Y-%m-%d') AS day
  FROM hits a
  JOIN hits b ON a.ukey = b.ukey
  WHERE a.id <> b.id
    AND CAST(b.time AS BIGINT) >= CAST(a.time AS BIGINT)
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{window_minutes}} * 60000000
),
members AS (
  SELECT DISTINCT ukey, day, a_id AS id FROM pairs
  UNION
  SELECT DISTINCT ukey, day, b_id AS id FROM pairs
),
stacked AS (
  SELECT m.ukey, m.day, h.id, h.time, h.request_id, h.risk_event_type, h.risk_level, h.risk_state,
         h.ip_address, h.detection_timing, h.user_principal_name, h.user_is_privileged,
         CASE WHEN h.risk_event_type IN {{token_types}} THEN 1 ELSE 0 END AS token_type
  FROM members m
  JOIN hits h ON h.id = m.id AND h.ukey = m.ukey
),
per_stack AS (
  SELECT ukey, day,
         MIN(user_principal_name) AS upn,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(DISTINCT id) AS detections,
         COUNT(DISTINCT risk_event_type) AS type_count,
         STRING_AGG(DISTINCT risk_event_type, ';' ORDER BY risk_event_type) AS risk_event_types,
         STRING_AGG(DISTINCT risk_level, ';' ORDER BY risk_level) AS risk_levels,
         STRING_AGG(DISTINCT risk_state, ';' ORDER BY risk_state) AS risk_states,
         STRING_AGG(DISTINCT detection_timing, ';' ORDER BY detection_timing) AS detection_timing,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         STRING_AGG(DISTINCT request_id, ';' ORDER BY request_id) AS signin_request_ids,
         MAX(CASE WHEN risk_level = 'high' THEN 1 ELSE 0 END) AS any_high,
         MAX(token_type) AS any_token_type,
         MAX(user_is_privileged) AS user_is_privileged,
         ARRAY_AGG(DISTINCT id) AS record_ids
  FROM stacked
  GROUP BY ukey, day
),
-- successful interactive / non-interactive sign-ins of the user around the stack, or the
-- sign-ins the stacked detections refer to
successes AS (
  SELECT p.ukey, p.day, s.id AS signin_id
  FROM per_stack p
  JOIN signins s ON COALESCE(s.user_id, s.user_principal_name) = p.ukey
  WHERE s.result = 'success'
    AND s.category IN ('interactive', 'non_interactive')
    AND CAST(s.time AS BIGINT) >= CAST(p.first_seen AS BIGINT) - {{window_minutes}} * 60000000
    AND CAST(s.time AS BIGINT) <= CAST(p.last_seen AS BIGINT) + {{window_minutes}} * 60000000
  UNION
  SELECT st.ukey, st.day, s.id AS signin_id
  FROM stacked st
  JOIN signins s ON s.id = st.request_id
  WHERE s.result = 'success'
),
success_count AS (
  SELECT ukey, day, COUNT(DISTINCT signin_id) AS successful_signins
  FROM successes
  GROUP BY ukey, day
),
judged AS (
  SELECT p.*, COALESCE(c.successful_signins, 0) AS successful_signins,
         CASE WHEN p.any_high = 1 THEN 3
              WHEN p.any_token_type = 1 AND COALESCE(c.successful_signins, 0) > 0 THEN 3
              ELSE 2 END AS sev_rank
  FROM per_stack p
  LEFT JOIN success_count c ON p.ukey = c.ukey AND p.day = c.day
)
SELECT first_seen,
       last_seen,
       COALESCE(upn, ukey) AS principals,
       ips,
       detections AS evidence_count,
       CONCAT(CAST(detections AS VARCHAR), ' Identity Protection detections of ', CAST(type_count AS VARCHAR),
              ' type(s) (', REPLACE(risk_event_types, ';', ', '), '; levels ', COALESCE(REPLACE(risk_levels, ';', ', '), '?'),
              ') for ', COALESCE(upn, ukey), ' within ',
              CAST(DIV(CAST(last_seen AS BIGINT) - CAST(first_seen AS BIGINT), 60000000) AS VARCHAR),
              ' min on ', day,
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', REPLACE(ips, ';', ', ')) END,
              CASE WHEN successful_signins > 0
                   THEN CONCAT('; ', CAST(successful_signins AS VARCHAR), ' successful sign-in(s) around them')
                   ELSE '' END) AS summary,
       CASE WHEN sev_rank >= 3 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       day,
       risk_event_types,
       risk_levels,
       risk_states,
       detection_timing,
       signin_request_ids,
       successful_signins,
       user_is_privileged
FROM judged
