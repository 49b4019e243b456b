-- ---
-- id: PIM-ACTIVATE-ANOMALY
-- title: PIM role activation from an unfamiliar network, of a new role, or off-hours
-- kind: detection
-- severity: medium
-- techniques: [T1548.005, T1078.004]
-- tactics: [privilege-escalation, persistence]
-- description: >-
--   A successful "Add member to role completed (PIM activation)" (directory roles, PIM for
--   Groups, Azure resources) with one of two signals. (1) Unfamiliar source: the activation's
--   address is not one that already served the user's successful sign-ins on an earlier day
--   (ip_is_own_for_user), its network is not one of the user's usual ASNs
--   (asn_is_usual_for_user), and it is not trusted; claimed only when the user has successful
--   sign-ins on at least min_signin_days days before the activation's day (otherwise there is
--   nothing to compare with) or the address is a hosting one, and always when it is on an
--   intel list.
--   The address is the completion record's own (initiator IP, else PIM's ipaddr detail), else
--   that of the user's latest "Add member to role requested (PIM activation)" of the same role
--   in the request_match_hours before (completions are often written by MS-PIM without one),
--   else that of the user's last successful sign-in in the source_fallback_minutes before.
--   (2) New role: the user's first activation of this role in the window while they activated
--   another role on an earlier day. Off-hours - outside workday_start_hour to
--   workday_end_hour UTC, or a Saturday or Sunday - is not reported on its own (on-call admins
--   activate at night) but raises the severity. Severity: high for an unfamiliar source when
--   the role is privileged (role_is_privileged, by template id) or the address is a hosting or
--   intel one; medium for an unfamiliar source otherwise, or a new role that is privileged or
--   activated off-hours; low for a new non-privileged role in working hours. A routine admin
--   activating a usual role from a usual network never fires, at any hour. Denied and failed
--   requests are PIM-DENIED; assignments are ROLE-ADD-PRIV and PIM-SELF-ASSIGN.
-- why: >-
--   An attacker holding an eligible admin's session or password plus MFA activates the role
--   just-in-time; the activation itself is allowed, so where, what and when are the only tells.
-- remediation: [revoke_sessions, reset_password, remove_role_assignment, confirm_compromised]
-- tables: [audits, signins]
-- params:
--   workday_start_hour: 6
--   workday_end_hour: 20
--   min_signin_days: 2
--   source_fallback_minutes: 60
--   request_match_hours: 24
-- false_positives:
--   - Admins travelling or working from a new home network (check the MFA method and device of the sign-in before it)
--   - On-call staff activating at night for an incident (the first off-hours activation of each admin is reported low)
-- references:
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-identity-management
--   - https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-use-audit-log
--   - https://github.com/reprise99/Sentinel-Queries/blob/main/Azure%20Active%20Directory/Audit-DetectPIMActivationsOutsideWorkingHours.kql
--   - https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/privileged_identity_management/azure_pim_role_frequent_activation.yml
-- catalog: [PIM-ACTIVATION-ANOM]
-- ---
WITH pim AS (
  SELECT id, time, category, actor_upn, ip_address, ip_asn, ip_is_trusted, ip_is_hosting,
         ip_hosting_provider, ip_intel, user_agent, role_name, role_template_id, role_is_privileged,
         targets, additional_details,
         activity = 'Add member to role completed (PIM activation)' AS is_activation
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Add member to role completed (PIM activation)',
                     'Add member to role requested (PIM activation)')
),
det AS (
  SELECT id, UNNEST(additional_details) AS d FROM pim
),
detail_ip AS (
  SELECT id, MIN(d.value) AS ipaddr FROM det WHERE LOWER(d.key) = 'ipaddr' AND d.value <> '' GROUP BY id
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM pim
),
tnames AS (
  -- the activating user (a User target; PIM writes it at a varying index) and, for PIM for
  -- Groups, the group
  SELECT id,
         MIN(CASE WHEN LOWER(t.type) = 'user' THEN LOWER(t.upn) END) AS user_upn,
         MIN(CASE WHEN LOWER(t.type) = 'group' THEN t.display_name END) AS group_name
  FROM tg GROUP BY id
),
events AS (
  SELECT a.id, a.time, a.is_activation, a.category, a.user_agent, a.role_template_id,
         COALESCE(n.user_upn, a.actor_upn) AS activator,
         COALESCE(a.role_name, n.group_name, 'an unnamed role') AS role,
         COALESCE(a.role_template_id, LOWER(a.role_name), LOWER(n.group_name), '') AS role_key,
         COALESCE(a.role_is_privileged, FALSE) AS privileged,
         -- the record's own address: its initiator IP, else the ipaddr detail PIM writes
         COALESCE(a.ip_address, i.ipaddr) AS ev_ip,
         a.ip_asn AS ev_asn, COALESCE(a.ip_is_hosting, FALSE) AS ev_hosting, a.ip_hosting_provider AS ev_provider,
         a.ip_intel AS ev_intel, COALESCE(a.ip_is_trusted, FALSE) AS ev_trusted,
         STRFTIME(a.time, '%Y-%m-%d') AS day,
         CAST(STRFTIME(a.time, '%H') AS INTEGER) NOT BETWEEN {{workday_start_hour}} AND {{workday_end_hour}} - 1
           OR STRFTIME(a.time, '%u') IN ('6', '7') AS off_hours
  FROM pim a
  LEFT JOIN detail_ip i ON i.id = a.id
  LEFT JOIN tnames n ON n.id = a.id
  WHERE COALESCE(n.user_upn, a.actor_upn) IS NOT NULL
),
acts AS (
  SELECT * FROM events WHERE is_activation
),
-- what the same user activated before this activation
history AS (
  SELECT a.id,
         SUM(CASE WHEN h.day < a.day AND h.role_key <> a.role_key THEN 1 ELSE 0 END) AS earlier_day_other_roles,
         SUM(CASE WHEN h.role_key = a.role_key THEN 1 ELSE 0 END) AS earlier_same_role,
         STRING_AGG(DISTINCT h.role, ', ' ORDER BY h.role) AS earlier_roles
  FROM acts a
  JOIN acts h ON h.activator = a.activator AND h.time < a.time AND h.id <> a.id
  GROUP BY a.id
),
-- the completion is often written by MS-PIM without an address: the user's own request of
-- the same role (the latest before it) carries one
request_src AS (
  SELECT a.id, r.id AS request_id, r.ev_ip, r.ev_asn, r.ev_hosting, r.ev_provider, r.ev_intel, r.ev_trusted, r.user_agent,
         ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY r.time DESC) AS rn
  FROM acts a
  JOIN events r ON r.activator = a.activator AND r.role_key = a.role_key
  WHERE NOT r.is_activation
    AND r.ev_ip IS NOT NULL
    AND r.time <= a.time
    AND CAST(a.time AS BIGINT) - CAST(r.time AS BIGINT) <= {{request_match_hours}} * 3600000000
),
last_request AS (
  SELECT * FROM request_src WHERE rn = 1
),
-- else the user's last successful sign-in shortly before
session AS (
  SELECT a.id, s.ip_address AS session_ip,
         ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY s.time DESC) AS rn
  FROM acts a
  JOIN signins s ON s.user_principal_name = a.activator
  WHERE s.result = 'success'
    AND s.ip_address IS NOT NULL
    AND s.time <= a.time
    AND CAST(a.time AS BIGINT) - CAST(s.time AS BIGINT) <= {{source_fallback_minutes}} * 60000000
),
last_session AS (
  SELECT id, session_ip FROM session WHERE rn = 1
),
sourced AS (
  SELECT a.id, a.time, a.category, a.role_template_id, a.activator, a.role, a.privileged, a.day, a.off_hours,
         h.earlier_day_other_roles, h.earlier_same_role, h.earlier_roles,
         CASE WHEN a.ev_ip IS NULL THEN q.request_id END AS request_id,
         COALESCE(a.user_agent, q.user_agent) AS user_agent,
         COALESCE(a.ev_ip, q.ev_ip, s.session_ip) AS src_ip,
         CASE WHEN a.ev_ip IS NOT NULL THEN 'activation record'
              WHEN q.ev_ip IS NOT NULL THEN 'activation request'
              WHEN s.session_ip IS NOT NULL THEN 'preceding sign-in' END AS src_ip_from,
         CASE WHEN a.ev_ip IS NOT NULL THEN a.ev_asn ELSE q.ev_asn END AS rec_asn,
         CASE WHEN a.ev_ip IS NOT NULL THEN a.ev_hosting ELSE COALESCE(q.ev_hosting, FALSE) END AS rec_hosting,
         CASE WHEN a.ev_ip IS NOT NULL THEN a.ev_provider ELSE q.ev_provider END AS rec_provider,
         CASE WHEN a.ev_ip IS NOT NULL THEN a.ev_intel ELSE q.ev_intel END AS rec_intel,
         CASE WHEN a.ev_ip IS NOT NULL THEN a.ev_trusted ELSE COALESCE(q.ev_trusted, FALSE) END AS rec_trusted
  FROM acts a
  LEFT JOIN history h ON h.id = a.id
  LEFT JOIN last_request q ON q.id = a.id
  LEFT JOIN last_session s ON s.id = a.id
),
-- what the sign-ins say about an address, and about each user
ip_info AS (
  SELECT ip_address, MIN(asn) AS asn,
         MAX(CASE WHEN ip_is_hosting THEN 1 ELSE 0 END) AS hosting,
         MIN(ip_hosting_provider) AS provider,
         MAX(CASE WHEN ip_is_trusted THEN 1 ELSE 0 END) AS trusted,
         MIN(ip_intel) AS intel
  FROM signins WHERE ip_address IS NOT NULL GROUP BY ip_address
),
user_days AS (
  SELECT user_principal_name, STRFTIME(time, '%Y-%m-%d') AS day
  FROM signins WHERE result = 'success' AND user_principal_name IS NOT NULL
  GROUP BY user_principal_name, STRFTIME(time, '%Y-%m-%d')
),
-- how many days of the user's successful sign-ins precede each activation's day
history_days AS (
  SELECT a.id, COUNT(*) AS signin_days
  FROM sourced a
  JOIN user_days d ON d.user_principal_name = a.activator
  WHERE d.day < a.day
  GROUP BY a.id
),
-- the user's own addresses (successes on two days, ip_is_own_for_user) and the first day
-- each served them
own_ip AS (
  SELECT user_principal_name, ip_address, MIN(STRFTIME(time, '%Y-%m-%d')) AS first_day
  FROM signins
  WHERE result = 'success' AND ip_address IS NOT NULL
  GROUP BY user_principal_name, ip_address
  HAVING MAX(CASE WHEN ip_is_own_for_user THEN 1 ELSE 0 END) = 1
),
usual_asn AS (
  SELECT DISTINCT user_principal_name, asn FROM signins WHERE asn_is_usual_for_user AND asn IS NOT NULL
),
rated AS (
  SELECT a.*,
         COALESCE(a.rec_asn, p.asn) AS asn,
         COALESCE(a.rec_provider, p.provider) AS hosting_provider,
         COALESCE(a.rec_intel, p.intel) AS intel,
         COALESCE(d.signin_days, 0) AS signin_days,
         (a.rec_hosting OR COALESCE(p.hosting, 0) = 1) AS hosting,
         (a.src_ip IS NOT NULL
          AND NOT a.rec_trusted AND COALESCE(p.trusted, 0) = 0
          AND NOT COALESCE(o.first_day < a.day, FALSE)
          AND u.asn IS NULL) AS unknown_source
  FROM sourced a
  LEFT JOIN ip_info p ON p.ip_address = a.src_ip
  LEFT JOIN history_days d ON d.id = a.id
  LEFT JOIN own_ip o ON o.user_principal_name = a.activator AND o.ip_address = a.src_ip
  LEFT JOIN usual_asn u ON u.user_principal_name = a.activator AND u.asn = COALESCE(a.rec_asn, p.asn)
),
signals AS (
  SELECT *,
         intel IS NOT NULL OR (unknown_source AND (hosting OR signin_days >= {{min_signin_days}})) AS unfamiliar,
         COALESCE(earlier_same_role, 0) = 0 AND COALESCE(earlier_day_other_roles, 0) > 0 AS new_role
  FROM rated
)
SELECT time AS first_seen,
       time AS last_seen,
       activator AS principals,
       src_ip AS ips,
       CASE WHEN request_id IS NULL THEN 1 ELSE 2 END AS evidence_count,
       CONCAT(activator, ' activated ', role, ' through PIM at ', STRFTIME(time, '%Y-%m-%d %H:%M'), ' UTC (',
              STRFTIME(time, '%A'), ')',
              CASE WHEN src_ip IS NULL THEN ' from an unknown address'
                   ELSE CONCAT(' from ', src_ip, CASE WHEN asn IS NULL THEN '' ELSE CONCAT(' (AS', CAST(asn AS VARCHAR), ')') END) END,
              ': ',
              CONCAT_WS('; ',
                CASE WHEN unfamiliar THEN CONCAT(
                  CASE WHEN intel IS NOT NULL THEN CONCAT('an address on the intel list (', intel, ')')
                       WHEN hosting THEN CONCAT('a ', COALESCE(hosting_provider, 'hosting'), ' address')
                       ELSE 'an address and network' END,
                  ' that served none of the user''s successful sign-ins on an earlier day (',
                  CAST(signin_days AS VARCHAR), ' earlier day(s) of sign-ins)') END,
                CASE WHEN new_role THEN CONCAT('first activation of this role; earlier only ', earlier_roles) END,
                CASE WHEN off_hours AND STRFTIME(time, '%u') IN ('6', '7') THEN 'at the weekend'
                     WHEN off_hours THEN CONCAT('outside ', CAST({{workday_start_hour}} AS VARCHAR), ':00-',
                                                CAST({{workday_end_hour}} AS VARCHAR), ':00 UTC') END)) AS summary,
       CASE WHEN unfamiliar AND (privileged OR hosting OR intel IS NOT NULL) THEN 'high'
            WHEN unfamiliar OR (new_role AND (privileged OR off_hours)) THEN 'medium'
            ELSE 'low' END AS severity,
       CONCAT_WS(';', id, request_id) AS record_ids,
       role, role_template_id, privileged AS role_is_privileged, category,
       unfamiliar AS unfamiliar_source, new_role, off_hours,
       src_ip_from, hosting_provider, intel AS ip_intel, signin_days, earlier_roles AS earlier_activated_roles, user_agent
FROM signals
WHERE unfamiliar OR new_role
