//! `png` (feature `png`, server only): the same drawing through plotters' `BitMapBackend`, text drawn with
//! the bundled DejaVu Sans subset registered with plotters' ab_glyph font table.

use std::sync::OnceLock;

use plotters::backend::BitMapBackend;
use plotters::style::{register_font, FontStyle};
use plotters_backend::DrawingBackend;

use crate::{draw, layout, Chart, ChartError, Style};

/// The bundled font (≈ 37 KB), licence in chart/fonts/LICENSE-DejaVu.txt.
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans-subset.ttf");
/// The name the bundled font is registered under with plotters.
const FAMILY: &str = "Watchpost DejaVu Sans";

fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Draw `chart` as a PNG of `style.width × style.height` px on the theme's background.
pub fn png(chart: &Chart, style: &Style) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let (w, h) = (style.width.max(1), style.height.max(1));
    let layout = layout::compute(chart, style);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let mut backend = BitMapBackend::with_buffer(&mut rgb, (w, h));
        draw::draw(&mut backend, chart, style, &layout, FAMILY, true).map_err(|e| ChartError::Draw(e.to_string()))?;
        backend.present().map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, w, h);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| ChartError::Encode(e.to_string()))?;
        writer.write_image_data(&rgb).map_err(|e| ChartError::Encode(e.to_string()))?;
        writer.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
    }
    Ok(out)
}
