-- ---
-- id: HYBRID-HIJACK
-- title: User's ImmutableId / SourceAnchor or UPN re-linked, then a federated sign-in
-- kind: detection
-- severity: high
-- techniques: [T1098, T1484.002, T1606.002]
-- tactics: [persistence, privilege-escalation, defense-evasion]
-- description: >-
--   A successful "Update user" whose modified properties change the user's hybrid anchor
--   (SourceAnchor, ImmutableId or OnPremisesImmutableId) or turn the UserPrincipalName into an
--   #EXT# (external) form, followed within window_days by a successful federated sign-in of
--   that user: token issuer type ADFederationServices, an incoming SAML / WS-Fed token, or the
--   wsFederation / saml20 authentication protocol (the user is matched by object id, the UPN
--   in the audit target or the new UPN). High; critical when such a sign-in came from a
--   hosting or intel-listed IP or from a network that is none of the user's own addresses
--   (ip_is_own_for_user), usual ASNs (asn_is_usual_for_user) or trusted egress. Without a
--   federated sign-in after it, the change is reported at medium when an existing anchor was
--   replaced by another value or the UPN became #EXT#; a first anchor set on an account that
--   had none (hybrid onboarding, hard match) is reported only when a federated sign-in follows.
--   One finding per user change; record_ids are the audits, the sign-ins are in signin_ids.
-- why: >-
--   A federated domain's identity provider names the user by ImmutableId. Whoever can set a
--   cloud account's ImmutableId to a value their own (or a backdoor AADInternals) federation
--   issues a token for signs in as that user without password or MFA; re-pointing the anchor
--   or the UPN of an existing account hijacks it the same way.
-- remediation: [revert_federation, revoke_sessions, reset_password, review_configuration, confirm_compromised]
-- tables: [audits, signins]
-- params:
--   window_days: 7
-- false_positives:
--   - Directory migrations that re-anchor users (objectGUID to ms-DS-ConsistencyGuid, forest moves) followed by their normal AD FS sign-ins
--   - Hard-matching a cloud account to its new on-premises account during hybrid onboarding
-- references:
--   - https://aadinternals.com/post/federation-vulnerability/
--   - https://aadinternals.com/post/aadbackdoor/
--   - https://github.com/splunk/security_content/blob/develop/detections/cloud/azure_ad_user_immutableid_attribute_updated.yml
--   - https://www.mandiant.com/resources/blog/detecting-microsoft-365-azure-active-directory-backdoors
--   - https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts
-- catalog: [HYBRID-HIJACK]
-- ---
WITH user_updates AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE activity = 'Update user' AND result = 'success'
    AND (changes ILIKE '%SourceAnchor%' OR changes ILIKE '%ImmutableId%' OR changes ILIKE '%#ext#%')
),
user_props AS (
  SELECT id, UNNEST(tg.modified_properties) AS mp FROM user_updates
),
props AS (
  SELECT id,
         MAX(CASE WHEN LOWER(mp.name) IN ('sourceanchor', 'immutableid', 'onpremisesimmutableid')
                  THEN NULLIF(TRIM(COALESCE(mp.old_value, '')), '') END) AS old_anchor,
         MAX(CASE WHEN LOWER(mp.name) IN ('sourceanchor', 'immutableid', 'onpremisesimmutableid')
                  THEN NULLIF(TRIM(COALESCE(mp.new_value, '')), '') END) AS new_anchor,
         MAX(CASE WHEN LOWER(mp.name) IN ('sourceanchor', 'immutableid', 'onpremisesimmutableid') THEN 1 ELSE 0 END) AS anchor_touched,
         MAX(CASE WHEN LOWER(mp.name) = 'userprincipalname' AND LOWER(COALESCE(mp.new_value, '')) LIKE '%#ext#%'
                       AND NOT LOWER(COALESCE(mp.old_value, '')) LIKE '%#ext#%'
                  THEN LOWER(mp.new_value) END) AS new_ext_upn,
         MAX(CASE WHEN LOWER(mp.name) = 'userprincipalname' AND LOWER(COALESCE(mp.new_value, '')) LIKE '%#ext#%'
                       AND NOT LOWER(COALESCE(mp.old_value, '')) LIKE '%#ext#%'
                  THEN LOWER(mp.old_value) END) AS old_upn
  FROM user_props
  GROUP BY id
),
relinks AS (
  SELECT a.id, a.time, COALESCE(a.actor_upn, a.actor_app_name, a.actor_display_name) AS actor, a.ip_address AS actor_ip,
         a.target_id, a.target_upn, COALESCE(a.target_upn, a.target_name, a.target_id) AS account,
         p.old_anchor, p.new_anchor, p.new_ext_upn, p.old_upn,
         CASE WHEN p.new_ext_upn IS NOT NULL THEN 'upn_ext'
              WHEN p.anchor_touched = 1 AND p.old_anchor IS NOT NULL
                   AND COALESCE(p.new_anchor, '') <> p.old_anchor THEN 'anchor_replaced'
              WHEN p.anchor_touched = 1 AND p.old_anchor IS NULL AND p.new_anchor IS NOT NULL THEN 'anchor_set'
         END AS change_kind
  FROM audits a
  JOIN props p ON p.id = a.id
),
changes AS (
  SELECT * FROM relinks WHERE change_kind IS NOT NULL
),
-- every name the changed account may sign in under
account_keys AS (
  SELECT id, target_id AS key FROM changes WHERE target_id IS NOT NULL
  UNION ALL
  SELECT id, target_upn AS key FROM changes WHERE target_upn IS NOT NULL
  UNION ALL
  SELECT id, new_ext_upn AS key FROM changes WHERE new_ext_upn IS NOT NULL
  UNION ALL
  SELECT id, old_upn AS key FROM changes WHERE old_upn IS NOT NULL
),
federated AS (
  SELECT id AS signin_id, time, user_id, user_principal_name, ip_address, country, asn,
         COALESCE(token_issuer_type, '') AS token_issuer_type, token_issuer_name,
         COALESCE(ip_is_hosting, FALSE) OR ip_intel IS NOT NULL AS risky_ip,
         NOT (COALESCE(ip_is_own_for_user, FALSE) OR COALESCE(asn_is_usual_for_user, FALSE) OR COALESCE(ip_is_trusted, FALSE))
           AS new_network
  FROM signins
  WHERE result = 'success'
    AND category IN ('interactive', 'non_interactive')
    AND (token_issuer_type = 'ADFederationServices'
         OR LOWER(COALESCE(incoming_token_type, '')) IN ('saml11', 'saml20', 'wsfed', 'wsfederation')
         OR authentication_protocol IN ('wsFederation', 'saml20'))
),
fed_keys AS (
  SELECT signin_id, user_id AS key FROM federated WHERE user_id IS NOT NULL
  UNION ALL
  SELECT signin_id, user_principal_name AS key FROM federated WHERE user_principal_name IS NOT NULL
),
pairs AS (
  SELECT DISTINCT k.id, f.signin_id
  FROM account_keys k
  JOIN fed_keys fk ON fk.key = k.key
  JOIN federated f ON f.signin_id = fk.signin_id
  JOIN changes c ON c.id = k.id
  WHERE f.time >= c.time
    AND CAST(f.time AS BIGINT) - CAST(c.time AS BIGINT) <= {{window_days}} * 86400000000
),
per_change AS (
  SELECT p.id,
         MAX(f.time) AS last_signin,
         COUNT(*) AS fed_signins,
         STRING_AGG(DISTINCT f.signin_id, ';' ORDER BY f.signin_id) AS signin_ids,
         STRING_AGG(DISTINCT f.ip_address, ';' ORDER BY f.ip_address) AS signin_ips,
         STRING_AGG(DISTINCT f.country, ';' ORDER BY f.country) AS signin_countries,
         STRING_AGG(DISTINCT f.token_issuer_type, ';' ORDER BY f.token_issuer_type) AS token_issuer_types,
         STRING_AGG(DISTINCT f.token_issuer_name, ';' ORDER BY f.token_issuer_name) AS token_issuers,
         MIN(DIV(CAST(f.time AS BIGINT) - CAST(c.time AS BIGINT), 60000000)) AS minutes_to_first_signin,
         MAX(CASE WHEN f.risky_ip OR f.new_network THEN 1 ELSE 0 END) AS unusual_source,
         STRING_AGG(DISTINCT CASE WHEN f.risky_ip OR f.new_network THEN f.ip_address END, ';'
                    ORDER BY CASE WHEN f.risky_ip OR f.new_network THEN f.ip_address END) AS unusual_ips
  FROM pairs p
  JOIN federated f ON f.signin_id = p.signin_id
  JOIN changes c ON c.id = p.id
  GROUP BY p.id
),
scored AS (
  SELECT c.*, s.last_signin, COALESCE(s.fed_signins, 0) AS fed_signins, s.signin_ids, s.signin_ips, s.signin_countries,
         s.token_issuer_types, s.token_issuers, s.minutes_to_first_signin, COALESCE(s.unusual_source, 0) AS unusual_source,
         s.unusual_ips
  FROM changes c
  LEFT JOIN per_change s ON s.id = c.id
)
SELECT time AS first_seen,
       COALESCE(last_signin, time) AS last_seen,
       CONCAT_WS(';', COALESCE(target_upn, account), CASE WHEN actor LIKE '%@%' THEN actor END) AS principals,
       CONCAT_WS(';', actor_ip, signin_ips) AS ips,
       1 + fed_signins AS evidence_count,
       CONCAT(COALESCE(account, 'an unknown user'), ': ',
              CASE change_kind
                WHEN 'upn_ext' THEN CONCAT('UPN changed to ', new_ext_upn)
                WHEN 'anchor_replaced' THEN CONCAT('ImmutableId / SourceAnchor replaced (', old_anchor, ' -> ', COALESCE(new_anchor, 'empty'), ')')
                ELSE CONCAT('ImmutableId / SourceAnchor set to ', new_anchor, ' (it had none)')
              END,
              ' by ', COALESCE(actor, 'an unknown actor'),
              CASE WHEN actor_ip IS NULL THEN '' ELSE CONCAT(' from ', actor_ip) END,
              CASE WHEN fed_signins > 0
                   THEN CONCAT(', then ', CAST(fed_signins AS VARCHAR), ' federated sign-in(s) of the account, the first ',
                               CAST(minutes_to_first_signin AS VARCHAR), ' min later, from ', signin_ips,
                               CASE WHEN unusual_source = 1 THEN ' (a network the user never used or a hosting / intel-listed IP)' ELSE '' END)
                   ELSE CONCAT(', no federated sign-in of the account within ', CAST({{window_days}} AS VARCHAR), ' days') END) AS summary,
       CASE WHEN fed_signins > 0 AND unusual_source = 1 THEN 'critical'
            WHEN fed_signins > 0 THEN 'high'
            ELSE 'medium' END AS severity,
       CASE WHEN fed_signins > 0 THEN TRUE END AS access,
       id AS record_ids,
       change_kind,
       old_anchor,
       new_anchor,
       old_upn,
       new_ext_upn,
       actor AS changed_by,
       signin_ids,
       signin_countries,
       token_issuer_types,
       token_issuers,
       unusual_ips
FROM scored
WHERE fed_signins > 0 OR change_kind IN ('anchor_replaced', 'upn_ext')
