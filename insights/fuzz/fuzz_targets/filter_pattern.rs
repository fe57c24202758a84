//! Fuzzes filter patterns: parsing any text and matching any message must never panic; errors
//! point inside the pattern at a character boundary; a metric value only comes from a matching
//! event. The input is `pattern\nmessage` (without a newline, the input is both).
#![no_main]

use insights::filter::FilterPattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (src, message) = input.split_once('\n').unwrap_or((input, input));
    match FilterPattern::parse(src) {
        Err(e) => {
            assert!(e.position <= src.len() && src.is_char_boundary(e.position), "{src:?}: {e}");
            assert!(!e.message.is_empty());
            let d = e.diagnostic(src);
            assert!(d.span.start <= d.span.end && d.span.end <= src.len());
        }
        Ok(p) => {
            assert_eq!(p.as_str(), src);
            assert_eq!(FilterPattern::parse(src).as_ref(), Ok(&p), "parsing is deterministic");
            let matched = p.matches(message);
            if src.trim().is_empty() {
                assert!(matched, "the empty pattern matches everything");
            }
            for sel in ["1", "$.a", "$.a[0].b", "$a", "$1", "$.*"] {
                if p.metric_value(message, sel).is_some() {
                    assert!(matched, "metric value {sel} from a non-matching event: {src:?} {message:?}");
                }
            }
            let _ = p.field_names();
            let _ = p.kind();
        }
    }
});
