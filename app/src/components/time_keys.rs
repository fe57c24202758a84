//! Grafana's time keys, on every page: `t z` zooms out (twice the range, around its centre),
//! `t ←` and `t →` move the range back and forward by half its length (never past now). The new
//! range is absolute and goes in the URL, so Back undoes it. Keys typed in a field are left alone.

use crate::domain::time_range::{TimePoint, TimeRange};
use crate::domain::Zone;

/// What a time key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKey {
    ZoomOut,
    Back,
    Forward,
}

impl TimeKey {
    /// The key pressed after `t` (`KeyboardEvent.key`).
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "z" | "Z" => Some(Self::ZoomOut),
            "ArrowLeft" => Some(Self::Back),
            "ArrowRight" => Some(Self::Forward),
            _ => None,
        }
    }

    /// The new range (epoch ms) from the shown one.
    pub fn apply(self, start: i64, end: i64, now: i64) -> (i64, i64) {
        let len = (end - start).max(1000);
        let half = len / 2;
        match self {
            Self::ZoomOut => (start - half, (end + half).min(now.max(end))),
            Self::Back => (start - half, end - half),
            Self::Forward => {
                let to = (end + half).min(now.max(end));
                (to - len, to)
            }
        }
    }
}

/// The `from`/`to` parameters of an absolute range.
pub fn params(start: i64, end: i64) -> Option<(String, String)> {
    let point = |ms: i64| TimePoint::Absolute {
        local_ms: ms,
        offset_minutes: Some(0),
    };
    let r = TimeRange::new(point(start), point(end), Zone::Utc).ok()?;
    Some((r.from().to_param(), r.to().to_param()))
}

/// Listens for the keys while the shell is mounted (browser only).
pub fn install() {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        use leptos::web_sys;
        use leptos_router::hooks::{use_location, use_navigate, use_query_map};
        use wasm_bindgen::JsCast;

        use crate::components::ShellState;
        use crate::url::view_href;

        let query = use_query_map();
        let location = use_location();
        let navigate = StoredValue::new_local(use_navigate());
        let shell = ShellState::expect();
        // When `t` was pressed (ms); the second key counts within 1.5 s.
        let armed = StoredValue::new_local(0.0_f64);
        let handle = window_event_listener(leptos::ev::keydown, move |ev: web_sys::KeyboardEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let typing = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || el.closest("[contenteditable]").ok().flatten().is_some()
            });
            if typing {
                return;
            }
            let now = js_sys::Date::now();
            let key = ev.key();
            if key == "t" {
                armed.set_value(now);
                return;
            }
            let Some(action) = TimeKey::from_key(&key).filter(|_| now - armed.get_value() <= 1500.0) else {
                return;
            };
            armed.set_value(0.0);
            ev.prevent_default();
            let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
            let (start, end) = shell.range_or_default().resolve(now as i64, offset);
            let (a, b) = action.apply(start, end, now as i64);
            if let Some((from, to)) = params(a, b) {
                let href = view_href(
                    &location.pathname.get_untracked(),
                    &query.read_untracked(),
                    &[("from", &[&from]), ("to", &[&to])],
                );
                navigate.with_value(|n| n(&href, Default::default()));
            }
        });
        on_cleanup(move || handle.remove());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn zoom_out_doubles_around_the_centre_and_shifts_move_by_half() {
        let now = 100 * H;
        assert_eq!(TimeKey::ZoomOut.apply(10 * H, 12 * H, now), (9 * H, 13 * H));
        assert_eq!(TimeKey::Back.apply(10 * H, 12 * H, now), (9 * H, 11 * H));
        assert_eq!(TimeKey::Forward.apply(10 * H, 12 * H, now), (11 * H, 13 * H));
        // Never past now: a range ending now stays there when moved forward or zoomed out.
        assert_eq!(TimeKey::Forward.apply(now - 2 * H, now, now), (now - 2 * H, now));
        assert_eq!(TimeKey::ZoomOut.apply(now - 2 * H, now, now), (now - 3 * H, now));
        assert_eq!(TimeKey::from_key("z"), Some(TimeKey::ZoomOut));
        assert_eq!(TimeKey::from_key("x"), None);
    }

    #[test]
    fn the_new_range_is_absolute_in_the_url() {
        let (from, to) = params(1_795_428_300_000, 1_795_435_500_000).expect("read");
        let r = TimeRange::from_params(Some(&from), Some(&to), None).expect("read");
        assert_eq!(r.resolve(0, 0), (1_795_428_300_000, 1_795_435_500_000));
    }
}
