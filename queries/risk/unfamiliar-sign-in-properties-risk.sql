-- ---
-- id: IDP-BEHAVIOR
-- title: Identity Protection - unfamiliar sign-in properties, travel or new country
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access]
-- description: >-
--   Identity Protection risk detections of the behaviour family: unfamiliarFeatures
--   (unfamiliar sign-in properties), unlikelyTravel and impossibleTravel (atypical travel),
--   mcasImpossibleTravel, newCountry and suspiciousBrowser. One finding per user and risk
--   type. High when a detection refers to a non-interactive sign-in (the catalog's "more
--   scrutiny": unfamiliar properties on a refresh-token sign-in suggest token replay) or
--   its level is high; medium otherwise. Detections in ignored_states (dismissed, confirmed
--   safe, remediated, e.g. by an MFA the risk policy demanded) are skipped. The linked
--   sign-in and the user's latest risky-user state are evidence.
-- why: >-
--   These are Microsoft's behavioural signals that a sign-in did not come from the user's
--   usual device, place or browser. Left open they are the first trace of a stolen password
--   or session.
-- remediation: [revoke_sessions, reset_password, ask_customer]
-- tables: [risk_detections, signins, risky_users]
-- params:
--   ignored_states: [dismissed, confirmedSafe, remediated]
-- false_positives:
--   - Genuine travel, new devices and new browsers
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
-- catalog: [IDP-BEHAVIOR]
-- ---
WITH detections AS (
  SELECT *, COALESCE(user_id, user_principal_name) AS ukey
  FROM user_risk_detections
  WHERE risk_event_type IN ('unfamiliarFeatures', 'unlikelyTravel', 'impossibleTravel', 'mcasImpossibleTravel',
                            'newCountry', 'suspiciousBrowser')
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
-- the sign-in each detection refers to (its request id is the sign-in id)
linked AS (
  SELECT DISTINCT s.id AS request_id, s.category AS signin_category, s.result AS signin_result,
         s.app_display_name AS signin_app
  FROM signins s
  JOIN detections d ON s.id = d.request_id
),
hits AS (
  SELECT d.*, l.signin_category, l.signin_result, l.signin_app,
         CASE WHEN l.signin_category = 'non_interactive' OR d.risk_level = 'high' THEN 3 ELSE 2 END AS sev_rank
  FROM detections d
  LEFT JOIN linked l ON d.request_id = l.request_id
),
per_user AS (
  SELECT ukey, risk_event_type,
         MIN(user_principal_name) AS upn,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT risk_level) AS risk_levels,
         ARRAY_AGG(DISTINCT risk_state) AS risk_states,
         ARRAY_AGG(DISTINCT detection_timing) AS detection_timing,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT city) AS cities,
         ARRAY_AGG(DISTINCT signin_category) AS signin_categories,
         ARRAY_AGG(DISTINCT signin_result) AS signin_results,
         ARRAY_AGG(DISTINCT signin_app) AS signin_apps,
         ARRAY_AGG(DISTINCT request_id) AS signin_request_ids,
         ARRAY_AGG(id) AS record_ids,
         MAX(sev_rank) AS sev_rank,
         MAX(user_is_privileged) AS user_is_privileged
  FROM hits
  GROUP BY ukey, risk_event_type
)
SELECT p.first_seen, p.last_seen,
       COALESCE(p.upn, p.ukey) AS principals,
       p.ips,
       p.evidence_count,
       CONCAT('Identity Protection raised ', p.risk_event_type, ' for ', COALESCE(p.upn, p.ukey), ': ',
              CAST(p.evidence_count AS VARCHAR), ' detection(s)',
              CASE WHEN p.ips IS NULL THEN '' ELSE CONCAT(' from ', p.ips) END,
              CASE WHEN u.user_risk_state IS NULL THEN ''
                   ELSE CONCAT('; user risk now ', COALESCE(u.user_risk_level, '?'), '/', u.user_risk_state) END) AS summary,
       CASE WHEN p.sev_rank >= 3 THEN 'high' ELSE 'medium' END AS severity,
       p.record_ids,
       p.risk_event_type, p.risk_levels, p.risk_states, p.detection_timing, p.countries, p.cities,
       p.signin_categories, p.signin_results, p.signin_apps, p.signin_request_ids,
       u.user_risk_level, u.user_risk_state, p.user_is_privileged
FROM per_user p
LEFT JOIN latest_user_risk u ON p.ukey = u.ukey
