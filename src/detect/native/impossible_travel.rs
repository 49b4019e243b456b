//! IMPOSSIBLE-TRAVEL: consecutive successful sign-ins of one user from places too far apart
//! for the time between them (geo-velocity).
//!
//! Each user's successful interactive and non-interactive sign-ins with coordinates are
//! ordered by time; each is compared with the previous one from a *different country*. A
//! pair is flagged when the great-circle distance is at least `min_km` and the implied speed
//! at least `min_kmh`, within `max_minutes`. Pairs touching a trusted IP (office, VPN
//! egress) are suppressed: corporate VPNs "teleport" users all day.

use polars::prelude::*;

use super::NativeCtx;
use crate::schema::{enriched as e, Table};

const EARTH_RADIUS_KM: f64 = 6371.0;

fn prev(c: &str) -> PolarsResult<Expr> {
    col(c).shift(lit(1)).over([col("user_principal_name")]).map(|x| x.alias(format!("prev_{c}")))
}

pub fn plan(ctx: &NativeCtx) -> PolarsResult<LazyFrame> {
    let (min_km, min_kmh, max_minutes) = (ctx.num("min_km")?, ctx.num("min_kmh")?, ctx.num("max_minutes")?);
    let base = ctx
        .table(Table::SignIns)
        .filter(
            col("result")
                .eq(lit("success"))
                .and(col("category").eq(lit("interactive")).or(col("category").eq(lit("non_interactive"))))
                .and(col("user_principal_name").is_not_null())
                .and(col("latitude").is_not_null())
                .and(col("longitude").is_not_null())
                .and(col("country").is_not_null()),
        )
        .select([
            col("time"),
            col("id"),
            col("user_principal_name"),
            col("ip_address"),
            col("country"),
            col("city"),
            col("latitude"),
            col("longitude"),
            col(e::IP_IS_TRUSTED),
        ])
        .sort(["user_principal_name", "time"], SortMultipleOptions::default().with_maintain_order(true));

    let rad = |c: &str| col(c) * lit(std::f64::consts::PI / 180.0);
    let hav = ((rad("latitude") - rad("prev_latitude")) / lit(2.0)).sin().pow(2)
        + rad("prev_latitude").cos()
            * rad("latitude").cos()
            * ((rad("longitude") - rad("prev_longitude")) / lit(2.0)).sin().pow(2);
    let km = (lit(2.0 * EARTH_RADIUS_KM) * hav.sqrt().arcsin()).alias("distance_km");
    let minutes = ((col("time").cast(DataType::Int64) - col("prev_time").cast(DataType::Int64))
        .cast(DataType::Float64)
        / lit(60_000_000.0))
    .alias("minutes");
    // Sign-ins within a minute of each other count as a minute apart: no division by zero.
    let speed = (col("distance_km") / (col("minutes").clip_min(lit(1.0)) / lit(60.0))).alias("speed_kmh");

    let flagged = base
        .with_columns([
            prev("time")?,
            prev("id")?,
            prev("ip_address")?,
            prev("country")?,
            prev("city")?,
            prev("latitude")?,
            prev("longitude")?,
            prev(e::IP_IS_TRUSTED)?,
        ])
        .filter(col("prev_time").is_not_null().and(col("country").neq(col("prev_country"))))
        .with_columns([km, minutes])
        .with_column(speed)
        .filter(
            col("distance_km")
                .gt_eq(lit(min_km))
                .and(col("speed_kmh").gt_eq(lit(min_kmh)))
                .and(col("minutes").lt_eq(lit(max_minutes)))
                .and(col(e::IP_IS_TRUSTED).or(col(format!("prev_{}", e::IP_IS_TRUSTED))).not()),
        );

    let place = |city: &str, country: &str| {
        concat_str([col(city).fill_null(lit("?")), lit(", "), col(country)], "", true)
    };
    Ok(flagged.select([
        col("prev_time").alias("first_seen"),
        col("time").alias("last_seen"),
        col("user_principal_name").alias("principals"),
        concat_str([col("prev_ip_address"), col("ip_address")], ";", true).alias("ips"),
        lit(2i64).alias("evidence_count"),
        concat_str(
            [
                col("user_principal_name"),
                lit(" signed in from "),
                place("prev_city", "prev_country"),
                lit(" then "),
                place("city", "country"),
                lit(": "),
                col("distance_km")
                    .round(0, RoundMode::HalfAwayFromZero)
                    .cast(DataType::Int64)
                    .cast(DataType::String),
                lit(" km in "),
                col("minutes")
                    .round(0, RoundMode::HalfAwayFromZero)
                    .cast(DataType::Int64)
                    .cast(DataType::String),
                lit(" min ("),
                col("speed_kmh")
                    .round(0, RoundMode::HalfAwayFromZero)
                    .cast(DataType::Int64)
                    .cast(DataType::String),
                lit(" km/h)"),
            ],
            "",
            true,
        )
        .alias("summary"),
        concat_str([col("prev_id"), col("id")], ";", true).alias("record_ids"),
        col("distance_km").round(1, RoundMode::HalfAwayFromZero),
        col("speed_kmh").round(0, RoundMode::HalfAwayFromZero),
        col("prev_country").alias("from_country"),
        col("country").alias("to_country"),
    ]))
}
