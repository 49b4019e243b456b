-- ---
-- id: TOOL-TEAMFILTRATION
-- title: TeamFiltration spraying or enumeration
-- kind: detection
-- severity: high
-- techniques: [T1110.003, T1087.004]
-- tactics: [credential-access, discovery]
-- description: >-
--   Sign-ins with TeamFiltration's hard-coded Teams/1.3.00.30866 Electron 8.5.1 user agent.
--   One finding for the campaign in the export: the accounts whose password was validated
--   (success or a code that means the password was right, first_factor_ok) are the
--   principals; every targeted account and source IP is evidence. TeamFiltration rotates
--   source IPs through cloud API gateways, so the finding is not split per IP.
-- why: >-
--   TeamFiltration (UNK_SneakyStrike campaign, 2024-25) sprays passwords across the tenant,
--   then uses the working accounts to enumerate Teams users and exfiltrate mail and files.
--   Every validated account is compromised.
-- remediation: [reset_password, revoke_sessions, block_ip]
-- tables: [signins]
-- false_positives:
--   - "None known: genuine Teams clients no longer send this 2020 build string"
-- references:
--   - https://github.com/Flangvik/TeamFiltration
--   - https://www.proofpoint.com/us/blog/threat-insight/attackers-unleash-teamfiltration-account-takeover-campaign
-- catalog: [TOOL-TEAMFILTRATION]
-- ---
WITH hits AS (
  SELECT * FROM signins
  WHERE ua_tool = 'TeamFiltration'
),
validated AS (
  SELECT STRING_AGG(DISTINCT user_principal_name, ';' ORDER BY user_principal_name) AS validated_users,
         COUNT(DISTINCT user_principal_name) AS validated
  FROM hits
  WHERE first_factor_ok
),
campaign AS (
  SELECT MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         COUNT(DISTINCT user_principal_name) AS targeted,
         COUNT(DISTINCT ip_address) AS ip_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         ARRAY_AGG(DISTINCT user_principal_name) AS targeted_users,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT error_code) AS error_codes,
         ARRAY_AGG(DISTINCT ip_hosting_provider) AS hosting_providers,
         ARRAY_AGG(id) AS record_ids
  FROM hits
)
SELECT c.first_seen, c.last_seen, v.validated_users AS principals, c.ips, c.evidence_count,
       CONCAT('TeamFiltration user agent: ', CAST(c.evidence_count AS VARCHAR), ' sign-in(s) against ',
              CAST(c.targeted AS VARCHAR), ' account(s) from ', CAST(c.ip_count AS VARCHAR), ' IP(s); password validated for ',
              CAST(COALESCE(v.validated, 0) AS VARCHAR)) AS summary,
       c.record_ids, c.targeted, c.targeted_users, c.apps, c.error_codes, c.hosting_providers
FROM campaign c
CROSS JOIN validated v
WHERE c.evidence_count > 0
