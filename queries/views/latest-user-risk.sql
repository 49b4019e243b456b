-- ---
-- view: latest_user_risk
-- description: >-
--   The latest risky-user record per user (keyed by object id, else UPN): is the account
--   still at risk, and at what level? Rules that report an Identity Protection detection
--   join it to say whether the risk was since remediated or dismissed.
-- tables: [risky_users]
-- ---
WITH user_risk_rows AS (
  SELECT COALESCE(user_id, user_principal_name) AS ukey, time, risk_level, risk_state
  FROM risky_users
),
ranked_user_risk AS (
  SELECT ukey, risk_level, risk_state, ROW_NUMBER() OVER (PARTITION BY ukey ORDER BY time DESC) AS rn
  FROM user_risk_rows
)
SELECT ukey, risk_level AS user_risk_level, risk_state AS user_risk_state
FROM ranked_user_risk
WHERE rn = 1
