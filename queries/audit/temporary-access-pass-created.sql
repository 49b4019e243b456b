-- ---
-- id: TAP-CREATED
-- title: Temporary Access Pass created
-- kind: detection
-- severity: medium
-- techniques: [T1098, T1556.006]
-- tactics: [persistence, credential-access]
-- description: >-
--   A Temporary Access Pass is issued: "Admin registered security info" or "User registered
--   security info" whose result reason names the temporary access pass method, "Create
--   Temporary Access Pass method for user", or any audit whose activity or modified
--   properties mention TemporaryAccessPass. Successful operations only. High when the target
--   is privileged or break-glass, or when the issuer acted from a hosting or intel-listed IP
--   or with an attack-tool / HTTP-library user agent; medium otherwise.
-- why: >-
--   A TAP signs the holder in without password or MFA and lets them register new methods.
--   An attacker holding an authentication-admin role mints one for the account they want,
--   typically an administrator, and is in within minutes.
-- remediation: [revoke_sessions, require_mfa_reregistration, ask_customer]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass
--   - https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts
-- false_positives:
--   - Helpdesk onboarding new employees or recovering a user who lost every method
-- catalog: [TAP-CREATED]
-- ---
WITH taps AS (
  SELECT *,
         CASE WHEN actor_upn <> target_upn THEN actor_upn END AS issuer
  FROM audits
  WHERE result = 'success'
    AND (result_reason ILIKE '%temporary access pass%'
         OR activity ILIKE '%temporary access pass%'
         OR changes ILIKE '%TemporaryAccessPass%')
)
SELECT time AS first_seen,
       time AS last_seen,
       CASE WHEN issuer IS NULL THEN COALESCE(target_upn, target_name)
            ELSE CONCAT(COALESCE(target_upn, target_name, ''), ';', issuer) END AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT('Temporary Access Pass created for ',
              CASE WHEN target_is_break_glass THEN 'break-glass account '
                   WHEN target_is_privileged THEN 'privileged account ' ELSE '' END,
              COALESCE(target_upn, target_name, 'an unknown user'),
              ' by ', COALESCE(actor_upn, actor_app_name, 'an unknown actor'),
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              ' (', activity, ')') AS summary,
       CASE WHEN target_is_privileged OR target_is_break_glass
                 OR ip_is_hosting OR ip_intel IS NOT NULL
                 OR ua_tool_kind IN ('attack_tool', 'http_library')
            THEN 'high' ELSE 'medium' END AS severity,
       id AS record_ids,
       target_upn AS account,
       COALESCE(actor_upn, actor_app_name) AS issued_by,
       target_is_privileged AS account_is_privileged,
       target_is_break_glass AS account_is_break_glass,
       result_reason,
       user_agent,
       ua_tool,
       ip_hosting_provider,
       ip_intel
FROM taps
