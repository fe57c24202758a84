//! Markdown of text widgets (and later notes) into HTML that is safe to put in a page: rendered
//! by `pulldown-cmark` (CommonMark with tables, strikethrough and task lists), then cleaned by
//! `ammonia` (an allow-list HTML sanitiser), on the server only. Raw HTML in the markdown goes
//! through the same sanitiser, so `<script>`, event handlers, `javascript:` links and styles
//! never reach the browser.

use pulldown_cmark::{html, Options, Parser};

/// The longest markdown rendered; longer text is cut (at a character boundary) first.
pub const MAX_MARKDOWN: usize = 64 * 1024;

pub fn to_safe_html(markdown: &str) -> String {
    let mut end = markdown.len().min(MAX_MARKDOWN);
    while !markdown.is_char_boundary(end) {
        end -= 1;
    }
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(&markdown[..end], options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html("## Shop\nOn-call: **checkout**. [Status](https://status.example.com)");
        assert!(html.contains("<h2>Shop</h2>"), "{html}");
        assert!(html.contains("<strong>checkout</strong>"), "{html}");
        assert!(html.contains(r#"href="https://status.example.com""#), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn hostile_markup_is_inert() {
        let payloads = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "![x](x\" onerror=\"alert(1))",
        ];
        for p in payloads {
            let html = to_safe_html(p).to_ascii_lowercase();
            // Only what is inside a tag can act; the same words as text are harmless.
            let tags: Vec<&str> = html
                .split('<')
                .skip(1)
                .filter_map(|t| t.split_once('>').map(|(tag, _)| tag))
                .collect();
            for tag in tags {
                for bad in ["script", "onerror", "onload", "javascript:", "iframe", "style", "data:text"] {
                    assert!(!tag.contains(bad), "{p:?} left {bad:?} in the tag <{tag}> of {html:?}");
                }
            }
        }
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let text = "é".repeat(MAX_MARKDOWN);
        let html = to_safe_html(&text);
        assert!(html.len() < MAX_MARKDOWN * 2);
    }
}
