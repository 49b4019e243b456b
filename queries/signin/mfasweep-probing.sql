-- ---
-- id: TOOL-MFASWEEP
-- title: MFASweep-style probing for MFA gaps
-- kind: detection
-- severity: medium
-- techniques: [T1078.004, T1110]
-- tactics: [initial-access, credential-access]
-- description: >-
--   One user from one untrusted IP, within window_minutes, signs in with at least min_os
--   distinct device operating systems or at least min_client_apps distinct client app
--   types (Browser, Mobile Apps and Desktop clients, Exchange ActiveSync, Exchange Web
--   Services, Other clients ...), or any sign-in carries MFASweep's Nintendo Switch user
--   agent. MFASweep cycles Graph ROPC, Azure PowerShell, EWS, ActiveSync and web logins
--   with Windows, Linux, macOS, Android, iPhone, Windows Phone and Nintendo Switch user
--   agents to find which path skips MFA. Windows are fixed buckets checked at two offsets
--   (half a window apart) so a burst across a bucket edge is not missed. One finding per
--   user and IP; high when any probe succeeded (a path without MFA exists), medium when the
--   password worked but MFA held.
-- why: >-
--   The attacker already has the password and is looking for the protocol or platform that
--   Conditional Access forgot. A success marks the exact gap they will use next.
-- remediation: [reset_password, revoke_sessions, block_legacy_auth, review_configuration]
-- tables: [signins]
-- params:
--   window_minutes: 10
--   min_os: 4
--   min_client_apps: 4
-- false_positives:
--   - Test harnesses of the identity team checking Conditional Access coverage (ask the customer)
-- references:
--   - https://github.com/dafthack/MFASweep
-- catalog: [TOOL-MFASWEEP]
-- ---
WITH probes AS (
  SELECT *,
         DIV(CAST(time AS BIGINT), {{window_minutes}} * 60000000) AS bucket_a,
         DIV(CAST(time AS BIGINT) + {{window_minutes}} * 30000000, {{window_minutes}} * 60000000) AS bucket_b
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND user_principal_name IS NOT NULL AND ip_address IS NOT NULL
    AND NOT ip_is_trusted
),
burst_a AS (
  SELECT user_principal_name, ip_address, bucket_a
  FROM probes
  GROUP BY user_principal_name, ip_address, bucket_a
  HAVING COUNT(DISTINCT device_os) >= {{min_os}}
      OR COUNT(DISTINCT client_app_used) >= {{min_client_apps}}
      OR SUM(CASE WHEN ua_tool = 'MFASweep' THEN 1 ELSE 0 END) > 0
),
burst_b AS (
  SELECT user_principal_name, ip_address, bucket_b
  FROM probes
  GROUP BY user_principal_name, ip_address, bucket_b
  HAVING COUNT(DISTINCT device_os) >= {{min_os}}
      OR COUNT(DISTINCT client_app_used) >= {{min_client_apps}}
      OR SUM(CASE WHEN ua_tool = 'MFASweep' THEN 1 ELSE 0 END) > 0
),
hits AS (
  SELECT p.* FROM probes p
  JOIN burst_a a ON p.user_principal_name = a.user_principal_name AND p.ip_address = a.ip_address AND p.bucket_a = a.bucket_a
  UNION ALL
  SELECT p.* FROM probes p
  JOIN burst_b b ON p.user_principal_name = b.user_principal_name AND p.ip_address = b.ip_address AND p.bucket_b = b.bucket_b
),
per_user_ip AS (
  SELECT user_principal_name, ip_address,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(DISTINCT id) AS evidence_count,
         COUNT(DISTINCT device_os) AS os_count,
         COUNT(DISTINCT client_app_used) AS client_app_count,
         COUNT(DISTINCT CASE WHEN result = 'success' THEN id END) AS successes,
         COUNT(DISTINCT CASE WHEN first_factor_ok THEN id END) AS password_ok,
         ARRAY_AGG(DISTINCT device_os) AS operating_systems,
         ARRAY_AGG(DISTINCT client_app_used) AS client_apps,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT resource_display_name) AS resources,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         STRING_AGG(DISTINCT CASE WHEN result = 'success' THEN COALESCE(client_app_used, '?') END, ', '
                    ORDER BY CASE WHEN result = 'success' THEN COALESCE(client_app_used, '?') END) AS open_paths,
         ARRAY_AGG(DISTINCT id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, ip_address
)
SELECT first_seen, last_seen, user_principal_name AS principals, ip_address AS ips, evidence_count,
       CONCAT(user_principal_name, ' probed from ', ip_address, ' with ', CAST(os_count AS VARCHAR), ' operating systems and ',
              CAST(client_app_count AS VARCHAR), ' client app types in ', CAST(evidence_count AS VARCHAR),
              ' sign-ins; password accepted ', CAST(password_ok AS VARCHAR), ' time(s), full success ',
              CAST(successes AS VARCHAR), CASE WHEN successes > 0 THEN CONCAT(' (', open_paths, ')') ELSE '' END) AS summary,
       CASE WHEN successes > 0 THEN 'high' ELSE 'medium' END AS severity,
       record_ids, operating_systems, client_apps, apps, resources, user_agents, error_codes
FROM per_user_ip
