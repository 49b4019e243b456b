-- ---
-- id: GRAPH-MASS-READ
-- title: Mailbox or files read in bulk through Microsoft Graph from an unvouched source
-- kind: detection
-- severity: high
-- techniques: [T1114.002, T1530]
-- tactics: [collection, exfiltration]
-- description: >-
--   One caller reads mail (messages, mail folders, attachments, calendar, contacts) or files
--   (drive items) through Microsoft Graph at least {{min_requests}} times in one UTC day from
--   one address that its own sign-ins do not vouch for: the caller never signed in
--   successfully from it (the token is used elsewhere), or it is a hosting or intel-listed
--   network, or the client is an attack tool or HTTP library. Critical when the source is
--   both unknown to the caller's sign-ins and a hosting, intel-listed or tool source, or the
--   burst returned more than {{critical_mb}} MB. Trusted egress is not counted.
--   A day rather than an hour, so that an app refreshing its token every hour and reading a
--   page of mail each time (consent phishing) is counted as the one collection it is.
-- why: >-
--   After an AiTM or consent phish the attacker's first goal is the mailbox and OneDrive;
--   Graph activity logs are the only Entra-side record of what was actually read, and bulk
--   reads from a new address or a script are the collection step of the incident.
-- remediation: [revoke_sessions, reset_password, revoke_consent_grant, block_ip]
-- tables: [graph_activity]
-- params:
--   min_requests: 50
--   critical_mb: 50
-- false_positives:
--   - Backup or e-discovery tools reading mailboxes with their own app from a cloud network (add the network to trusted_ips)
--   - A user's sync client on a new home connection (vouched for as soon as the user signs in from it)
-- references:
--   - https://learn.microsoft.com/graph/microsoft-graph-activity-logs-overview
--   - https://github.com/Azure/Azure-Sentinel/tree/master/Solutions/Microsoft%20Entra%20ID/Hunting%20Queries
--   - https://www.inversecos.com/2022/07/hunting-for-microsoft-graph-activity.html
-- catalog: [GRAPH-MASS-READ]
-- ---
WITH reads AS (
  SELECT *, DIV(t_us, 86400000000) AS day_bucket
  FROM graph_requests
  WHERE request_method = 'GET'
    AND resource IN ('mailbox', 'files')
    AND response_status < 400
    AND unvouched
),
bursts AS (
  SELECT caller, ip_address, day_bucket,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS requests,
         SUM(CASE WHEN resource = 'mailbox' THEN 1 ELSE 0 END) AS mail_requests,
         SUM(CASE WHEN resource = 'files' THEN 1 ELSE 0 END) AS file_requests,
         SUM(COALESCE(response_size_bytes, 0)) AS bytes,
         MIN(app_id) AS app_id,
         MIN(app_display_name) AS app_name,
         MIN(user_agent) AS user_agent,
         MIN(ip_hosting_provider) AS ip_hosting_provider,
         MIN(ip_intel) AS ip_intel,
         MIN(ua_tool) AS ua_tool,
         MAX(CASE WHEN principal_signed_in_from_ip THEN 0 ELSE 1 END) AS never_signed_in_from_ip,
         MAX(CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind IS NOT NULL THEN 1 ELSE 0 END) AS risky_source,
         STRING_AGG(DISTINCT sign_in_activity_id, ';' ORDER BY sign_in_activity_id) AS token_ids,
         STRING_AGG(DISTINCT id, ';' ORDER BY id) AS record_ids
  FROM reads
  GROUP BY caller, ip_address, day_bucket
  HAVING COUNT(*) >= {{min_requests}}
)
SELECT first_seen, last_seen,
       caller AS principals,
       ip_address AS ips,
       requests AS evidence_count,
       CONCAT(caller, ' read ', CAST(mail_requests AS VARCHAR), ' mailbox and ', CAST(file_requests AS VARCHAR),
              ' file requests through Graph between ', STRFTIME(first_seen, '%Y-%m-%d %H:%M'), ' and ',
              STRFTIME(last_seen, '%H:%M'), ' UTC from ', ip_address,
              CASE WHEN ip_hosting_provider IS NULL THEN '' ELSE CONCAT(' (', ip_hosting_provider, ')') END,
              ' with ', COALESCE(app_name, app_id, 'an unknown app'),
              CASE WHEN user_agent IS NULL THEN '' ELSE CONCAT(' [', user_agent, ']') END,
              ', ', CAST(DIV(bytes, 1048576) AS VARCHAR), ' MB returned',
              CASE WHEN never_signed_in_from_ip = 1 THEN '; the caller never signed in from that address' ELSE '' END) AS summary,
       CASE WHEN (never_signed_in_from_ip = 1 AND risky_source = 1) OR bytes > {{critical_mb}} * 1048576 THEN 'critical'
            ELSE 'high' END AS severity,
       record_ids,
       mail_requests, file_requests, bytes, app_id, app_name, user_agent, ip_hosting_provider, ip_intel,
       ua_tool, token_ids
FROM bursts
