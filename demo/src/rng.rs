//! Counter-based randomness: every draw is a pure function of `(seed, stream, a, b)`, so the world
//! needs no mutable RNG state and any replica computes the same numbers.

/// splitmix64's finaliser: a strong 64-bit mixer.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of `(seed, stream, a, b)`.
#[inline]
pub fn h(seed: u64, stream: u64, a: i64, b: u64) -> u64 {
    mix(mix(mix(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ (a as u64)) ^ b)
}

/// A uniform draw in [0, 1) from a hash.
#[inline]
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw from a hash (Box–Muller over its two halves).
#[inline]
pub fn gauss(x: u64) -> f64 {
    let u1 = (((x >> 32) as f64) + 1.0) / 4_294_967_297.0;
    let u2 = ((x & 0xFFFF_FFFF) as f64) / 4_294_967_296.0;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Streams (one per purpose) so draws for different things never collide.
pub mod stream {
    pub const COUNT: u64 = 1;
    pub const ROUND: u64 = 2;
    pub const PERM: u64 = 3;
    pub const REQ: u64 = 4;
    pub const REQ2: u64 = 5;
    pub const SPIKE: u64 = 6;
    pub const GAUGE: u64 = 7;
    pub const TASK: u64 = 8;
    pub const DELAY: u64 = 9;
    pub const LAMBDA: u64 = 10;
    pub const AI: u64 = 11;
    pub const FLOW: u64 = 12;
    pub const EXTRA: u64 = 13;
    pub const FAULT: u64 = 14;
    pub const QUERY: u64 = 15;
    pub const VPC: u64 = 16;
    pub const ALB: u64 = 17;
}

/// Lower-case hex of `n` bytes drawn from `x` (and further mixes of it).
pub fn hex(mut x: u64, nbytes: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(nbytes * 2);
    let mut left = 0;
    for _ in 0..nbytes {
        if left == 0 {
            x = mix(x);
            left = 8;
        }
        let b = (x & 0xFF) as usize;
        x >>= 8;
        left -= 1;
        out.push(DIGITS[b >> 4] as char);
        out.push(DIGITS[b & 15] as char);
    }
    out
}

/// A UUID-shaped id (version 4 layout) from a hash.
pub fn uuid(x: u64) -> String {
    let a = hex(x, 8);
    let b = hex(mix(x ^ 0x5555), 8);
    format!(
        "{}-{}-4{}-{}{}-{}",
        &a[0..8],
        &a[8..12],
        &a[13..16],
        ["8", "9", "a", "b"][(x >> 60) as usize & 3],
        &b[1..4],
        &b[4..16]
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_pure_and_spread() {
        assert_eq!(h(1, 2, 3, 4), h(1, 2, 3, 4));
        assert_ne!(h(1, 2, 3, 4), h(2, 2, 3, 4));
        let mean: f64 = (0..10_000).map(|i| unit(h(7, 1, i, 0))).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02);
        let g: f64 = (0..10_000).map(|i| gauss(h(7, 1, i, 0))).sum::<f64>() / 10_000.0;
        assert!(g.abs() < 0.05);
        let u = uuid(42);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
