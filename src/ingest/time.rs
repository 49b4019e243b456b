//! Timestamp parsing for every time format Entra exports carry (docs/formats.md §1.7).
//!
//! Output is always UTC microseconds since the epoch. Accepted:
//! - ISO 8601 with `T` or a space, 0–9 fractional digits, `Z`, `±HH:MM`, `±HHMM` or no zone
//!   (treated as UTC), and one-digit hours (`2022-09-09T8:48:50.361Z`, seen in real records);
//! - US culture `M/D/YYYY h:mm:ss[.fff] [AM|PM] [±HH:MM]`, with or without the comma Log
//!   Analytics puts after the date (`9/19/2023, 1:45:17.287 PM`);
//! - .NET JSON dates `\/Date(1712916672000)\/`, optionally with a `+0100` suffix.
//!
//! Hand-written rather than chrono's format-string parsers: this runs once per record on
//! the ingest hot path, and one tolerant scanner covers all variants in a single pass.

/// Parse any supported timestamp into UTC microseconds. `None` for unparseable text.
pub fn parse_utc_micros(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    if let Some(rest) = s.strip_prefix("\\/Date(").or_else(|| s.strip_prefix("/Date(")) {
        return parse_dotnet(rest);
    }
    let mut p = Scanner { b, i: 0 };
    let first = p.digits(1, 4)?;
    match p.peek()? {
        b'-' if first.1 == 4 => parse_iso(&mut p, first.0),
        b'/' => parse_us(&mut p, first.0),
        _ => None,
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
    /// Read between `min` and `max` ASCII digits; returns (value, count).
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let start = self.i;
        let mut v: i64 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + i64::from(c - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        let n = self.i - start;
        (n >= min).then_some((v, n))
    }
    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn valid_date(y: i64, m: i64, d: i64) -> bool {
    if !(1..=12).contains(&m) || d < 1 || !(1900..=2200).contains(&y) {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    d <= dim[(m - 1) as usize]
}

fn assemble(
    (y, mo, d): (i64, i64, i64),
    (h, mi, s, micros): (i64, i64, i64, i64),
    offset_s: i64,
) -> Option<i64> {
    if !valid_date(y, mo, d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset_s;
    Some(secs * 1_000_000 + micros)
}

/// Fractional seconds after a `.`: up to 9 digits, truncated to microseconds.
fn fraction(p: &mut Scanner<'_>) -> Option<i64> {
    if !p.eat(b'.') {
        return Some(0);
    }
    let start = p.i;
    let mut micros = 0i64;
    let mut n = 0;
    while let Some(c @ b'0'..=b'9') = p.peek() {
        if n < 6 {
            micros = micros * 10 + i64::from(c - b'0');
        }
        n += 1;
        p.i += 1;
    }
    if p.i == start {
        return None;
    }
    for _ in n..6 {
        micros *= 10;
    }
    Some(micros)
}

/// `Z`, `±HH:MM`, `±HHMM`, `±HH`, or nothing (UTC). Returns the offset in seconds.
fn zone(p: &mut Scanner<'_>) -> Option<i64> {
    p.skip_spaces();
    if p.at_end() || p.eat(b'Z') || p.eat(b'z') {
        return Some(0);
    }
    let sign = match p.peek()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    p.i += 1;
    let (h, _) = p.digits(2, 2)?;
    p.eat(b':');
    let m = p.digits(2, 2).map(|x| x.0).unwrap_or(0);
    Some(sign * (h * 3600 + m * 60))
}

fn parse_iso(p: &mut Scanner<'_>, y: i64) -> Option<i64> {
    p.eat(b'-');
    let (mo, _) = p.digits(1, 2)?;
    if !p.eat(b'-') {
        return None;
    }
    let (d, _) = p.digits(1, 2)?;
    let (h, mi, s, micros) = if p.eat(b'T') || p.eat(b't') || p.eat(b' ') {
        let (h, _) = p.digits(1, 2)?;
        if !p.eat(b':') {
            return None;
        }
        let (mi, _) = p.digits(2, 2)?;
        let s = if p.eat(b':') { p.digits(2, 2)?.0 } else { 0 };
        (h, mi, s, fraction(p)?)
    } else {
        (0, 0, 0, 0)
    };
    let off = zone(p)?;
    if !p.at_end() {
        return None;
    }
    assemble((y, mo, d), (h, mi, s, micros), off)
}

fn parse_us(p: &mut Scanner<'_>, mo: i64) -> Option<i64> {
    p.eat(b'/');
    let (d, _) = p.digits(1, 2)?;
    if !p.eat(b'/') {
        return None;
    }
    let (y, _) = p.digits(4, 4)?;
    p.eat(b',');
    p.skip_spaces();
    let (mut h, _) = p.digits(1, 2)?;
    if !p.eat(b':') {
        return None;
    }
    let (mi, _) = p.digits(2, 2)?;
    let s = if p.eat(b':') { p.digits(2, 2)?.0 } else { 0 };
    let micros = fraction(p)?;
    p.skip_spaces();
    let rest = &p.b[p.i..];
    let meridiem = if rest.len() >= 2 && rest[1].eq_ignore_ascii_case(&b'M') {
        match rest[0].to_ascii_uppercase() {
            b'A' => Some(false),
            b'P' => Some(true),
            _ => None,
        }
    } else {
        None
    };
    if let Some(pm) = meridiem {
        p.i += 2;
        if !(1..=12).contains(&h) {
            return None;
        }
        h = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    let off = zone(p)?;
    if !p.at_end() {
        return None;
    }
    assemble((y, mo, d), (h, mi, s, micros), off)
}

/// `1712916672000)\/` or `1712916672000+0100)/`: milliseconds since the epoch, already UTC.
fn parse_dotnet(rest: &str) -> Option<i64> {
    let end = rest.find(')')?;
    let body = &rest[..end];
    let digits_end = body
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    let ms: i64 = body[..digits_end].parse().ok()?;
    // Outside the years every other format accepts (1900-2200) it is not a log time: hostile
    // or corrupt input, rejected rather than overflowed or silently wrapped.
    let micros = ms.checked_mul(1000)?;
    (MIN_MICROS..=MAX_MICROS).contains(&micros).then_some(micros)
}

/// 1900-01-01T00:00:00Z and 2200-12-31T23:59:59.999999Z in microseconds (`valid_date`'s range).
const MIN_MICROS: i64 = -2_208_988_800_000_000;
const MAX_MICROS: i64 = 7_289_654_399_999_999;

/// Render UTC microseconds as RFC 3339 with microsecond precision and `Z`.
pub fn format_rfc3339(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    match chrono::DateTime::from_timestamp(secs, (frac * 1000) as u32) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => String::new(),
    }
}

/// The UTC calendar date (YYYY-MM-DD) of a timestamp: the dataset's partition key.
pub fn date_of(micros: i64) -> String {
    let days = micros.div_euclid(86_400_000_000);
    match chrono::DateTime::from_timestamp(days * 86_400, 0) {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => String::from("invalid"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        format_rfc3339(parse_utc_micros(s).unwrap_or_else(|| panic!("{s} did not parse")))
    }

    #[test]
    fn iso_variants() {
        assert_eq!(iso("2024-05-01T10:00:00Z"), "2024-05-01T10:00:00.000000Z");
        assert_eq!(iso("2022-02-08T06:22:28.3518405Z"), "2022-02-08T06:22:28.351840Z");
        assert_eq!(iso("2021-08-02T13:29:25.983Z"), "2021-08-02T13:29:25.983000Z");
        assert_eq!(iso("2024-05-01T10:00:00.535404056Z"), "2024-05-01T10:00:00.535404Z");
        assert_eq!(iso("2024-05-01T10:00:00.1234567+00:00"), "2024-05-01T10:00:00.123456Z");
        assert_eq!(iso("2024-05-01T05:00:00-05:00"), "2024-05-01T10:00:00.000000Z");
        assert_eq!(iso("2024-05-01T12:00:00+0200"), "2024-05-01T10:00:00.000000Z");
        assert_eq!(iso("2024-05-01 10:00:00"), "2024-05-01T10:00:00.000000Z");
        assert_eq!(iso("2024-05-01T10:00:00"), "2024-05-01T10:00:00.000000Z");
        // one-digit hour, seen in Identity Protection records
        assert_eq!(iso("2022-09-09T8:48:50.361Z"), "2022-09-09T08:48:50.361000Z");
    }

    #[test]
    fn us_variants() {
        assert_eq!(iso("8/22/2022 6:07:16 PM"), "2022-08-22T18:07:16.000000Z");
        assert_eq!(iso("11/14/2025 1:48:53 AM"), "2025-11-14T01:48:53.000000Z");
        assert_eq!(iso("12/1/2025 12:05:00 AM"), "2025-12-01T00:05:00.000000Z");
        assert_eq!(iso("12/1/2025 12:05:00 PM"), "2025-12-01T12:05:00.000000Z");
        assert_eq!(iso("4/28/2021, 2:08:45.221 PM"), "2021-04-28T14:08:45.221000Z");
        assert_eq!(iso("1/9/2007 10:41:00 AM +01:00"), "2007-01-09T09:41:00.000000Z");
        assert_eq!(iso("4/12/2024 22:11:12"), "2024-04-12T22:11:12.000000Z");
    }

    #[test]
    fn dotnet_dates() {
        assert_eq!(iso("\\/Date(1712916672000)\\/"), "2024-04-12T10:11:12.000000Z");
        // Found by the fuzzer: out-of-range .NET dates overflowed (debug) or wrapped (release).
        for s in ["/Date(17145576000000000000)/", "/Date(171457760000005570)/", "/Date(9714557600000)/"] {
            assert_eq!(parse_utc_micros(s), None, "{s}");
        }
        for s in ["/Date(7289654399999)/", "/Date(-2208988800000)/", "/Date(0)/"] {
            let t = parse_utc_micros(s).unwrap();
            assert_eq!(parse_utc_micros(&format_rfc3339(t)), Some(t), "{s} → {}", format_rfc3339(t));
        }
        assert_eq!(iso("/Date(1712916672000+0100)/"), "2024-04-12T10:11:12.000000Z");
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "13/40/2024 1:00 PM",
            "2024-05-01T10:00:00Zjunk",
            "4/28/2021, 13:08:45 PM",
            "1714557600",
        ] {
            assert_eq!(parse_utc_micros(s), None, "{s:?} should not parse");
        }
    }

    #[test]
    fn dates_partition() {
        assert_eq!(date_of(parse_utc_micros("2024-05-01T23:59:59.999Z").unwrap()), "2024-05-01");
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
