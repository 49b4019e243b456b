-- ---
-- id: AUTHM-EXTERNAL
-- title: External authentication method or OIDC identity provider added or changed
-- kind: detection
-- severity: high
-- techniques: [T1556.009, T1556, T1484.002]
-- tactics: [persistence, defense-evasion, credential-access]
-- description: >-
--   A successful "Authentication Methods Policy Update" (also logged as "Update authentication
--   methods policy"; "… Reset" is not an addition) that adds or repoints an external
--   authentication method (external MFA / EAM, an OpenID Connect provider): a value of an
--   `appId`, `clientId` or `discoveryUrl` key appears in a modified property's new value that is
--   not in its old value (a new EAM, a new discovery URL or app id), or a modified property whose
--   name mentions ExternalAuthenticationMethod / OpenIdConnect / discoveryUrl changed to a
--   non-empty value (the property-level records written since April 2026, e.g. an EAM enabled or
--   re-scoped). Records that carry the whole policy in old and new values do not fire on an
--   unrelated method change while an existing EAM stays the same. Also the identity-provider
--   activities of the audit reference (B2C / External ID): "Update identity provider" / "Update
--   custom identity provider" (high: repoints the accounts already linked to that IdP) and
--   "Create Identity Provider" / "Create custom identity provider" (medium: new sign-ups only).
--   Critical when the actor's IP is a hosting network or on an intel list, or its user agent is
--   an attack tool. The actor is the principal. AUTH-POLICY-WEAKEN reports every change of the
--   authentication methods policy; this rule names the external provider.
-- why: >-
--   An external MFA provider or OIDC identity provider that the attacker controls answers the
--   MFA challenge (or the whole sign-in) for any account in its scope: every Conditional Access
--   MFA requirement is then satisfied by the attacker's own server, and the backdoor survives
--   password resets.
-- remediation: [revert_policy_change, revoke_sessions, confirm_compromised, review_configuration]
-- tables: [audits]
-- references:
--   - https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-external-method-manage
--   - https://learn.microsoft.com/graph/api/resources/externalauthenticationmethodconfiguration
--   - https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
--   - https://learn.microsoft.com/entra/fundamentals/whats-new
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_entra_id_oidc_discovery_url_change.toml
--   - https://github.com/elastic/detection-rules/blob/main/rules/integrations/azure/persistence_graph_eam_addition_or_modification.toml
--   - https://github.com/panther-labs/panther-analysis/blob/main/rules/azure_signin_rules/azure_auth_methods_policy_oidc_change.yml
--   - https://dirkjanm.io/persisting-with-federated-credentials-entra-apps-managed-identities/
-- false_positives:
--   - Planned onboarding of an external MFA provider (Duo, Ping, Okta, RSA …) or a B2C / External ID social or partner IdP
--   - The provider's discovery URL or app id rotated by its vendor
-- catalog: [AUTH-POLICY-WEAKEN]
-- ---
WITH ops AS (
  SELECT id, time, activity, target_name, targets, ip_address, user_agent, ip_hosting_provider, ip_intel,
         COALESCE(actor_upn, actor_app_name, actor_display_name, actor_sp_id) AS actor,
         ip_is_hosting OR ip_intel IS NOT NULL OR ua_tool_kind = 'attack_tool' AS suspicious_source,
         LOWER(activity) IN ('create identity provider', 'update identity provider',
                             'create custom identity provider', 'update custom identity provider') AS is_idp
  FROM audits
  WHERE result = 'success'
    AND ((LOWER(activity) LIKE '%authentication methods policy%' AND LOWER(activity) NOT LIKE '%reset%')
         OR LOWER(activity) IN ('create identity provider', 'update identity provider',
                                'create custom identity provider', 'update custom identity provider'))
),
tg AS (
  SELECT id, UNNEST(targets) AS t FROM ops WHERE NOT is_idp
),
props AS (
  SELECT id, UNNEST(t.modified_properties) AS p FROM tg
),
vals AS (
  -- lower-cased, backslashes dropped (values that are still JSON-escaped), appId / clientId keys
  -- renamed to discoveryurl so that one split finds every provider value
  SELECT id, p.name AS pname,
         LOWER(p.name) ~ '(externalauthenticationmethod|openidconnect|discoveryurl)' AS name_marker,
         REPLACE(REPLACE(REPLACE(LOWER(COALESCE(p.old_value, '')), '\', ''), '"appid"', '"discoveryurl"'), '"clientid"', '"discoveryurl"') AS ov,
         REPLACE(REPLACE(REPLACE(LOWER(COALESCE(p.new_value, '')), '\', ''), '"appid"', '"discoveryurl"'), '"clientid"', '"discoveryurl"') AS nv
  FROM props
),
new_pieces AS (
  SELECT id, UNNEST(STRING_TO_ARRAY(nv, '"discoveryurl"')) AS piece FROM vals WHERE nv LIKE '%"discoveryurl"%'
),
new_tokens AS (
  -- the piece after a key starts with `:"value"`; a null or non-string value gives no token
  SELECT DISTINCT id, SPLIT_PART(piece, '"', 2) AS token
  FROM new_pieces
  WHERE TRIM(SPLIT_PART(piece, '"', 1)) = ':' AND SPLIT_PART(piece, '"', 2) <> ''
),
old_pieces AS (
  SELECT id, UNNEST(STRING_TO_ARRAY(ov, '"discoveryurl"')) AS piece FROM vals WHERE ov LIKE '%"discoveryurl"%'
),
old_tokens AS (
  SELECT DISTINCT id, SPLIT_PART(piece, '"', 2) AS token
  FROM old_pieces
  WHERE TRIM(SPLIT_PART(piece, '"', 1)) = ':' AND SPLIT_PART(piece, '"', 2) <> ''
),
added AS (
  SELECT n.id, STRING_AGG(DISTINCT n.token, ' ' ORDER BY n.token) AS new_provider_values
  FROM new_tokens n
  LEFT JOIN old_tokens o ON o.id = n.id AND o.token = n.token
  WHERE o.token IS NULL
  GROUP BY n.id
),
named AS (
  SELECT id, STRING_AGG(DISTINCT pname, ', ' ORDER BY pname) AS changed_provider_properties
  FROM vals
  WHERE name_marker AND nv <> '' AND nv <> ov
  GROUP BY id
),
hits AS (
  SELECT o.id, o.time, o.activity, o.target_name, o.ip_address, o.user_agent, o.ip_hosting_provider, o.ip_intel,
         o.actor, o.suspicious_source, o.is_idp, a.new_provider_values, n.changed_provider_properties
  FROM ops o
  LEFT JOIN added a ON a.id = o.id
  LEFT JOIN named n ON n.id = o.id
  WHERE o.is_idp OR a.id IS NOT NULL OR n.id IS NOT NULL
)
SELECT time AS first_seen,
       time AS last_seen,
       actor AS principals,
       ip_address AS ips,
       1 AS evidence_count,
       CONCAT(COALESCE(actor, 'an unknown actor'),
              CASE WHEN is_idp THEN CONCAT(' changed identity provider ', COALESCE(target_name, '(unnamed)'), ' (', activity, ')')
                   ELSE CONCAT(' added or changed an external authentication method / OIDC provider in the authentication methods policy (',
                               activity, ')') END,
              CASE WHEN new_provider_values IS NULL THEN '' ELSE CONCAT('; new provider values: ', new_provider_values) END,
              CASE WHEN changed_provider_properties IS NULL THEN '' ELSE CONCAT('; changed: ', changed_provider_properties) END,
              CASE WHEN ip_address IS NULL THEN '' ELSE CONCAT('; from ', ip_address) END) AS summary,
       CASE WHEN suspicious_source THEN 'critical'
            WHEN is_idp AND LOWER(activity) LIKE 'create%' THEN 'medium'
            ELSE 'high' END AS severity,
       id AS record_ids,
       activity,
       target_name AS policy_or_provider,
       new_provider_values,
       changed_provider_properties,
       user_agent,
       ip_hosting_provider,
       ip_intel
FROM hits
