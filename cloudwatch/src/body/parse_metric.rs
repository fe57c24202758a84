//! JSON → a `metric` widget's properties (rows in `metrics_array`).

use serde_json::{Map, Value};

use super::metric::{
    Annotations, Fill, HAnnotation, HLine, Legend, LegendPosition, MetricView, MetricWidget, VAnnotation, VLine, YAxes, YAxisSide,
};
use super::metrics_array;
use super::parse::{object, Errors, Reader};
use super::BodyError;

pub(super) fn metric_widget(obj: &Map<String, Value>, path: &str, errs: &mut Errors) -> Option<MetricWidget> {
    let mut r = Reader::new(obj, path, errs);
    let mut w = MetricWidget {
        title: r.string("title"),
        view: r.string("view").map(|s| MetricView::from_name(&s)),
        stacked: r.bool("stacked"),
        region: r.string("region"),
        account_id: r.string("accountId"),
        period: r.i64("period"),
        stat: r.string("stat"),
        live_data: r.bool("liveData"),
        set_period_to_time_range: r.bool("setPeriodToTimeRange"),
        sparkline: r.bool("sparkline"),
        ..MetricWidget::default()
    };
    if let Some(m) = r.take("metrics") {
        let p = r.at("metrics");
        match m.as_array() {
            Some(rows) => w.metrics = metrics_array::rows(rows, &p, r.errs),
            None => r.err("metrics", "expected an array of metric rows"),
        }
    }
    if let Some(v) = r.take("yAxis") {
        let p = r.at("yAxis");
        w.y_axis = y_axes(&v, &p, r.errs);
    }
    if let Some(v) = r.take("annotations") {
        let p = r.at("annotations");
        w.annotations = annotations(&v, &p, r.errs);
    }
    if let Some(v) = r.take("legend") {
        let p = r.at("legend");
        if let Some(o) = object(&v, &p, r.errs, "an object like {\"position\": \"right\"}") {
            let mut lr = Reader::new(o, &p, r.errs);
            let position = lr.string("position").map(|s| LegendPosition::from_name(&s));
            w.legend = Some(Legend {
                position,
                extra: lr.finish(),
            });
        }
    }
    w.extra = r.finish();
    Some(w)
}

fn y_axes(v: &Value, path: &str, errs: &mut Errors) -> Option<YAxes> {
    let o = object(v, path, errs, "an object with left and right")?;
    let mut r = Reader::new(o, path, errs);
    let left = y_axis_side("left", &mut r);
    let right = y_axis_side("right", &mut r);
    Some(YAxes {
        left,
        right,
        extra: r.finish(),
    })
}

fn y_axis_side(key: &str, r: &mut Reader) -> Option<YAxisSide> {
    let v = r.take(key)?;
    let p = r.at(key);
    let o = object(&v, &p, r.errs, "an object with min, max, label, showUnits")?;
    let mut sr = Reader::new(o, &p, r.errs);
    Some(YAxisSide {
        min: sr.f64("min"),
        max: sr.f64("max"),
        label: sr.string("label"),
        show_units: sr.bool("showUnits"),
        extra: sr.finish(),
    })
}

fn annotations(v: &Value, path: &str, errs: &mut Errors) -> Option<Annotations> {
    let o = object(v, path, errs, "an object with horizontal, vertical or alarms")?;
    let mut r = Reader::new(o, path, errs);
    let mut a = Annotations {
        alarms: r.strings("alarms").unwrap_or_default(),
        ..Annotations::default()
    };
    for (key, horizontal) in [("horizontal", true), ("vertical", false)] {
        let Some(list) = r.take(key) else { continue };
        let p = r.at(key);
        let Some(items) = list.as_array() else {
            r.err(key, "expected an array of annotations");
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{p}[{i}]");
            match item {
                Value::Array(pair) if pair.len() == 2 => {
                    if horizontal {
                        let a0 = h_line(&pair[0], &format!("{ip}[0]"), r.errs);
                        let a1 = h_line(&pair[1], &format!("{ip}[1]"), r.errs);
                        if let (Some(a0), Some(a1)) = (a0, a1) {
                            a.horizontal.push(HAnnotation::Band(a0, a1));
                        }
                    } else {
                        let a0 = v_line(&pair[0], &format!("{ip}[0]"), r.errs);
                        let a1 = v_line(&pair[1], &format!("{ip}[1]"), r.errs);
                        if let (Some(a0), Some(a1)) = (a0, a1) {
                            a.vertical.push(VAnnotation::Band(a0, a1));
                        }
                    }
                }
                Value::Array(_) => r.errs.push(BodyError::new(ip, "a band annotation has exactly two ends")),
                _ if horizontal => a.horizontal.extend(h_line(item, &ip, r.errs).map(HAnnotation::Line)),
                _ => a.vertical.extend(v_line(item, &ip, r.errs).map(VAnnotation::Line)),
            }
        }
    }
    a.extra = r.finish();
    Some(a)
}

fn h_line(v: &Value, path: &str, errs: &mut Errors) -> Option<HLine> {
    let o = object(v, path, errs, "an annotation object")?;
    let mut r = Reader::new(o, path, errs);
    let has_value = r.has("value");
    if !has_value {
        let p = r.path.clone();
        r.errs.push(BodyError::new(p, "Should have required property 'value'"));
    }
    let value = r.f64("value");
    let line = HLine {
        value: value.unwrap_or_default(),
        label: r.string("label"),
        color: r.string("color"),
        fill: r.string("fill").map(|s| Fill::from_name(&s)),
        visible: r.bool("visible"),
        y_axis: r.axis("yAxis"),
        extra: r.finish(),
    };
    value.map(|_| line)
}

fn v_line(v: &Value, path: &str, errs: &mut Errors) -> Option<VLine> {
    let o = object(v, path, errs, "an annotation object")?;
    let mut r = Reader::new(o, path, errs);
    let value = r.required_string("value");
    let line = VLine {
        value: value.clone().unwrap_or_default(),
        label: r.string("label"),
        color: r.string("color"),
        fill: r.string("fill").map(|s| Fill::from_name(&s)),
        visible: r.bool("visible"),
        extra: r.finish(),
    };
    value.map(|_| line)
}
