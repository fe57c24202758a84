//! `svg`: the drawing through plotters' `SVGBackend`, plus the root element's accessibility and data- attributes.

use plotters::backend::SVGBackend;
use plotters_backend::DrawingBackend;

use crate::format::date_time;
use crate::layout::{self, Layout};
use crate::{draw, Chart, Style};

/// The `font-family` SVG text asks for: the bundled font by name, then look-alikes.
pub const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

/// Draw `chart` as an SVG document of `style.width × style.height` px with a transparent background.
///
/// The root `<svg>` (which plotters writes) gets `role="img"`, an `aria-label` ("Chart of 3 series from
/// Nov 23 14:00 to Nov 23 17:00"), and `data-plot-left/top/width/height` (the [`crate::PlotArea`], px),
/// `data-t0`/`data-t1` (epoch ms at the plot's left and right edges) and `data-y0`/`data-y1` (the left
/// axis' domain at the bottom and top; on a log axis the values, not their logarithms).
pub fn svg(chart: &Chart, style: &Style) -> String {
    let layout = layout::compute(chart, style);
    let mut body = String::new();
    {
        let mut backend = SVGBackend::with_string(&mut body, (style.width.max(1), style.height.max(1)));
        // Writing into a String cannot fail; if it ever did, the document so far is still returned.
        let _ = draw::draw(&mut backend, chart, style, &layout, FONT_FAMILY, false);
        let _ = backend.present();
    }
    add_root_attributes(body, &root_attributes(chart, style, &layout))
}

fn root_attributes(chart: &Chart, style: &Style, l: &Layout) -> String {
    let n = chart.series.len();
    let label = format!(
        "Chart of {n} series from {} to {}",
        date_time(l.t0, style.utc_offset_minutes),
        date_time(l.t1, style.utc_offset_minutes)
    );
    let a = l.area;
    format!(
        r#" role="img" aria-label="{}" data-plot-left="{}" data-plot-top="{}" data-plot-width="{}" data-plot-height="{}" data-t0="{}" data-t1="{}" data-y0="{}" data-y1="{}""#,
        escape(&label),
        a.left,
        a.top,
        a.width,
        a.height,
        l.t0,
        l.t1,
        l.left.ticks.lo,
        l.left.ticks.hi
    )
}

/// Insert `attrs` into the opening `<svg` tag that plotters wrote.
fn add_root_attributes(mut doc: String, attrs: &str) -> String {
    match doc.find("<svg") {
        Some(i) => doc.insert_str(i + 4, attrs),
        None => doc.insert_str(0, &format!("<svg{attrs}></svg>")),
    }
    doc
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}
