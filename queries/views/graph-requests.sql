-- ---
-- view: graph_requests
-- description: >-
--   Microsoft Graph requests with who made them and whether the source is one the caller's
--   own sign-ins vouch for. `caller` is the user's UPN, else the app's name, else the
--   principal's object id; `unvouched` is true when the request came from an address the
--   caller never signed in from successfully (a token used elsewhere), a hosting or
--   intel-listed network, or an attack tool or HTTP library. Requests from trusted egress
--   (policy or learned) are left out unless a tool made them. The Graph rules count and
--   judge requests through it.
-- tables: [graph_activity]
-- ---
SELECT *,
       COALESCE(user_principal_name, user_id, app_display_name, service_principal_id, app_id) AS caller,
       (NOT principal_signed_in_from_ip OR ip_is_hosting OR ip_intel IS NOT NULL
        OR ua_tool_kind IS NOT NULL) AS unvouched,
       CAST(time AS BIGINT) AS t_us
FROM graph_activity
WHERE ip_is_trusted = FALSE OR ip_is_trusted IS NULL OR ua_tool_kind IS NOT NULL
