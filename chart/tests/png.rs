//! `cargo test -p chart --features png`
#![cfg(feature = "png")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use chart::{layout, png, Style, Theme};

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = ::png::Decoder::new(bytes);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, ::png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn renders_a_png_with_text_from_the_bundled_font() {
    for (theme, bg) in [(Theme::Light, [0xff, 0xff, 0xff]), (Theme::Dark, [0x11, 0x14, 0x18])] {
        let style = Style {
            width: 640,
            height: 240,
            theme,
            utc_offset_minutes: 60,
        };
        let c = common::sample();
        let bytes = png(&c, &style).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let (w, h, rgb) = decode(&bytes);
        assert_eq!((w, h), (640, 240));
        assert_eq!(&rgb[..3], &bg, "background");
        // The left axis' tick labels sit left of the plot area: count the pixels drawn there.
        let area = layout(&c, &style);
        let x_end = (area.left - 5.0) as u32;
        let mut ink = 0;
        for y in area.top as u32..(area.top + area.height) as u32 {
            for x in 20..x_end {
                let i = ((y * w + x) * 3) as usize;
                if rgb[i..i + 3] != bg {
                    ink += 1;
                }
            }
        }
        assert!(ink > 300, "only {ink} text pixels in the label region");
    }
}
