-- ---
-- id: GRAPH-MAIL-RULE
-- title: Inbox rule or mailbox forwarding written through Microsoft Graph
-- kind: detection
-- severity: medium
-- techniques: [T1564.008, T1114.003]
-- tactics: [defense-evasion, collection]
-- description: >-
--   A successful POST, PATCH or PUT to a mailbox's message rules (`/messageRules`,
--   `/inboxRules`) through Microsoft Graph, or a PATCH of `mailboxSettings` from a source the
--   caller's sign-ins do not vouch for. High when the request came from an unvouched source
--   (an address the caller never signed in from, a hosting or intel-listed network, an attack
--   tool or HTTP library); an out-of-office change from the user's own address is not
--   reported.
-- why: >-
--   BEC actors hide replies and forward mail with inbox rules right after taking a mailbox;
--   when they do it through Graph, the Graph activity log is the only Entra-side record (the
--   rule itself is in the Exchange audit, which this tool does not read).
-- remediation: [revoke_sessions, reset_password, ask_customer]
-- tables: [graph_activity]
-- false_positives:
--   - Mail-management apps (CRM, ticketing) creating rules on a user's behalf
-- references:
--   - https://learn.microsoft.com/graph/api/mailfolder-post-messagerules
--   - https://github.com/dafthack/GraphRunner/wiki/Invoke-GraphRecon#inbox-rules
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/o365/persistence_exchange_suspicious_mailbox_right_delegation.toml
-- catalog: [GRAPH-MAIL-RULE]
-- ---
SELECT time AS first_seen,
       time AS last_seen,
       caller AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(caller, ' ', request_method, ' ', resource_path, ' through Graph from ', COALESCE(ip_address, 'an unknown address'),
              CASE WHEN ip_hosting_provider IS NULL THEN '' ELSE CONCAT(' (', ip_hosting_provider, ')') END,
              ' with ', COALESCE(app_display_name, app_id, 'an unknown app'),
              CASE WHEN user_agent IS NULL THEN '' ELSE CONCAT(' [', user_agent, ']') END,
              CASE WHEN NOT principal_signed_in_from_ip THEN '; the caller never signed in from that address' ELSE '' END) AS summary,
       CASE WHEN unvouched THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       request_method, resource_path, request_uri, response_status, app_id, app_display_name, user_agent,
       ip_hosting_provider, sign_in_activity_id
FROM graph_requests
WHERE resource = 'mail_rules'
  AND request_method IN ('POST', 'PATCH', 'PUT')
  AND response_status < 400
  AND (resource_path LIKE '%messagerules%' OR resource_path LIKE '%inboxrules%' OR unvouched)
