-- ---
-- id: IDP-NETWORK
-- title: Identity Protection - anonymous, malicious or threat-actor IP
-- kind: detection
-- severity: medium
-- techniques: [T1090.003, T1078.004]
-- tactics: [command-and-control, initial-access]
-- description: >-
--   Identity Protection risk detections of the network family: anonymizedIPAddress (Tor,
--   anonymous VPN), riskyIPAddress (Defender for Cloud Apps), maliciousIPAddress,
--   suspiciousIPAddress and malwareInfectedIPAddress (older names), nationStateIP (a
--   verified threat-actor IP) and investigationsThreatIntelligence. One finding per user and
--   risk type. High for nationStateIP and investigationsThreatIntelligence, medium otherwise.
--   Detections in ignored_states (dismissed, confirmed safe, remediated, e.g. by an MFA the
--   risk policy demanded) are skipped. The linked sign-in's result and app and the user's
--   latest risky-user state are evidence.
-- why: >-
--   Attackers hide behind Tor and anonymising VPNs, and Microsoft's threat intelligence tags
--   infrastructure it has seen in attacks. A sign-in from such an address that the user did
--   not make means the password (or a token) is in the wrong hands.
-- remediation: [revoke_sessions, reset_password, block_ip]
-- tables: [risk_detections, signins, risky_users]
-- params:
--   ignored_states: [dismissed, confirmedSafe, remediated]
-- false_positives:
--   - Users of consumer privacy VPNs or iCloud Private Relay
-- references:
--   - https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks
-- catalog: [IDP-NETWORK]
-- ---
WITH hits AS (
  SELECT *,
         COALESCE(user_id, user_principal_name) AS ukey,
         CASE WHEN risk_event_type IN ('nationStateIP', 'investigationsThreatIntelligence') THEN 3 ELSE 2 END AS sev_rank
  FROM user_risk_detections
  WHERE risk_event_type IN ('anonymizedIPAddress', 'riskyIPAddress', 'maliciousIPAddress', 'suspiciousIPAddress',
                            'malwareInfectedIPAddress', 'nationStateIP', 'investigationsThreatIntelligence')
    AND COALESCE(risk_state, '') NOT IN {{ignored_states}}
),
-- the sign-in each detection refers to (its request id is the sign-in id)
linked AS (
  SELECT DISTINCT s.id AS request_id, s.result AS signin_result, s.app_display_name AS signin_app
  FROM signins s
  JOIN hits h ON s.id = h.request_id
),
per_user AS (
  SELECT h.ukey, h.risk_event_type,
         MIN(h.user_principal_name) AS upn,
         MIN(h.time) AS first_seen,
         MAX(h.time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT h.ip_address, ';' ORDER BY h.ip_address) AS ips,
         ARRAY_AGG(DISTINCT h.risk_level) AS risk_levels,
         ARRAY_AGG(DISTINCT h.risk_state) AS risk_states,
         ARRAY_AGG(DISTINCT h.risk_detail) AS risk_details,
         ARRAY_AGG(DISTINCT h.source) AS detection_sources,
         ARRAY_AGG(DISTINCT h.country) AS countries,
         ARRAY_AGG(DISTINCT h.ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(DISTINCT l.signin_result) AS signin_results,
         ARRAY_AGG(DISTINCT l.signin_app) AS signin_apps,
         ARRAY_AGG(DISTINCT h.request_id) AS signin_request_ids,
         ARRAY_AGG(h.id) AS record_ids,
         MAX(h.sev_rank) AS sev_rank,
         MAX(h.user_is_privileged) AS user_is_privileged
  FROM hits h
  LEFT JOIN linked l ON h.request_id = l.request_id
  GROUP BY h.ukey, h.risk_event_type
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
       p.risk_event_type, p.risk_levels, p.risk_states, p.risk_details, p.detection_sources, p.countries,
       p.hosting_providers, p.signin_results, p.signin_apps, p.signin_request_ids,
       u.user_risk_level, u.user_risk_state, p.user_is_privileged
FROM per_user p
LEFT JOIN latest_user_risk u ON p.ukey = u.ukey
