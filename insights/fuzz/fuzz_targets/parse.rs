//! Fuzzes the language front end: lexer, parser, formatter, highlighter, analyzer and parameter
//! scanning must never panic, and formatting a valid query must parse back to the same AST.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let tokens = insights::highlight(src);
    for t in &tokens {
        assert!(t.span.start <= t.span.end && t.span.end <= src.len());
    }
    let _ = insights::params::placeholders(src);
    if let Ok(q) = insights::parse(src) {
        let text = insights::format(&q);
        let again = insights::parse(&text);
        assert_eq!(
            again.as_ref().ok(),
            Some(&q),
            "format round trip failed for {src:?} -> {text:?}: {:?}",
            again.as_ref().err()
        );
        let _ = insights::analyze(&q);
    } else {
        let _ = insights::check(src);
    }
});
