//! `docs/bench.svg`: p50 and p99 at concurrency 1 and the server's CPU per call, per workload
//! and target (direct, the minimal proxy, bms-mcp, FastMCP), as horizontal bars on a log scale
//! (FastMCP is two orders of magnitude off).

use std::fmt::Write;

use super::figures::{CallFigures, Figures, Target};
use super::workloads::Workload;

const WIDTH: f64 = 900.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 820.0;
const BAR: f64 = 13.0;
/// The axis spans 10 µs to 100 ms.
const DECADES: (f64, f64) = (1.0, 5.0);

/// Which figure of a call a panel draws.
type Metric = fn(&CallFigures) -> f64;

fn colour(target: Target) -> &'static str {
    match target {
        Target::Direct => "#9aa5b1",
        Target::Floor => "#2ca02c",
        Target::BmsMcp => "#1f77b4",
        Target::FastMcp => "#ff7f0e",
    }
}

fn x_of(micros: f64) -> f64 {
    let decade = micros.max(10.0).log10().clamp(DECADES.0, DECADES.1);
    LEFT + (decade - DECADES.0) / (DECADES.1 - DECADES.0) * (RIGHT - LEFT)
}

fn label(micros: f64) -> String {
    if micros >= 1000.0 {
        format!("{:.1} ms", micros / 1e3)
    } else {
        format!("{micros:.0} µs")
    }
}

pub fn svg(f: &Figures) -> String {
    let panels: [(&str, Metric); 3] = [
        ("p50 latency, concurrency 1", |c| c.c1.p50_us),
        ("p99 latency, concurrency 1", |c| c.c1.p99_us),
        ("server CPU time per call", CallFigures::cpu_us),
    ];
    let group = Target::ALL.len() as f64 * (BAR + 2.0) + 10.0;
    let panel_height = 44.0 + group * Workload::ALL.len() as f64;
    let top = 60.0;
    let height = top + panel_height * panels.len() as f64 + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">cargo xtask bench: bms-mcp against a direct call, a minimal proxy and FastMCP (log scale)</text>"#
    );
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="38" fill="#555">{} · {}</text>"##,
        escape(&f.date),
        escape(&f.machine)
    );
    for (i, target) in Target::ALL.iter().enumerate() {
        let x = LEFT + i as f64 * 120.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="46" width="10" height="10" fill="{}"/><text x="{}" y="55">{}</text>"#,
            colour(*target),
            x + 14.0,
            target.label()
        );
    }
    for (p, (title, value)) in panels.iter().enumerate() {
        let y0 = top + p as f64 * panel_height;
        let _ = writeln!(
            s,
            r#"<text x="10" y="{}" font-weight="bold">{title}</text>"#,
            y0 + 16.0
        );
        grid(&mut s, y0 + 20.0, y0 + panel_height - 20.0);
        for (w, workload) in Workload::ALL.iter().enumerate() {
            let gy = y0 + 24.0 + w as f64 * group;
            let _ = writeln!(
                s,
                r#"<text x="10" y="{}">{}</text>"#,
                gy + group / 2.0,
                workload.label()
            );
            for (t, target) in Target::ALL.iter().enumerate() {
                let Some(call) = f.call(*target, *workload) else {
                    continue;
                };
                let v = value(call);
                let y = gy + t as f64 * (BAR + 2.0);
                let end = x_of(v);
                let _ = writeln!(
                    s,
                    r#"<rect x="{LEFT}" y="{y}" width="{:.1}" height="{BAR}" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                    (end - LEFT).max(1.0),
                    colour(*target),
                    end + 4.0,
                    y + BAR - 3.0,
                    label(v)
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Decade lines with their values.
fn grid(s: &mut String, y_top: f64, y_bottom: f64) {
    for (decade, text) in [
        (1.0, "10 µs"),
        (2.0, "100 µs"),
        (3.0, "1 ms"),
        (4.0, "10 ms"),
        (5.0, "100 ms"),
    ] {
        let x = x_of(10f64.powf(decade));
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{y_top}" x2="{x:.1}" y2="{y_bottom}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" fill="#888" text-anchor="middle">{text}</text>"##,
            y_bottom + 12.0
        );
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_axis_spans_ten_microseconds_to_a_hundred_milliseconds() {
        assert_eq!(x_of(10.0), LEFT);
        assert_eq!(x_of(100_000.0), RIGHT);
        assert_eq!(x_of(1.0), LEFT);
        assert!((x_of(1000.0) - (LEFT + (RIGHT - LEFT) / 2.0)).abs() < 1e-9);
    }

    #[test]
    fn an_empty_run_still_draws_a_valid_document() {
        let svg = svg(&Figures::default());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }
}
