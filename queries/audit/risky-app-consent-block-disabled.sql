-- ---
-- id: CONSENT-RISK-BLOCK-OFF
-- title: Risk-based step-up consent switched off (users may consent to risky apps)
-- kind: detection
-- severity: high
-- techniques: [T1562.001, T1528]
-- tactics: [defense-evasion, credential-access]
-- description: >-
--   A successful tenant-settings change that turns off Microsoft's block on user consent to
--   risky applications: "Update authorization policy" whose AllowUserConsentForRiskyApps goes
--   to true, or a change of the "Consent Policy Settings" directory setting ("Update company
--   settings", "Create company settings", "Update directory setting") whose
--   BlockUserConsentForRiskyApps goes to false. The old value must not already be in the weak
--   state. Matched on the modified property's name or on the key inside a JSON value (the
--   authorization policy object or the setting's name / value list), case-insensitively.
--   High; critical when the actor came from a hosting or intel-listed IP or used an
--   attack-tool user agent.
-- why: >-
--   Risk-based step-up consent is what stops an illicit-consent phishing campaign when users
--   click "Accept": a risky app (new, unverified, sensitive scopes) needs an admin instead.
--   Switching it off before sending the lure is a preparation step for consent phishing.
-- remediation: [revert_policy_change, review_configuration, ask_customer]
-- tables: [audits]
-- false_positives:
--   - An administrator disabling the block while testing an in-house multi-tenant app (it should be re-enabled right after)
-- references:
--   - https://github.com/splunk/security_content/blob/develop/detections/cloud/o365_block_user_consent_for_risky_apps_disabled.yml
--   - https://learn.microsoft.com/entra/identity/enterprise-apps/configure-risk-based-step-up-consent
--   - https://maester.dev/docs/tests/EIDSCA.CP03
--   - https://maester.dev/docs/tests/EIDSCA.AP09
-- catalog: [TENANT-POLICY]
-- ---
WITH events AS (
  SELECT id, UNNEST(targets) AS tg
  FROM audits
  WHERE result = 'success'
    AND activity IN ('Update authorization policy', 'Update company settings', 'Create company settings',
                     'Update directory setting')
),
props AS (
  SELECT id, tg.display_name AS setting, UNNEST(tg.modified_properties) AS mp FROM events
),
vals AS (
  SELECT id, setting,
         LOWER(COALESCE(mp.name, '')) AS name,
         LOWER(COALESCE(mp.old_value, '')) AS o,
         LOWER(COALESCE(mp.new_value, '')) AS n
  FROM props
),
-- the weak state, as its own property or as a key inside a JSON value
weak AS (
  SELECT id, setting,
         CASE
           WHEN name LIKE '%allowuserconsentforriskyapps%' THEN n LIKE '%true%' AND o NOT LIKE '%true%'
           WHEN name LIKE '%blockuserconsentforriskyapps%' THEN n LIKE '%false%' AND o NOT LIKE '%false%'
           ELSE (n ~ 'allowuserconsentforriskyapps"?[ ]*[:=,][ ]*("value"[ ]*:[ ]*)?"?true'
                 AND NOT o ~ 'allowuserconsentforriskyapps"?[ ]*[:=,][ ]*("value"[ ]*:[ ]*)?"?true')
             OR (n ~ 'blockuserconsentforriskyapps"?[ ]*[:=,][ ]*("value"[ ]*:[ ]*)?"?false'
                 AND NOT o ~ 'blockuserconsentforriskyapps"?[ ]*[:=,][ ]*("value"[ ]*:[ ]*)?"?false')
         END AS turned_off,
         CASE WHEN name LIKE '%allowuserconsentforriskyapps%' OR n LIKE '%allowuserconsentforriskyapps%'
              THEN 'AllowUserConsentForRiskyApps -> true' ELSE 'BlockUserConsentForRiskyApps -> false' END AS switch
  FROM vals
  WHERE name LIKE '%userconsentforriskyapps%' OR n LIKE '%userconsentforriskyapps%'
),
hits AS (
  SELECT id, MIN(setting) AS setting, STRING_AGG(DISTINCT switch, '; ' ORDER BY switch) AS switch
  FROM weak
  WHERE turned_off
  GROUP BY id
)
SELECT a.time AS first_seen,
       a.time AS last_seen,
       COALESCE(a.actor_upn, a.actor_app_name) AS principals,
       a.ip_address AS ips,
       1 AS evidence_count,
       CONCAT('Risk-based step-up consent switched off (', h.switch, ') with "', a.activity, '"',
              CASE WHEN h.setting IS NULL THEN '' ELSE CONCAT(' on ', h.setting) END,
              ' by ', COALESCE(a.actor_upn, a.actor_app_name, 'an unknown actor'),
              CASE WHEN a.ip_address IS NULL THEN '' ELSE CONCAT(' from ', a.ip_address) END,
              ': users may now consent to apps Microsoft flags as risky') AS summary,
       CASE WHEN a.ip_is_hosting OR a.ip_intel IS NOT NULL OR a.ua_tool_kind = 'attack_tool' THEN 'critical'
            ELSE 'high' END AS severity,
       a.id AS record_ids,
       a.activity,
       h.setting,
       h.switch AS change,
       a.changes,
       a.user_agent,
       a.ip_hosting_provider,
       a.ip_intel
FROM audits a
JOIN hits h ON h.id = a.id
