-- ---
-- id: PIM-DENIED
-- title: Repeated denied or failed PIM activation requests
-- kind: detection
-- severity: medium
-- techniques: [T1548.005, T1078.004]
-- tactics: [privilege-escalation]
-- description: >-
--   At least min_events refusals of the same requester's PIM activations within window_hours:
--   "Add member to role request denied (PIM activation)" (an approver said no), "Update member
--   in PIM denied by admin (extend/renew)", and activation requests or completions that failed
--   ("Add member to role requested / completed (PIM activation)" with result failure: MFA,
--   ticket or justification rule not met). The requester is the User target of the record
--   (PIM writes it at a varying index; the initiator of a denial is the approver), else the
--   initiator of a failed request. Roles, groups (PIM for Groups) and Azure resources alike.
--   Medium; high when one of the requester's own records (a failed request) came from a
--   hosting or intel-listed address or an attack-tool user agent (a denial carries the
--   approver's address, not the requester's). A single denial - a wrong role, a request outside the change
--   window - is routine and not reported.
-- why: >-
--   Someone who holds an eligible admin's credentials but not the context keeps asking for the
--   role and gets turned down or stopped by the activation policy; repeated refusals are
--   often the only trace of an attempt that failed, and the account is still compromised.
-- remediation: [revoke_sessions, reset_password, confirm_compromised, ask_customer]
-- tables: [audits]
-- params:
--   min_events: 2
--   window_hours: 24
-- false_positives:
--   - A new admin repeatedly missing the ticket-number or justification rule on the same day
--   - Approvers denying duplicate requests of the same activation
-- references:
--   - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/PIMElevationRequestRejected.yaml
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/audit_logs/azure_pim_activation_approve_deny.yml
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
-- catalog: [PIM-ACTIVATION-ANOM]
-- ---
WITH refusals AS (
  SELECT id, time, activity, result, result_reason, actor_upn, ip_address, ip_is_hosting, ip_intel,
         ua_tool, ua_tool_kind, role_name, role_is_privileged, targets,
         COALESCE(actor_upn, actor_app_name, actor_display_name) AS initiator
  FROM audits
  WHERE activity IN ('Add member to role request denied (PIM activation)',
                     'Update member in PIM denied by admin (extend/renew)')
     OR (result = 'failure'
         AND activity IN ('Add member to role requested (PIM activation)',
                          'Add member to role completed (PIM activation)'))
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM refusals
),
requesters AS (
  SELECT id,
         MIN(CASE WHEN LOWER(t.type) = 'user' THEN COALESCE(LOWER(t.upn), t.display_name, t.id) END) AS target_user,
         MIN(CASE WHEN LOWER(t.type) IN ('role', 'group') THEN t.display_name END) AS target_role
  FROM tg GROUP BY id
),
events AS (
  SELECT r.id, r.time, r.activity, r.result_reason, r.initiator,
         COALESCE(q.target_user, CASE WHEN r.activity LIKE '%denied%' THEN NULL ELSE r.actor_upn END) AS requester,
         COALESCE(r.role_name, q.target_role, 'an unnamed role') AS role,
         COALESCE(r.role_is_privileged, FALSE) AS privileged,
         r.activity LIKE '%denied%' AS denied,
         -- the initiator of a denial is the approver: only the requester's own records tell
         -- where the requests came from
         CASE WHEN r.activity LIKE '%denied%' THEN NULL ELSE r.ip_address END AS requester_ip,
         r.activity NOT LIKE '%denied%'
           AND (COALESCE(r.ip_is_hosting, FALSE) OR r.ip_intel IS NOT NULL
                OR COALESCE(r.ua_tool_kind, '') = 'attack_tool') AS suspicious_source
  FROM refusals r
  LEFT JOIN requesters q ON q.id = r.id
),
-- for every refusal, the refusals of the same requester in the following window_hours
windows AS (
  SELECT a.id AS anchor_id, b.*
  FROM events a
  JOIN events b ON a.requester = b.requester
  WHERE b.time >= a.time
    AND CAST(b.time AS BIGINT) - CAST(a.time AS BIGINT) <= {{window_hours}} * 3600000000
),
bursts AS (
  SELECT anchor_id FROM windows GROUP BY anchor_id HAVING COUNT(DISTINCT id) >= {{min_events}}
),
burst_events AS (
  SELECT DISTINCT w.id, w.time, w.requester, w.role, w.privileged, w.denied, w.requester_ip,
         w.initiator, w.suspicious_source,
         CONCAT(STRFTIME(w.time, '%m-%d %H:%M'), ' ', CASE WHEN w.denied THEN 'denied by ' ELSE 'failed for ' END,
                CASE WHEN w.denied THEN w.initiator ELSE w.requester END, ' (', w.role,
                CASE WHEN COALESCE(w.result_reason, '') = '' THEN '' ELSE CONCAT(': ', w.result_reason) END, ')') AS step
  FROM windows w
  JOIN bursts b ON b.anchor_id = w.anchor_id
),
per_requester AS (
  SELECT requester,
         MIN(time) AS first_seen,
         MAX(time) AS last_seen,
         COUNT(*) AS refusals,
         SUM(CASE WHEN denied THEN 1 ELSE 0 END) AS denials,
         SUM(CASE WHEN denied THEN 0 ELSE 1 END) AS failures,
         STRING_AGG(DISTINCT role, ', ' ORDER BY role) AS roles,
         MAX(CASE WHEN privileged THEN 1 ELSE 0 END) AS any_privileged,
         MAX(CASE WHEN suspicious_source THEN 1 ELSE 0 END) AS suspicious,
         STRING_AGG(DISTINCT CASE WHEN denied THEN initiator END, ';' ORDER BY CASE WHEN denied THEN initiator END) AS approvers,
         STRING_AGG(DISTINCT requester_ip, ';' ORDER BY requester_ip) AS ips,
         STRING_AGG(step, '; ' ORDER BY time) AS steps,
         ARRAY_AGG(id ORDER BY time) AS record_ids
  FROM burst_events
  GROUP BY requester
)
SELECT first_seen, last_seen,
       requester AS principals,
       ips,
       refusals AS evidence_count,
       CONCAT(requester, ': ', CAST(refusals AS VARCHAR), ' PIM activation requests refused within ',
              CAST({{window_hours}} AS VARCHAR), ' h (', CAST(denials AS VARCHAR), ' denied by an approver, ',
              CAST(failures AS VARCHAR), ' failed the activation policy) for ', roles, ': ', steps) AS summary,
       CASE WHEN suspicious = 1 THEN 'high' ELSE 'medium' END AS severity,
       record_ids,
       roles, any_privileged = 1 AS privileged_role, denials, failures, approvers
FROM per_requester
