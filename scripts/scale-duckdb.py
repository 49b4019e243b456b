"""DuckDB's side of scripts/scale.sh: four core detections over a dataset's sign-ins parquet.

The same shapes of work as entrascope's SPRAY-IP, MFA-FATIGUE, IMPOSSIBLE-TRAVEL and
TOKEN-REPLAY (window aggregation by address, per-user bursts, per-user ordered pairs,
per-session origin joins), without entrascope's enrichment columns (DuckDB has none: it
computes no trust, hosting or usual-place facts). A yardstick for the engine, not a second
implementation: it prints the rows each query returns.

Usage: python3 scripts/scale-duckdb.py DATASET_DIR
"""
import sys

import duckdb

ds = sys.argv[1]
con = duckdb.connect()
con.execute(
    f"CREATE VIEW signins AS SELECT * FROM read_parquet('{ds}/signins/*/*.parquet', union_by_name=true)"
)
QUERIES = {
    "spray": """
        WITH fails AS (
          SELECT ip_address, user_principal_name, time,
                 epoch_us(time) // (20 * 60000000) AS bucket
          FROM signins
          WHERE error_code IN (50126, 50053, 50055) AND ip_address IS NOT NULL
            AND user_principal_name IS NOT NULL),
        sprays AS (SELECT ip_address, bucket FROM fails GROUP BY ALL
                   HAVING COUNT(DISTINCT user_principal_name) >= 5)
        SELECT f.ip_address, MIN(time), MAX(time), COUNT(*), COUNT(DISTINCT user_principal_name)
        FROM fails f JOIN sprays s USING (ip_address, bucket) GROUP BY f.ip_address""",
    "mfa_fatigue": """
        WITH denies AS (
          SELECT user_principal_name, time FROM signins
          WHERE category IN ('interactive', 'non_interactive') AND user_principal_name IS NOT NULL
            AND (status_detail ILIKE '%MFA denied%' OR mfa_result_detail ILIKE '%MFA denied%')),
        marked AS (
          SELECT *, CASE WHEN epoch_us(time) - epoch_us(LAG(time) OVER w) <= 10 * 60000000
                         THEN 0 ELSE 1 END AS opens
          FROM denies WINDOW w AS (PARTITION BY user_principal_name ORDER BY time)),
        numbered AS (SELECT *, SUM(opens) OVER (PARTITION BY user_principal_name ORDER BY time) AS burst
                     FROM marked)
        SELECT user_principal_name, burst, MIN(time), MAX(time), COUNT(*) FROM numbered
        GROUP BY ALL HAVING COUNT(*) >= 5""",
    "travel": """
        WITH s AS (
          SELECT user_principal_name, time, ip_address, latitude, longitude,
                 LAG(time) OVER w AS prev_time, LAG(latitude) OVER w AS prev_lat,
                 LAG(longitude) OVER w AS prev_lon, LAG(ip_address) OVER w AS prev_ip
          FROM signins
          WHERE result = 'success' AND user_principal_name IS NOT NULL AND latitude IS NOT NULL
          WINDOW w AS (PARTITION BY user_principal_name ORDER BY time))
        SELECT user_principal_name, prev_ip, ip_address, prev_time, time FROM s
        WHERE prev_time IS NOT NULL AND ip_address <> prev_ip
          AND 6371 * 2 * asin(sqrt(pow(sin(radians(latitude - prev_lat) / 2), 2)
              + cos(radians(prev_lat)) * cos(radians(latitude)) * pow(sin(radians(longitude - prev_lon) / 2), 2)))
              / greatest((epoch_us(time) - epoch_us(prev_time)) / 3600e6, 1 / 60) > 1000""",
    "token_replay": """
        WITH r AS (
          SELECT user_principal_name, session_id, time, ip_address, COALESCE(asn, -1) AS asn_key
          FROM signins
          WHERE category IN ('interactive', 'non_interactive') AND session_id IS NOT NULL
            AND user_principal_name IS NOT NULL AND ip_address IS NOT NULL),
        o AS (SELECT user_principal_name, session_id, arg_min(ip_address, time) AS origin_ip,
                     arg_min(asn_key, time) AS origin_asn, MIN(time) AS started
              FROM r GROUP BY ALL)
        SELECT r.user_principal_name, r.session_id, MIN(r.time), MAX(r.time), COUNT(*)
        FROM r JOIN o USING (user_principal_name, session_id)
        WHERE r.ip_address <> o.origin_ip AND r.asn_key <> o.origin_asn GROUP BY ALL""",
}
for name, sql in QUERIES.items():
    n = len(con.execute(sql).fetchall())
    print(f"{name}: {n} rows")
