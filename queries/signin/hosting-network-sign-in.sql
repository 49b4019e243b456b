-- ---
-- id: HOSTING-SIGNIN
-- title: Successful interactive sign-in from a hosting, VPS or anonymiser network
-- kind: detection
-- severity: medium
-- techniques: [T1078.004]
-- tactics: [initial-access, defense-evasion]
-- description: >-
--   A successful interactive user sign-in from an IP whose ASN is a hosting, VPS, VPN-egress
--   or anonymiser network (ip_is_hosting: DigitalOcean, Vultr, M247, OVH, AWS, Tor exits
--   ...), not in trusted_ips (the policy's or the learned shared egress). One finding per user
--   and network. High when a sign-in from that network used an HTTP-library or attack-tool
--   user agent; low when every such sign-in satisfied MFA on a compliant or managed device,
--   or the network is one of the user's usual ones (a cloud proxy or VPN they always use);
--   medium otherwise. The non-interactive sign-ins that followed from the same IPs are
--   counted.
-- why: >-
--   People sign in from home, office and mobile networks; attackers, phishing proxies and
--   token-replay scripts run on rented servers. A success from a data centre is worth a
--   question even when MFA was satisfied, because AiTM proxies satisfy it for the attacker.
-- remediation: [revoke_sessions, reset_password, block_ip]
-- tables: [signins]
-- false_positives:
--   - Commercial VPN services and Cloudflare WARP used by employees
--   - Virtual desktops hosted in a public cloud (list their egress in trusted_ips)
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/Signins-From-VPS-Providers.yaml
-- catalog: [HOSTING-SIGNIN]
-- ---
WITH hits AS (
  SELECT * FROM signins
  WHERE category = 'interactive'
    AND result = 'success'
    AND ip_is_hosting
    AND NOT ip_is_trusted
    AND user_principal_name IS NOT NULL
),
-- what the same user did afterwards from the same IPs without interaction (token use)
follow_on AS (
  SELECT s.user_principal_name, s.ip_hosting_provider, COUNT(*) AS non_interactive
  FROM signins s
  JOIN (SELECT DISTINCT user_principal_name, ip_address FROM hits) h
    ON s.user_principal_name = h.user_principal_name AND s.ip_address = h.ip_address
  WHERE s.category = 'non_interactive' AND s.result = 'success'
  GROUP BY s.user_principal_name, s.ip_hosting_provider
),
per_user AS (
  SELECT user_principal_name, ip_hosting_provider,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS evidence_count,
         STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips,
         COUNT(DISTINCT ip_address) AS ip_count,
         MIN(asn) AS asn,
         ARRAY_AGG(DISTINCT country) AS countries,
         ARRAY_AGG(DISTINCT app_display_name) AS apps,
         ARRAY_AGG(DISTINCT user_agent) AS user_agents,
         ARRAY_AGG(DISTINCT ua_tool) AS ua_tools,
         ARRAY_AGG(DISTINCT authentication_requirement) AS authentication_requirements,
         MAX(CASE WHEN ua_tool_kind IN ('http_library', 'attack_tool') THEN 1 ELSE 0 END) AS scripted,
         MIN(CASE WHEN (authentication_requirement = 'multiFactorAuthentication'
                        AND (COALESCE(device_is_compliant, FALSE) OR COALESCE(device_is_managed, FALSE)))
                       OR asn_is_usual_for_user THEN 1 ELSE 0 END) AS vouched,
         ARRAY_AGG(id) AS record_ids
  FROM hits
  GROUP BY user_principal_name, ip_hosting_provider
)
SELECT p.first_seen, p.last_seen, p.user_principal_name AS principals, p.ips, p.evidence_count,
       CONCAT(p.user_principal_name, ' signed in interactively ', CAST(p.evidence_count AS VARCHAR), ' time(s) from ',
              CAST(p.ip_count AS VARCHAR), ' IP(s) of ', COALESCE(p.ip_hosting_provider, 'a hosting network'), ' (AS',
              CAST(p.asn AS VARCHAR), '), followed by ', CAST(COALESCE(f.non_interactive, 0) AS VARCHAR),
              ' non-interactive sign-in(s) from the same IPs') AS summary,
       CASE WHEN p.scripted = 1 THEN 'high' WHEN p.vouched = 1 THEN 'low' ELSE 'medium' END AS severity,
       p.record_ids, p.ip_hosting_provider AS hosting_provider, p.asn, p.countries, p.apps, p.user_agents, p.ua_tools,
       p.authentication_requirements, COALESCE(f.non_interactive, 0) AS follow_on_non_interactive
FROM per_user p
LEFT JOIN follow_on f ON p.user_principal_name = f.user_principal_name AND p.ip_hosting_provider = f.ip_hosting_provider
