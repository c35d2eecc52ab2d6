//! The figures as a terminal table and as `BENCHMARKS.md`. The hand-written notes below
//! [`NOTES_MARKER`] in an existing `BENCHMARKS.md` (profiles, explanations of misses) are kept.

use super::figures::{Figures, Target, Verdict};
use super::processes::FASTMCP_PIN;
use super::workloads::Workload;

/// Everything after this line in `BENCHMARKS.md` is written by hand and kept on regeneration.
pub const NOTES_MARKER: &str =
    "<!-- Hand-written notes below this line are kept by `cargo xtask bench`. -->";

/// The hand-written part of an existing report (empty when there is none).
pub fn kept_notes(existing: &str) -> String {
    existing
        .split_once(NOTES_MARKER)
        .map(|(_, notes)| notes.trim().to_owned())
        .unwrap_or_default()
}

/// The summary printed at the end of a run.
pub fn table(f: &Figures, verdicts: &[Verdict]) -> String {
    let mut rows = vec![row(&[
        "workload",
        "target",
        "p50 c=1",
        "p99 c=1",
        "added p50",
        "added p99",
        "req/s c=8",
        "CPU/call",
    ])];
    rows.extend(call_rows(f));
    let mut out = aligned(&rows);
    out.push('\n');
    let mut rows = vec![row(&[
        "tools/list",
        "tools",
        "bytes",
        "p50",
        "p99",
        "CPU/call",
    ])];
    for l in &f.lists {
        rows.push(vec![
            format!("{} {}", l.target.label(), l.variant),
            l.tools.to_string(),
            l.bytes.to_string(),
            micros(l.c1.p50_us),
            micros(l.c1.p99_us),
            micros(l.cpu_us),
        ]);
    }
    out.push_str(&aligned(&rows));
    out.push('\n');
    let mut rows = vec![row(&["target", "limit", "measured", "result"])];
    for v in verdicts {
        rows.push(vec![
            v.target.to_owned(),
            v.limit.clone(),
            v.measured.clone(),
            verdict_word(v).to_owned(),
        ]);
    }
    out.push_str(&aligned(&rows));
    out
}

fn call_rows(f: &Figures) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for workload in Workload::ALL {
        for target in Target::ALL {
            let Some(c) = f.call(target, workload) else {
                continue;
            };
            let (added50, added99) = match (target, f.added(target, workload)) {
                (Target::Direct, _) | (_, None) => ("—".to_owned(), "—".to_owned()),
                (_, Some((a, b))) => (micros(a), micros(b)),
            };
            rows.push(vec![
                workload.label().to_owned(),
                target.label().to_owned(),
                micros(c.c1.p50_us),
                micros(c.c1.p99_us),
                added50,
                added99,
                c.c8.map_or("—".to_owned(), |r| format!("{:.0}", r.throughput())),
                micros(c.cpu_us()),
            ]);
        }
    }
    rows
}

/// `BENCHMARKS.md`.
pub fn markdown(f: &Figures, verdicts: &[Verdict], notes: &str) -> String {
    let mut md = String::new();
    let kind = if f.quick {
        "quick run (`--quick`)"
    } else {
        "full run"
    };
    md.push_str("# Benchmarks\n\n");
    md.push_str(&format!(
        "Written by `cargo xtask bench` ({kind}); the figures are regenerated on every run, the \
         notes at the end are written by hand.\n\n\
         - **Date:** {}\n- **Commit:** {}\n- **Machine:** {}\n\
         - **Load average** (1, 5, 15 min) before: {}; after: {}\n\
         - **Durations:** {} s warm-up, then {} s measured, per load run\n\n",
        f.date,
        f.commit,
        f.machine,
        f.load_before,
        f.load_after,
        f.warmup.as_secs(),
        f.duration.as_secs()
    ));
    md.push_str("![p50, p99 and server CPU per call, per target](docs/bench.svg)\n\n");

    md.push_str("## Targets\n\n");
    let mut rows = Vec::new();
    for v in verdicts {
        rows.push(vec![
            v.target.to_owned(),
            v.limit.clone(),
            v.measured.clone(),
            format!("**{}**", verdict_word(v)),
        ]);
    }
    md.push_str(&md_table(&["target", "limit", "measured", "result"], &rows));

    md.push_str(
        "\n## Tool calls\n\nLatency at concurrency 1 (one connection, keep-alive), added \
         latency over the direct call, throughput at concurrency 8, and the server's CPU time \
         per call (`/proc/<pid>/stat` utime + stime over the concurrency-8 run divided by the \
         calls served; for `direct`, the sandbox's own).\n\n",
    );
    md.push_str(&md_table(
        &[
            "workload",
            "target",
            "p50",
            "p99",
            "added p50",
            "added p99",
            "req/s at c=8",
            "server CPU per call",
        ],
        &call_rows(f),
    ));
    let ratios: Vec<String> = Workload::ALL
        .iter()
        .filter_map(|w| {
            f.throughput_ratio(*w)
                .map(|r| format!("{} {r:.1}×", w.label()))
        })
        .collect();
    if !ratios.is_empty() {
        md.push_str(&format!(
            "\nbms-mcp's throughput at c=8 over FastMCP's: {}.\n",
            ratios.join(", ")
        ));
    }
    let over_floor: Vec<String> = Workload::ALL
        .iter()
        .filter_map(|w| {
            let (p50, cpu) = f.over_floor(*w)?;
            let ratio = f.against_floor(*w)?.cpu_ratio;
            Some(format!(
                "{} {} p50, {} CPU ({ratio:.2}× the floor's)",
                w.label(),
                signed(p50),
                signed(cpu)
            ))
        })
        .collect();
    if !over_floor.is_empty() {
        md.push_str(&format!(
            "\nbms-mcp over the floor (the minimal proxy), per call: {}.\n",
            over_floor.join("; ")
        ));
    }

    md.push_str("\n## tools/list\n\nFirst page (bms-mcp sends a scope in one page up to 900 KiB, so the whole catalogue takes two; FastMCP sends every tool at once), concurrency 1.\n\n");
    let rows: Vec<Vec<String>> = f
        .lists
        .iter()
        .map(|l| {
            vec![
                l.target.label().to_owned(),
                l.variant.to_owned(),
                l.tools.to_string(),
                format!("{:.1} KiB", l.bytes as f64 / 1024.0),
                micros(l.c1.p50_us),
                micros(l.c1.p99_us),
                micros(l.cpu_us),
            ]
        })
        .collect();
    md.push_str(&md_table(
        &[
            "target",
            "scope",
            "tools on the page",
            "bytes",
            "p50",
            "p99",
            "server CPU per call",
        ],
        &rows,
    ));

    md.push_str("\n## Memory\n\nResident set size (`VmRSS`).\n\n");
    let rows: Vec<Vec<String>> = f
        .memory
        .iter()
        .map(|m| {
            vec![
                m.target.process().to_owned(),
                mib(m.idle_kib),
                mib(m.after_load_kib),
                m.sessions_kib.map_or("— (no sessions)".to_owned(), mib),
            ]
        })
        .collect();
    md.push_str(&md_table(
        &[
            "process",
            "idle",
            "after the load runs",
            &format!("with {} open sessions", thousands(f.sessions)),
        ],
        &rows,
    ));

    md.push_str("\n## Cold start\n\nFrom spawning the process to its first answer.\n\n");
    let rows: Vec<Vec<String>> = f
        .cold
        .iter()
        .map(|c| {
            vec![
                c.target.label().to_owned(),
                format!("{:.1} ms", c.first_list.as_secs_f64() * 1e3),
                c.first_call.map_or("—".to_owned(), |d| {
                    format!("{:.1} ms", d.as_secs_f64() * 1e3)
                }),
            ]
        })
        .collect();
    md.push_str(&md_table(
        &[
            "server",
            "first tools/list",
            "first tools/call (includes BMS sign-in)",
        ],
        &rows,
    ));
    md.push_str(&format!(
        "\nbms-mcp: median of {} restarts of `serve` on the bench's store (a later run: \
         migrations checked, no first-run output). FastMCP: its one start, including loading \
         and converting the spec.\n",
        f.cold_runs
    ));

    md.push_str(&format!(
        "\n## Code generation\n\n`cargo xtask gen --check` (the whole spec: load, join the \
         records, emit and format every module, compare): **{:.2} s**, median of {} run(s), \
         debug build of xtask as `cargo xtask` runs it.\n",
        f.generation.as_secs_f64(),
        f.gen_runs
    ));

    md.push_str(&method_section(f));
    if !f.remarks.is_empty() {
        md.push_str("\n## Remarks from this run\n\n");
        for remark in &f.remarks {
            md.push_str(&format!("- {remark}\n"));
        }
    }
    md.push_str(&format!("\n{NOTES_MARKER}\n\n"));
    if !notes.is_empty() {
        md.push_str(notes);
        md.push('\n');
    }
    md
}

fn method_section(f: &Figures) -> String {
    format!(
        "\n## How it is measured\n\n\
         - One `bms-mcp sandbox` (`--rate-limit 1000000000/hour`, no faults) serves all four \
           targets. **direct** sends it the request the tool sends (same path, query with the \
           paging bms-mcp adds, JSON body, a bearer token from `/v2/security/authenticate`). \
           **bms-mcp** is the release build of `bms-mcp serve --bms-url …` with a fresh \
           `--data-dir`; requests are stateless Streamable HTTP POSTs (no session id, \
           `MCP-Protocol-Version: 2025-06-18`). **floor** is `bench-floor/src/main.rs` in release: \
           axum + reqwest + serde_json, the same `tools/call` POST mapped to the one BMS \
           request with the bearer token, BMS's answer parsed into a `Value` and returned as \
           structured content and as text; no validation, scopes, cursors, audit or logging. \
           It is what any proxy costs; bms-mcp's cost over it is what its features cost. \
           **FastMCP** is `{FASTMCP_PIN}` \
           `FastMCP.from_openapi` on the same vendored spec (`xtask/bench/fastmcp_server.py`), \
           served with `stateless_http=True, json_response=True`.\n\
         - FastMCP settings we had to choose: an `httpx2.AsyncClient` with the sandbox as \
           `base_url` and the bearer token as a default header (its own client would call the \
           spec's server, api.bms.kaseya.com, unauthenticated); `validate_output=False`, because \
           the spec's output schemas use PascalCase names while BMS answers in camelCase; \
           `mcp_names` mapping the three operation ids to bms-mcp's tool names. Its arguments \
           use the spec's names (`ticketId`, `Filter.StatusNames`, `PageSize`).\n\
         - Load: wrk 4 with `xtask/bench/request.lua` (one fixed request, keep-alive), 1 thread \
           and 1 connection at c=1, 2 threads and 8 connections at c=8. wrk, the sandbox and \
           the server share the machine's {} cores, so c=8 throughput is the whole machine's.\n\
         - Each request is sent once and checked (HTTP 200, no JSON-RPC error, no `isError`) \
           before it is loaded.\n\
         - Sessions: {} legacy SSE streams (`GET /mcp/{{token}}/sse`) held open until each \
           named its message endpoint; each is a session in the server's hub. FastMCP runs \
           stateless and the sandbox has no sessions, so they have no figure there.\n",
        std::thread::available_parallelism().map_or(2, |n| n.get()),
        thousands(f.sessions)
    )
}

fn verdict_word(v: &Verdict) -> &'static str {
    match v.pass {
        Some(true) => "pass",
        Some(false) => "MISS",
        None => "not measured",
    }
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// µs below 10 ms, ms above.
fn micros(us: f64) -> String {
    if us.abs() >= 10_000.0 {
        format!("{:.1} ms", us / 1e3)
    } else {
        format!("{us:.0} µs")
    }
}

/// A difference, with its sign.
fn signed(us: f64) -> String {
    if us >= 0.0 {
        format!("+{}", micros(us))
    } else {
        micros(us)
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn thousands(n: usize) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    out
}

/// Columns padded to their widest cell.
fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_notes_survive_regeneration() {
        let old =
            format!("# Benchmarks\nold figures\n{NOTES_MARKER}\n\n## Profile\nmimalloc helped\n");
        let notes = kept_notes(&old);
        assert_eq!(notes, "## Profile\nmimalloc helped");
        let new = markdown(&Figures::default(), &[], &notes);
        assert!(new.ends_with("## Profile\nmimalloc helped\n"), "{new}");
        assert_eq!(kept_notes(&new), notes);
    }

    #[test]
    fn columns_line_up() {
        let out = aligned(&[row(&["a", "bb"]), row(&["ccc", "d"])]);
        assert_eq!(out, "a    bb\nccc  d\n");
    }
}
