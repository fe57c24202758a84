//! Writes a realistic JSON-lines log file for the benchmark: levels, routes, user ids, durations,
//! nested error objects and some plain-text lines.
//!
//! `cargo run --release -p insights --example gen_logs -- /tmp/bench.log 1024` (size in MB).

use std::io::{BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    // civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/insights-bench.log".into());
    let mb: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1024);
    let target = mb * 1024 * 1024;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let routes = [
        "/api/checkout",
        "/api/cart",
        "/api/users",
        "/api/orders",
        "/api/search",
        "/health",
        "/api/payments",
        "/api/inventory",
    ];
    let methods = ["GET", "POST", "PUT", "DELETE"];
    let errors = [
        ("TimeoutError", "upstream timed out"),
        ("ValidationError", "field \\\"email\\\" is invalid"),
        ("DbError", "deadlock detected"),
    ];
    let mut ts: i64 = 1_704_067_200_000; // 2024-01-01
    let mut written = 0u64;
    let mut lines = 0u64;
    while written < target {
        ts += rng.below(40) as i64;
        let roll = rng.below(100);
        let line = if roll < 5 {
            format!(
                "{} WARN worker-{}: queue depth {} after {} ms",
                iso(ts),
                rng.below(8),
                rng.below(500),
                rng.below(3000)
            )
        } else {
            let level = match roll {
                5..=9 => "error",
                10..=19 => "warn",
                20..=29 => "debug",
                _ => "info",
            };
            let route = routes[rng.below(routes.len() as u64) as usize];
            let method = methods[rng.below(4) as usize];
            let dur = if rng.below(50) == 0 {
                1000 + rng.below(9000)
            } else {
                rng.below(900)
            };
            let status = if level == "error" {
                [500, 502, 503][rng.below(3) as usize]
            } else {
                [200, 200, 200, 201, 404][rng.below(5) as usize]
            };
            let user = rng.below(5000);
            let mut l = format!(
                r#"{{"timestamp":"{}","level":"{level}","service":"api","route":"{route}","method":"{method}","statusCode":{status},"durationMs":{dur},"userId":"u{user}","requestId":"req-{:016x}","message":"{method} {route} completed""#,
                iso(ts),
                rng.next()
            );
            if level == "error" {
                let (name, msg) = errors[rng.below(3) as usize];
                l.push_str(&format!(
                    r#","error":{{"name":"{name}","message":"{msg}","stack":["at handler (app.js:{})","at next (router.js:42)"]}}"#,
                    rng.below(900)
                ));
            }
            l.push('}');
            l
        };
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written += line.len() as u64 + 1;
        lines += 1;
    }
    out.flush()?;
    eprintln!("wrote {lines} lines, {written} bytes to {path}");
    Ok(())
}
