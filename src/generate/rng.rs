//! Tiny deterministic PRNG (xoshiro256** seeded through splitmix64).
//!
//! Every random stream in the generator is derived from the user seed plus a
//! fixed "stream key" (day, user, session …), so the output does not depend
//! on thread scheduling or on the order in which streams are consumed.

use std::fmt;

/// splitmix64 step; also used to mix stream keys.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combine a seed with a list of stream keys into one 64-bit stream seed.
pub fn mix(seed: u64, keys: &[u64]) -> u64 {
    keys.iter().fold(splitmix(seed), |acc, k| splitmix(acc ^ splitmix(*k)))
}

#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut s = [0u64; 4];
        for v in s.iter_mut() {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            *v = splitmix(x);
        }
        Rng { s }
    }

    /// A stream for `seed` and the given keys.
    pub fn stream(seed: u64, keys: &[u64]) -> Rng {
        Rng::new(mix(seed, keys))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n). `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform integer in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Weighted choice; weights need not sum to one.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.f64() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }

    /// Standard normal (Box–Muller; one value per call keeps streams simple).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson-distributed count (Knuth for small means, normal approx above).
    pub fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32;
        }
        let l = (-mean).exp();
        let mut k = 0u32;
        let mut p = 1.0;
        loop {
            p *= self.f64();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }

    /// Geometric count with the given mean (>= 0).
    pub fn geometric(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let p = 1.0 / (mean + 1.0);
        let u = self.f64().max(1e-12);
        (u.ln() / (1.0 - p).ln()).floor() as u32
    }

    /// Random version-4 GUID.
    pub fn guid(&mut self) -> Guid {
        let v = ((self.next_u64() as u128) << 64) | self.next_u64() as u128;
        let v = (v & !(0xF000u128 << 64)) | (0x4000u128 << 64);
        let v = (v & !(0xC000u128 << 48)) | (0x8000u128 << 48);
        Guid(v)
    }

    /// `n` random upper-case alphanumerics (device names, audit id parts).
    pub fn alnum_upper(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..n).map(|_| *self.pick(A) as char).collect()
    }

    /// `n` random lower-case hex digits (risk detection ids, thumbprints).
    pub fn hex(&mut self, n: usize) -> String {
        const H: &[u8] = b"0123456789abcdef";
        (0..n).map(|_| *self.pick(H) as char).collect()
    }

    /// 16 random bytes, base64url without padding (uniqueTokenIdentifier shape).
    pub fn token_id(&mut self) -> String {
        const B: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut s: String = (0..21).map(|_| *self.pick(B) as char).collect();
        // the last char of 16 bytes in base64 carries only 2 bits
        s.push(*self.pick(b"AQgw") as char);
        s
    }
}

/// FNV-1a hash of a string (stable stream keys for names).
pub fn hash_str(v: &str) -> u64 {
    v.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// A GUID kept as a number so records stay small; formatted on output.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Guid(pub u128);

impl Guid {
    pub fn to_bytes36(self) -> [u8; 36] {
        const H: &[u8; 16] = b"0123456789abcdef";
        let mut out = [b'-'; 36];
        let mut nib = 32;
        for (i, slot) in out.iter_mut().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                continue;
            }
            nib -= 1;
            *slot = H[((self.0 >> (nib * 4)) & 0xF) as usize];
        }
        out
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.to_bytes36();
        f.write_str(std::str::from_utf8(&b).expect("ascii"))
    }
}

impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.to_bytes36();
        s.serialize_str(std::str::from_utf8(&b).expect("ascii"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(7, &[1, 2]).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::stream(7, &[1, 2]).next_u64(), Rng::stream(7, &[2, 1]).next_u64());
    }

    #[test]
    fn guid_format() {
        let g = Rng::new(1).guid().to_string();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
    }
}
