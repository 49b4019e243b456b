-- ---
-- id: AUTH-POLICY-WEAKEN
-- title: Tenant authentication-method or risk policy changed
-- kind: detection
-- severity: high
-- techniques: [T1556.009, T1556]
-- tactics: [defense-evasion, persistence, credential-access]
-- description: >-
--   A successful change to a tenant-wide authentication control: the authentication methods
--   policy ("Authentication Methods Policy Update / Reset", "Update authentication methods
--   policy": SMS / voice / email OTP, number matching, certificate-based or external
--   authentication methods), a new root CA for certificate-based authentication ("Set Company
--   Information" carrying TrustedCAsForPasswordlessAuth, "Add / Update
--   CertificationBasedAuthConfiguration"), the Identity Protection policies ("Update User Risk
--   and MFA Registration Policy", "Update Sign-In Risk Policy", "Update
--   IdentityProtectionPolicy") or the device registration policy ("Set device registration
--   policies", which holds the MFA-to-join switch). Critical when the actor came from a
--   hosting or intel-listed IP or used an attack-tool user agent. The rule reports every such
--   change; judging whether it loosens the policy needs the old and new JSON, given as
--   evidence.
-- why: >-
--   Enabling a weak method, trusting an attacker's root CA or an external MFA provider, or
--   switching off risk policies gives an attacker a way in that passes every Conditional
--   Access check, for every account in the tenant.
-- remediation: [revert_policy_change, review_configuration]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods-manage
--   - https://posts.specterops.io/passwordless-persistence-and-privilege-escalation-in-azure-98a01310be3f
-- false_positives:
--   - Planned roll-out of a new method (FIDO2, passkeys) or a CBA deployment
-- catalog: [AUTH-POLICY-WEAKEN]
-- ---
WITH policy_changes AS (
  SELECT *,
         CASE
           WHEN activity ILIKE '%authentication methods policy%' THEN 'authentication methods policy'
           WHEN activity = 'Set Company Information' THEN 'trusted root CA for certificate-based authentication'
           WHEN activity ILIKE '%CertificationBasedAuthConfiguration%' THEN 'certificate-based authentication configuration'
           WHEN activity = 'Set device registration policies' THEN 'device registration policy (MFA to join)'
           ELSE 'Identity Protection risk / MFA registration policy'
         END AS policy_area
  FROM audits
  WHERE result = 'success'
    AND (activity ILIKE '%authentication methods policy%'
         OR (activity = 'Set Company Information' AND changes LIKE '%TrustedCAsForPasswordlessAuth%')
         OR activity ILIKE '%CertificationBasedAuthConfiguration%'
         OR activity IN ('Update User Risk and MFA Registration Policy', 'Update Sign-In Risk Policy',
                         'Update IdentityProtectionPolicy', 'Set device registration policies'))
)
SELECT time AS first_seen,
       time AS last_seen,
       COALESCE(actor_upn, actor_app_name) AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor_upn, actor_app_name, 'an unknown actor'), ' changed the ', policy_area,
              ' (', activity, CASE WHEN target_name IS NULL THEN '' ELSE CONCAT(': ', target_name) END, ')',
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT(' from ', ip_address) END,
              CASE WHEN changes ILIKE '%externalAuthenticationMethod%' THEN '; mentions an external authentication method'
                   ELSE '' END) AS summary,
       CASE WHEN ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' THEN 'critical'
            ELSE 'high' END AS severity,
       id AS record_ids,
       policy_area,
       activity,
       target_name AS policy,
       changes,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM policy_changes
