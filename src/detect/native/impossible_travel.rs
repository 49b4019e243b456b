//! IMPOSSIBLE-TRAVEL: consecutive successful sign-ins of one user from places too far apart
//! for the time between them (geo-velocity).
//!
//! Each user's successful interactive sign-ins with coordinates (non-interactive too when
//! `include_non_interactive` is set: refresh-token traffic is mostly the user's own devices
//! behind proxies and carriers) are ordered by time; each is compared with the previous one
//! from a *different country*. A pair is flagged when the great-circle distance is at least
//! `min_km` and the implied speed at least `min_kmh`, within `max_minutes`.
//!
//! What real tenants teleport through is skipped: pairs touching a trusted address (the
//! policy's offices and VPN, or the learned shared egress) and pairs whose two countries
//! are both usual for the user. A pair through a hosting network the user usually signs in
//! from (the tenant's cloud proxy, whose nodes hop countries) is kept but low. What is left
//! is reported once per user, pair of countries and UTC day, with how often it happened.

use polars::prelude::*;

use super::NativeCtx;
use crate::schema::{enriched as e, Table};

const EARTH_RADIUS_KM: f64 = 6371.0;

fn prev(c: &str) -> PolarsResult<Expr> {
    col(c).shift(lit(1)).over([col("user_principal_name")]).map(|x| x.alias(format!("prev_{c}")))
}

fn text(x: Expr) -> Expr {
    x.round(0, RoundMode::HalfAwayFromZero).cast(DataType::Int64).cast(DataType::String)
}

pub fn plan(ctx: &NativeCtx) -> PolarsResult<LazyFrame> {
    let (min_km, min_kmh, max_minutes) = (ctx.num("min_km")?, ctx.num("min_kmh")?, ctx.num("max_minutes")?);
    let non_interactive = ctx.flag("include_non_interactive")?;
    let categories = if non_interactive {
        col("category").eq(lit("interactive")).or(col("category").eq(lit("non_interactive")))
    } else {
        col("category").eq(lit("interactive"))
    };
    let base = ctx
        .table(Table::SignIns)
        .filter(
            col("result")
                .eq(lit("success"))
                .and(categories)
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
            col(e::COUNTRY_IS_USUAL_FOR_USER),
            (col(e::IP_IS_HOSTING).and(col(e::ASN_IS_USUAL_FOR_USER))).alias("usual_proxy"),
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
    let either = |c: &str| col(c).or(col(format!("prev_{c}")));

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
            prev(e::COUNTRY_IS_USUAL_FOR_USER)?,
            prev("usual_proxy")?,
        ])
        .filter(col("prev_time").is_not_null().and(col("country").neq(col("prev_country"))))
        .with_columns([km, minutes])
        .with_column(speed)
        .filter(
            col("distance_km")
                .gt_eq(lit(min_km))
                .and(col("speed_kmh").gt_eq(lit(min_kmh)))
                .and(col("minutes").lt_eq(lit(max_minutes)))
                .and(either(e::IP_IS_TRUSTED).not())
                .and(
                    col(e::COUNTRY_IS_USUAL_FOR_USER)
                        .and(col(format!("prev_{}", e::COUNTRY_IS_USUAL_FOR_USER)))
                        .not(),
                ),
        )
        .with_columns([
            // The unordered pair of countries: A→B and B→A the same day are one finding.
            when(col("prev_country").lt(col("country")))
                .then(concat_str([col("prev_country"), lit("-"), col("country")], "", true))
                .otherwise(concat_str([col("country"), lit("-"), col("prev_country")], "", true))
                .alias("pair"),
            col("time").dt().strftime("%Y-%m-%d").alias("day"),
            either("usual_proxy").alias("via_proxy"),
        ]);

    let place = |city: &str, country: &str| {
        concat_str([col(city).fill_null(lit("?")), lit(", "), col(country)], "", true)
    };
    // Rows are in time order per user, so `first()` is the day's first hop of the pair.
    let per_day = flagged.group_by_stable([col("user_principal_name"), col("pair"), col("day")]).agg([
        col("prev_time").first().alias("first_seen"),
        col("time").max().alias("last_seen"),
        len().alias("hops"),
        col("prev_ip_address").first(),
        col("ip_address").first(),
        col("prev_city").first(),
        col("prev_country").first(),
        col("city").first(),
        col("country").first(),
        col("distance_km").first(),
        col("minutes").first(),
        col("speed_kmh").first(),
        col("prev_id").first(),
        col("id").first(),
        col("via_proxy").min().alias("via_proxy"),
    ]);

    Ok(per_day.select([
        col("first_seen"),
        col("last_seen"),
        col("user_principal_name").alias("principals"),
        concat_str([col("prev_ip_address"), col("ip_address")], ";", true).alias("ips"),
        (col("hops").cast(DataType::Int64) * lit(2i64)).alias("evidence_count"),
        concat_str(
            [
                col("user_principal_name"),
                lit(" signed in from "),
                place("prev_city", "prev_country"),
                lit(" then "),
                place("city", "country"),
                lit(": "),
                text(col("distance_km")),
                lit(" km in "),
                text(col("minutes")),
                lit(" min ("),
                text(col("speed_kmh")),
                lit(" km/h)"),
                when(col("hops").gt(lit(1)))
                    .then(concat_str(
                        [lit("; "), col("hops").cast(DataType::String), lit(" such hops that day")],
                        "",
                        true,
                    ))
                    .otherwise(lit("")),
                when(col("via_proxy"))
                    .then(lit("; through a hosting network the user usually signs in from"))
                    .otherwise(lit("")),
            ],
            "",
            true,
        )
        .alias("summary"),
        when(col("via_proxy")).then(lit("low")).otherwise(lit("medium")).alias("severity"),
        concat_str([col("prev_id"), col("id")], ";", true).alias("record_ids"),
        col("distance_km").round(1, RoundMode::HalfAwayFromZero),
        col("speed_kmh").round(0, RoundMode::HalfAwayFromZero),
        col("prev_country").alias("from_country"),
        col("country").alias("to_country"),
        col("hops").cast(DataType::Int64).alias("hops"),
    ]))
}
