-- ---
-- id: DEV-REG-NO-MFA
-- title: Device registered without MFA or by an unusual client
-- kind: detection
-- severity: medium
-- techniques: [T1098.005]
-- tactics: [persistence]
-- description: >-
--   Per user and day, any of: (1) a successful interactive or non-interactive sign-in to the
--   Device Registration Service (not refreshed from a primary refresh token) that was
--   single-factor while Conditional Access succeeded or did not apply; (2) a successful
--   "Register device" whose user agent is not a native registration client (Dsreg*,
--   DeviceRegistrationClient*, Dalvik*) or is a known attack tool such as ROADtx's defaults;
--   (3) at least min_devices distinct devices registered by the user within burst_minutes.
--   Medium; high when two of these coincide or the source IP is a hosting or intel-listed
--   network. A registration by a non-native client counts only when the user did not
--   complete MFA (a multi-factor sign-in from the same IP within mfa_minutes before it):
--   with MFA satisfied it is an ordinary enrolment, unless the client is an attack tool.
--   Not implemented: the Add device → Add registered users → Add registered owner
--   chain within one correlation (the normal registration writes it too). record_ids are the
--   Register device audits; the sign-ins are listed in signin_ids.
-- why: >-
--   A device the attacker registers gets a primary refresh token: it satisfies "compliant" or
--   "registered device" policies and keeps issuing tokens after the password is reset.
-- remediation: [remove_device, revoke_sessions, reset_password]
-- tables: [audits, signins]
-- params:
--   min_devices: 3
--   burst_minutes: 15
--   mfa_minutes: 30
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-devices
--   - https://dirkjanm.io/abusing-azure-ad-sso-with-the-primary-refresh-token/
--   - https://github.com/dirkjanm/ROADtools
-- false_positives:
--   - Tenants that do not require MFA for device registration (fix the policy, MS.AAD.3.8v1)
--   - Scripted Autopilot or kiosk enrolment by the device team
-- catalog: [DEV-REG-NO-MFA]
-- ---
WITH registrations0 AS (
  SELECT id, time, actor_upn AS account, ip_address, user_agent, ua_tool, target_id AS device_id,
         COALESCE(target_name, target_id) AS device,
         (ip_is_hosting OR ip_intel IS NOT NULL) AS risky_ip,
         (user_agent IS NOT NULL
          AND NOT (user_agent ILIKE 'Dsreg%' OR user_agent ILIKE 'DeviceRegistrationClient%' OR user_agent ILIKE 'Dalvik%'))
           AS odd_client,
         COALESCE(ua_tool_kind = 'attack_tool', FALSE) AS attack_tool
  FROM audits
  WHERE activity = 'Register device' AND result = 'success' AND actor_upn IS NOT NULL
),
-- registrations preceded by the user's own multi-factor sign-in from the same address
with_mfa AS (
  SELECT DISTINCT r.id
  FROM registrations0 r
  JOIN signins s ON s.user_principal_name = r.account AND s.ip_address = r.ip_address
  WHERE s.result = 'success' AND s.authentication_requirement = 'multiFactorAuthentication'
    AND s.time <= r.time AND CAST(r.time AS BIGINT) - CAST(s.time AS BIGINT) <= {{mfa_minutes}} * 60000000
),
registrations AS (
  SELECT r.*, r.attack_tool OR (r.odd_client AND m.id IS NULL) AS unusual_client
  FROM registrations0 r
  LEFT JOIN with_mfa m ON m.id = r.id
),
-- registrations that start a run of min_devices distinct devices within burst_minutes
bursts AS (
  SELECT a.id
  FROM registrations a
  JOIN registrations b ON a.account = b.account
  WHERE b.time >= a.time
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{burst_minutes}} * 60000000
  GROUP BY a.id
  HAVING COUNT(DISTINCT b.device_id) >= {{min_devices}}
),
facts AS (
  SELECT user_principal_name AS account, time, 'single_factor_signin' AS fact, id AS ref,
         ip_address, CONCAT(COALESCE(app_display_name, app_id, '?'), ' (CA ', COALESCE(conditional_access_status, '?'), ')') AS detail,
         (ip_is_hosting OR ip_intel IS NOT NULL) AS risky_ip
  FROM signins
  WHERE (resource_display_name = 'Device Registration Service' OR resource_id = '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9')
    AND result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND COALESCE(incoming_token_type, 'none') <> 'primaryRefreshToken'
    AND COALESCE(authentication_requirement, '') <> 'multiFactorAuthentication'
    AND COALESCE(conditional_access_status, 'notApplied') IN ('success', 'notApplied')
    AND user_principal_name IS NOT NULL
  UNION ALL
  SELECT r.account, r.time,
         CASE WHEN r.unusual_client THEN 'unusual_client_registration' ELSE 'registration' END AS fact,
         r.id AS ref, r.ip_address, CONCAT(r.device, ' via ', COALESCE(r.user_agent, 'no user agent')) AS detail,
         r.risky_ip
  FROM registrations r
  UNION ALL
  SELECT r.account, r.time, 'burst' AS fact, r.id AS ref, r.ip_address, r.device AS detail, r.risky_ip
  FROM registrations r
  JOIN bursts b ON b.id = r.id
),
per_day AS (
  SELECT account,
         STRFTIME(time, '%Y-%m-%d') AS day,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         SUM(CASE WHEN fact = 'single_factor_signin' THEN 1 ELSE 0 END) AS single_factor_signins,
         SUM(CASE WHEN fact = 'unusual_client_registration' THEN 1 ELSE 0 END) AS unusual_client_registrations,
         SUM(CASE WHEN fact IN ('registration', 'unusual_client_registration') THEN 1 ELSE 0 END) AS registrations,
         SUM(CASE WHEN fact = 'burst' THEN 1 ELSE 0 END) AS burst_starts,
         STRING_AGG(DISTINCT device_detail, '; ' ORDER BY device_detail) AS devices,
         STRING_AGG(DISTINCT signin_detail, '; ' ORDER BY signin_detail) AS signin_apps,
         STRING_AGG(DISTINCT signin_ref, ';' ORDER BY signin_ref) AS signin_ids,
         STRING_AGG(DISTINCT registration_ref, ';' ORDER BY registration_ref) AS record_ids,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         MAX(CASE WHEN risky_ip THEN 1 ELSE 0 END) AS risky_ip
  FROM (
    SELECT *,
           CASE WHEN fact IN ('registration', 'unusual_client_registration') THEN detail END AS device_detail,
           CASE WHEN fact IN ('registration', 'unusual_client_registration') THEN ref END AS registration_ref,
           CASE WHEN fact = 'single_factor_signin' THEN detail END AS signin_detail,
           CASE WHEN fact = 'single_factor_signin' THEN ref END AS signin_ref
    FROM facts
  ) f
  GROUP BY account, STRFTIME(time, '%Y-%m-%d')
),
scored AS (
  SELECT *,
         CASE WHEN single_factor_signins > 0 THEN 1 ELSE 0 END
           + CASE WHEN unusual_client_registrations > 0 THEN 1 ELSE 0 END
           + CASE WHEN burst_starts > 0 THEN 1 ELSE 0 END AS signals
  FROM per_day
)
SELECT first_seen,
       last_seen,
       account AS principals,
       ips,
       single_factor_signins + registrations AS evidence_count,
       CONCAT(account, ' on ', day, ': ', CAST(registrations AS VARCHAR), ' device registration(s)',
              CASE WHEN unusual_client_registrations > 0
                   THEN CONCAT(' (', CAST(unusual_client_registrations AS VARCHAR), ' by a non-native client)') ELSE '' END,
              CASE WHEN burst_starts > 0
                   THEN CONCAT(', ', CAST({{min_devices}} AS VARCHAR), '+ devices within ', CAST({{burst_minutes}} AS VARCHAR), ' minutes')
                   ELSE '' END,
              ', ', CAST(single_factor_signins AS VARCHAR), ' single-factor sign-in(s) to the Device Registration Service',
              CASE WHEN ips IS NULL THEN '' ELSE CONCAT(' from ', ips) END) AS summary,
       CASE WHEN signals >= 2 OR risky_ip = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       devices,
       signin_apps,
       signin_ids,
       single_factor_signins,
       unusual_client_registrations,
       registrations
FROM scored
WHERE signals > 0
