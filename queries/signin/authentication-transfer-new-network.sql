-- ---
-- id: AUTH-TRANSFER
-- title: Authentication transfer (cross-device QR sign-in) completed from a network the user never used
-- kind: detection
-- severity: medium
-- techniques: [T1550.001, T1566.002]
-- tactics: [initial-access, credential-access]
-- description: >-
--   A successful interactive or non-interactive user sign-in whose originalTransferMethod is
--   authenticationTransfer (the authenticated state of one device, typically Outlook or Teams
--   on the desktop, handed to another through a QR code) from an address that is neither
--   trusted, nor the user's own (ip_is_own_for_user), nor on one of their usual ASNs. One
--   finding per user and source address. Medium; high when the address belongs to a hosting,
--   VPS or anonymiser network that is not trusted, or carries an intel label.
-- why: >-
--   Authentication transfer moves a signed-in session to a new device without any new MFA.
--   Scanning an attacker's QR code (or handing over a transfer code under pretext) gives the
--   attacker a full session on their own device, which then shows up as a transfer completed
--   from a network the victim has never used.
-- remediation: [revoke_sessions, remove_device, ask_customer]
-- tables: [signins]
-- false_positives:
--   - A user moving Outlook to a new phone on mobile data or while travelling (a carrier or hotel network not yet seen for them)
-- references:
--   - https://learn.microsoft.com/entra/identity/conditional-access/concept-authentication-flows
--   - https://learn.microsoft.com/entra/identity/conditional-access/policy-block-authentication-flows
--   - https://learn.microsoft.com/graph/api/resources/signin
--   - https://www.rfc-editor.org/rfc/rfc10027.html
-- ---
WITH transfers AS (
  SELECT id, time, user_principal_name, ip_address, asn, country, city, app_display_name,
         resource_display_name, user_agent, device_os, device_id, ip_hosting_provider, ip_intel,
         (COALESCE(ip_is_hosting, FALSE) OR ip_intel IS NOT NULL) AS risky_network
  FROM signins
  WHERE category IN ('interactive', 'non_interactive')
    AND result = 'success'
    AND original_transfer_method = 'authenticationTransfer'
    AND user_principal_name IS NOT NULL
    AND NOT COALESCE(ip_is_trusted, FALSE)
    AND NOT COALESCE(ip_is_own_for_user, FALSE)
    AND NOT COALESCE(asn_is_usual_for_user, FALSE)
),
per_source AS (
  SELECT user_principal_name, ip_address,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS signins,
         MIN(asn) AS asn,
         STRING_AGG(DISTINCT country, ';' ORDER BY country) AS countries,
         STRING_AGG(DISTINCT city, ';' ORDER BY city) AS cities,
         STRING_AGG(DISTINCT app_display_name, ';' ORDER BY app_display_name) AS apps,
         STRING_AGG(DISTINCT device_os, ';' ORDER BY device_os) AS device_os,
         STRING_AGG(DISTINCT user_agent, ' | ' ORDER BY user_agent) AS user_agents,
         STRING_AGG(DISTINCT ip_hosting_provider, ';' ORDER BY ip_hosting_provider) AS hosting_providers,
         STRING_AGG(DISTINCT ip_intel, ';' ORDER BY ip_intel) AS intel,
         MAX(CASE WHEN risky_network THEN 1 ELSE 0 END) AS risky_network,
         ARRAY_AGG(id) AS record_ids
  FROM transfers
  GROUP BY user_principal_name, ip_address
)
SELECT first_seen,
       last_seen,
       user_principal_name AS principals,
       ip_address AS ips,
       signins AS evidence_count,
       CONCAT(user_principal_name, ': ', CAST(signins AS VARCHAR),
              ' sign-in(s) through authentication transfer (cross-device QR) to ', COALESCE(apps, '?'),
              ' from ', COALESCE(ip_address, '?'),
              CASE WHEN asn IS NULL THEN '' ELSE CONCAT(' (AS', CAST(asn AS VARCHAR), ')') END,
              CASE WHEN cities IS NULL AND countries IS NULL THEN '' ELSE CONCAT(' in ', CONCAT_WS(', ', cities, countries)) END,
              ', a network the user never signed in from before',
              CASE WHEN hosting_providers IS NOT NULL THEN CONCAT('; hosting network ', hosting_providers) ELSE '' END,
              CASE WHEN intel IS NOT NULL THEN CONCAT('; intel: ', intel) ELSE '' END) AS summary,
       CASE WHEN risky_network = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       asn,
       countries,
       apps,
       device_os,
       user_agents,
       hosting_providers,
       intel
FROM per_source
