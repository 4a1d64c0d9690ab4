//! Charts drawn on the server: the geometry of an SVG, which the template
//! writes out (so every label is escaped there). No chart library and no
//! script: each bar carries its value as an SVG `<title>`, which browsers
//! show on hover, and every chart is followed by its data as a table.

use serde::Serialize;

/// Room kept around the plot for the axis labels.
const LEFT: f64 = 52.0;
const BOTTOM: f64 = 26.0;
const TOP: f64 = 8.0;

/// One value of a series, with its label on the axis and in words.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    /// Under the bar (may be empty where labels would crowd).
    pub(crate) axis: String,
    /// Said of the bar ("14 h", "lundi 3 mars").
    pub(crate) label: String,
    pub(crate) views: i64,
    pub(crate) visitors: i64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Column {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    label: String,
    views: i64,
    visitors: i64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tick {
    x: f64,
    y: f64,
    text: String,
}

/// A column chart of views with the visitors' line over it.
#[derive(Debug, Serialize)]
pub(crate) struct ColumnChart {
    width: f64,
    height: f64,
    columns: Vec<Column>,
    /// `x,y x,y …` of the visitors' line.
    line: String,
    y_ticks: Vec<Tick>,
    x_ticks: Vec<Tick>,
    baseline: f64,
    right: f64,
}

/// Lays out `points` in a `width` × `height` box.
pub(crate) fn columns(points: &[Point], width: f64, height: f64) -> ColumnChart {
    let max = points.iter().map(|p| p.views).max().unwrap_or(0);
    let top = nice_ceiling(max);
    let plot_w = width - LEFT - 4.0;
    let plot_h = height - TOP - BOTTOM;
    let n = points.len().max(1) as f64;
    let step = plot_w / n;
    let gap = (step * 0.2).min(6.0);
    let y_of = |v: i64| TOP + plot_h - (v as f64 / top as f64) * plot_h;
    let columns: Vec<Column> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let y = y_of(p.views);
            Column {
                x: round(LEFT + i as f64 * step + gap / 2.0),
                y: round(y),
                width: round((step - gap).max(1.0)),
                height: round(TOP + plot_h - y),
                label: p.label.clone(),
                views: p.views,
                visitors: p.visitors,
            }
        })
        .collect();
    let line = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{},{}",
                round(LEFT + (i as f64 + 0.5) * step),
                round(y_of(p.visitors))
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let y_ticks = (0..=4)
        .map(|k| {
            let v = top * k / 4;
            Tick {
                x: LEFT - 6.0,
                y: round(y_of(v) + 4.0),
                text: v.to_string(),
            }
        })
        .collect();
    // At most about eight labels under the axis, evenly spaced.
    let every = points.len().div_ceil(8).max(1);
    let x_ticks = points
        .iter()
        .enumerate()
        .filter(|(i, p)| i % every == 0 && !p.axis.is_empty())
        .map(|(i, p)| Tick {
            x: round(LEFT + (i as f64 + 0.5) * step),
            y: round(height - 6.0),
            text: p.axis.clone(),
        })
        .collect();
    ColumnChart {
        width,
        height,
        columns,
        line,
        y_ticks,
        x_ticks,
        baseline: round(TOP + plot_h),
        right: round(width - 4.0),
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Bar {
    y: f64,
    width: f64,
    label: String,
    /// The label as it fits beside the bar.
    short: String,
    value: i64,
    share: String,
}

/// Horizontal bars (sources, devices): each row's share of the total.
#[derive(Debug, Serialize)]
pub(crate) struct BarChart {
    width: f64,
    height: f64,
    bars: Vec<Bar>,
    label_width: f64,
}

const BAR_ROW: f64 = 28.0;

pub(crate) fn bars(rows: &[(String, i64)], width: f64) -> BarChart {
    let total: i64 = rows.iter().map(|r| r.1).sum();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let label_width = 170.0;
    let room = width - label_width - 60.0;
    BarChart {
        width,
        height: BAR_ROW * rows.len() as f64 + 4.0,
        label_width,
        bars: rows
            .iter()
            .enumerate()
            .map(|(i, (label, value))| Bar {
                y: round(i as f64 * BAR_ROW + 4.0),
                width: round((*value as f64 / max as f64 * room).max(1.0)),
                label: label.clone(),
                short: shortened(label, 18),
                value: *value,
                share: percent(*value, total),
            })
            .collect(),
    }
}

/// At most `chars` characters, an ellipsis marking a cut.
fn shortened(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        return label.to_owned();
    }
    let mut out: String = label.chars().take(chars - 1).collect();
    out.push('…');
    out
}

/// `value` as a share of `total`, in whole percents.
pub(crate) fn percent(value: i64, total: i64) -> String {
    if total <= 0 {
        return "0 %".to_owned();
    }
    format!("{} %", (value * 100 + total / 2) / total)
}

/// The smallest of 1, 2, 2.5 or 5 × 10ⁿ at or above `max`: round ticks.
fn nice_ceiling(max: i64) -> i64 {
    if max <= 4 {
        return 4;
    }
    let mut unit = 1i64;
    while unit.saturating_mul(10) < max {
        unit = unit.saturating_mul(10);
    }
    for m in [1, 2, 5, 10] {
        let top = unit.saturating_mul(m);
        if top >= max && top % 4 == 0 {
            return top;
        }
    }
    // Quarters of a round number stay whole.
    let top = unit.saturating_mul(10);
    top + (4 - top % 4) % 4
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers_in_quarters() {
        assert_eq!(nice_ceiling(0), 4);
        assert_eq!(nice_ceiling(7), 12);
        assert_eq!(nice_ceiling(18), 20);
        assert_eq!(nice_ceiling(130), 200);
        assert_eq!(nice_ceiling(4300), 5000);
        for max in [1, 9, 11, 99, 101, 999, 12_345] {
            let top = nice_ceiling(max);
            assert!(top >= max && top % 4 == 0, "{max} → {top}");
        }
    }

    #[test]
    fn columns_fill_the_plot_and_bars_share_the_total() {
        let points: Vec<Point> = (0..24)
            .map(|h| Point {
                axis: format!("{h} h"),
                label: format!("{h} h"),
                views: h * 10,
                visitors: h * 5,
            })
            .collect();
        let chart = columns(&points, 640.0, 200.0);
        assert_eq!(chart.columns.len(), 24);
        let tallest = chart.columns.last().unwrap();
        assert!(tallest.y >= TOP && tallest.y + tallest.height <= 200.0 - BOTTOM + 0.1);
        assert!(chart.x_ticks.len() <= 8);
        let b = bars(&[("Google".into(), 3), ("Direct".into(), 1)], 400.0);
        assert_eq!(b.bars[0].share, "75 %");
        assert_eq!(percent(1, 3), "33 %");
    }
}
