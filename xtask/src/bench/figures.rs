//! What one bench run measured, and the targets judged against it.

use std::time::Duration;

use super::load::LoadResult;
use super::workloads::Workload;

/// What a workload is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The equivalent HTTP request straight to the sandbox.
    Direct,
    /// `tools/call` through the minimal axum + reqwest + serde_json proxy
    /// (`bench-floor/src/main.rs`): what any proxy costs.
    Floor,
    /// `tools/call` through `bms-mcp serve`.
    BmsMcp,
    /// `tools/call` through `FastMCP.from_openapi`.
    FastMcp,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Direct,
        Target::Floor,
        Target::BmsMcp,
        Target::FastMcp,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Target::Direct => "direct",
            Target::Floor => "floor",
            Target::BmsMcp => "bms-mcp",
            Target::FastMcp => "FastMCP",
        }
    }

    /// The process whose CPU and memory a target's figures are.
    pub fn process(self) -> &'static str {
        match self {
            Target::Direct => "sandbox (direct)",
            Target::Floor => "floor (minimal proxy)",
            Target::BmsMcp => "bms-mcp serve",
            Target::FastMcp => "FastMCP",
        }
    }
}

/// One tool workload on one target.
#[derive(Debug, Clone)]
pub struct CallFigures {
    pub target: Target,
    pub workload: Workload,
    /// Concurrency 1.
    pub c1: LoadResult,
    /// Server CPU per call over the concurrency-1 run, µs (the sandbox's for `Direct`).
    pub cpu_c1_us: f64,
    /// Concurrency 8.
    pub c8: Option<LoadResult>,
    pub cpu_c8_us: Option<f64>,
}

impl CallFigures {
    /// The steadier CPU figure: the run with more calls.
    pub fn cpu_us(&self) -> f64 {
        self.cpu_c8_us.unwrap_or(self.cpu_c1_us)
    }
}

/// `tools/list` at one URL.
#[derive(Debug, Clone)]
pub struct ListFigures {
    pub target: Target,
    pub variant: &'static str,
    /// Tools on the first page, and the page's size in bytes.
    pub tools: usize,
    pub bytes: usize,
    pub c1: LoadResult,
    pub cpu_us: f64,
}

/// Resident memory of one server, KiB.
#[derive(Debug, Clone, Copy)]
pub struct MemoryFigures {
    pub target: Target,
    pub idle_kib: u64,
    pub after_load_kib: u64,
    /// With the open sessions held (bms-mcp only: the others have no sessions).
    pub sessions_kib: Option<u64>,
}

/// From spawning a server to its first answers (median of the runs).
#[derive(Debug, Clone, Copy)]
pub struct ColdStart {
    pub target: Target,
    pub first_list: Duration,
    /// The first `tools/call`, which includes the BMS sign-in.
    pub first_call: Option<Duration>,
}

/// Everything one run measured, and how.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub quick: bool,
    pub date: String,
    pub commit: String,
    pub machine: String,
    pub load_before: String,
    pub load_after: String,
    pub warmup: Duration,
    pub duration: Duration,
    pub calls: Vec<CallFigures>,
    pub lists: Vec<ListFigures>,
    pub memory: Vec<MemoryFigures>,
    pub sessions: usize,
    pub cold: Vec<ColdStart>,
    pub cold_runs: usize,
    pub generation: Duration,
    pub gen_runs: usize,
    /// Lines worth a reader's attention (errors seen under load, skipped parts).
    pub remarks: Vec<String>,
    /// `tools/list` weight per scope and client profile.
    pub weights: Vec<super::weight::WeightRow>,
}

impl Figures {
    pub fn call(&self, target: Target, workload: Workload) -> Option<&CallFigures> {
        self.calls
            .iter()
            .find(|c| c.target == target && c.workload == workload)
    }

    /// Added latency over direct at concurrency 1: (p50, p99) in µs.
    pub fn added(&self, target: Target, workload: Workload) -> Option<(f64, f64)> {
        let base = self.call(Target::Direct, workload)?;
        let through = self.call(target, workload)?;
        Some((
            through.c1.p50_us - base.c1.p50_us,
            through.c1.p99_us - base.c1.p99_us,
        ))
    }

    /// What bms-mcp costs over the minimal proxy: added p50 at concurrency 1 and server CPU
    /// per call, in µs.
    pub fn over_floor(&self, workload: Workload) -> Option<(f64, f64)> {
        let floor = self.call(Target::Floor, workload)?;
        let ours = self.call(Target::BmsMcp, workload)?;
        Some((
            ours.c1.p50_us - floor.c1.p50_us,
            ours.cpu_us() - floor.cpu_us(),
        ))
    }

    /// bms-mcp against the minimal proxy, measured in the same run: its server CPU per call
    /// as a multiple of the floor's, and its p50 and p99 at concurrency 1 over the floor's
    /// (µs).
    pub fn against_floor(&self, workload: Workload) -> Option<FloorComparison> {
        let floor = self.call(Target::Floor, workload)?;
        let ours = self.call(Target::BmsMcp, workload)?;
        Some(FloorComparison {
            cpu_ratio: (floor.cpu_us() > 0.0).then(|| ours.cpu_us() / floor.cpu_us())?,
            p50_over_us: ours.c1.p50_us - floor.c1.p50_us,
            p99_over_us: ours.c1.p99_us - floor.c1.p99_us,
        })
    }

    /// bms-mcp's throughput at concurrency 8 over FastMCP's.
    pub fn throughput_ratio(&self, workload: Workload) -> Option<f64> {
        let ours = self.call(Target::BmsMcp, workload)?.c8?;
        let theirs = self.call(Target::FastMcp, workload)?.c8?;
        (theirs.throughput() > 0.0).then(|| ours.throughput() / theirs.throughput())
    }
}

/// bms-mcp over the floor for one workload (`Figures::against_floor`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloorComparison {
    pub cpu_ratio: f64,
    pub p50_over_us: f64,
    pub p99_over_us: f64,
}

/// One target of the issue, judged.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub target: &'static str,
    pub limit: String,
    pub measured: String,
    /// `None` when the run did not measure it.
    pub pass: Option<bool>,
}

/// The targets against what was measured. Per-workload targets take the worst
/// workload.
pub fn verdicts(f: &Figures) -> Vec<Verdict> {
    let worst = |values: Vec<Option<f64>>, max: bool| -> Option<f64> {
        let values: Option<Vec<f64>> = values.into_iter().collect();
        values.and_then(|v| {
            v.into_iter()
                .reduce(|a, b| if max == (b > a) { b } else { a })
        })
    };
    let added = |p99: bool| {
        worst(
            Workload::ALL
                .iter()
                .map(|w| {
                    f.added(Target::BmsMcp, *w)
                        .map(|(p50, p99v)| if p99 { p99v } else { p50 })
                })
                .collect(),
            true,
        )
    };
    let cpu = worst(
        Workload::ALL
            .iter()
            .map(|w| f.call(Target::BmsMcp, *w).map(CallFigures::cpu_us))
            .collect(),
        true,
    );
    let ratio = worst(
        Workload::ALL
            .iter()
            .map(|w| f.throughput_ratio(*w))
            .collect(),
        false,
    );
    let against_floor = |part: fn(FloorComparison) -> f64| {
        worst(
            Workload::ALL
                .iter()
                .map(|w| f.against_floor(*w).map(part))
                .collect(),
            true,
        )
    };
    let full_list = f
        .lists
        .iter()
        .find(|l| l.target == Target::BmsMcp && l.variant == super::FULL_CATALOGUE)
        .map(|l| l.c1.p50_us);
    let cold = f
        .cold
        .iter()
        .find(|c| c.target == Target::BmsMcp)
        .map(|c| c.first_list.as_secs_f64() * 1e3);
    let memory = f.memory.iter().find(|m| m.target == Target::BmsMcp);
    let mib = |kib: u64| kib as f64 / 1024.0;
    let generation = (f.gen_runs > 0).then_some(f.generation.as_secs_f64());
    vec![
        judge(
            "server CPU per call ÷ the floor's (worst workload)",
            "≤ 1.3×",
            against_floor(|c| c.cpu_ratio),
            1.3,
            true,
            "×",
        ),
        judge(
            "p50 at c=1 over the floor's (worst workload)",
            "≤ +150 µs",
            against_floor(|c| c.p50_over_us),
            150.0,
            true,
            "µs",
        ),
        judge(
            "p99 at c=1 over the floor's (worst workload)",
            "≤ +400 µs",
            against_floor(|c| c.p99_over_us),
            400.0,
            true,
            "µs",
        ),
        judge(
            "added p50 at c=1 (worst workload)",
            "≤ 150 µs",
            added(false),
            150.0,
            true,
            "µs",
        ),
        judge(
            "added p99 at c=1 (worst workload)",
            "≤ 400 µs",
            added(true),
            400.0,
            true,
            "µs",
        ),
        judge(
            "server CPU per call (worst workload)",
            "≤ 90 µs",
            cpu,
            90.0,
            true,
            "µs",
        ),
        judge(
            "throughput at c=8 vs FastMCP (worst workload)",
            "≥ 30×",
            ratio,
            30.0,
            false,
            "×",
        ),
        judge(
            "tools/list full catalogue p50",
            "≤ 2 ms",
            full_list.map(|us| us / 1e3),
            2.0,
            true,
            "ms",
        ),
        judge(
            "cold start to first answer",
            "≤ 50 ms",
            cold,
            50.0,
            true,
            "ms",
        ),
        judge(
            "idle RSS",
            "≤ 30 MiB",
            memory.map(|m| mib(m.idle_kib)),
            30.0,
            true,
            "MiB",
        ),
        judge(
            "RSS with 1,000 open sessions",
            "≤ 200 MiB",
            memory.and_then(|m| m.sessions_kib).map(mib),
            200.0,
            true,
            "MiB",
        ),
        judge(
            "`cargo xtask gen --check`, whole spec",
            "≤ 2 s",
            generation,
            2.0,
            true,
            "s",
        ),
    ]
}

fn judge(
    target: &'static str,
    limit: &str,
    value: Option<f64>,
    bound: f64,
    at_most: bool,
    unit: &str,
) -> Verdict {
    let measured = match value {
        Some(v) if unit == "×" => format!("{v:.1}×"),
        Some(v) if unit == "s" => format!("{v:.2} s"),
        Some(v) => format!("{v:.1} {unit}"),
        None => "not measured".to_owned(),
    };
    Verdict {
        target,
        limit: limit.to_owned(),
        measured,
        pass: value.map(|v| if at_most { v <= bound } else { v >= bound }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(p50: f64, p99: f64, requests: u64) -> LoadResult {
        LoadResult {
            requests,
            seconds: 1.0,
            p50_us: p50,
            p99_us: p99,
            errors: 0,
        }
    }

    fn call(target: Target, p50: f64, rps: u64, cpu: f64) -> CallFigures {
        CallFigures {
            target,
            workload: Workload::GetTicket,
            c1: result(p50, p50 * 2.0, 100),
            cpu_c1_us: cpu,
            c8: Some(result(p50, p50 * 2.0, rps)),
            cpu_c8_us: Some(cpu),
        }
    }

    #[test]
    fn added_latency_is_measured_against_direct_and_judged() {
        let figures = Figures {
            calls: vec![
                call(Target::Direct, 100.0, 10_000, 40.0),
                call(Target::BmsMcp, 200.0, 6_000, 60.0),
                call(Target::FastMcp, 3_000.0, 150, 2_000.0),
            ],
            ..Figures::default()
        };
        assert_eq!(
            figures.added(Target::BmsMcp, Workload::GetTicket),
            Some((100.0, 200.0))
        );
        assert_eq!(figures.throughput_ratio(Workload::GetTicket), Some(40.0));
        // No floor in this run: nothing to compare bms-mcp with.
        assert_eq!(figures.over_floor(Workload::GetTicket), None);
        // The other workloads were not run, so the per-workload targets are not judged.
        let verdicts = verdicts(&figures);
        assert_eq!(verdicts[0].pass, None);
        assert!(verdicts.iter().all(|v| v.pass != Some(false)));
    }

    #[test]
    fn overhead_over_the_floor_is_latency_and_cpu_against_the_minimal_proxy() {
        let figures = Figures {
            calls: vec![
                call(Target::Floor, 150.0, 8_000, 50.0),
                call(Target::BmsMcp, 200.0, 6_000, 80.0),
            ],
            ..Figures::default()
        };
        assert_eq!(figures.over_floor(Workload::GetTicket), Some((50.0, 30.0)));
        assert_eq!(
            figures.against_floor(Workload::GetTicket),
            Some(FloorComparison {
                cpu_ratio: 1.6,
                p50_over_us: 50.0,
                p99_over_us: 100.0,
            })
        );
        // Three workloads were not run: the floor targets are not judged.
        let verdicts = verdicts(&figures);
        assert_eq!(verdicts[0].pass, None);
    }

    #[test]
    fn a_bound_is_inclusive_and_a_miss_fails() {
        assert_eq!(
            judge("x", "≤ 2", Some(2.0), 2.0, true, "ms").pass,
            Some(true)
        );
        assert_eq!(
            judge("x", "≤ 2", Some(2.1), 2.0, true, "ms").pass,
            Some(false)
        );
        assert_eq!(
            judge("x", "≥ 30×", Some(29.0), 30.0, false, "×").pass,
            Some(false)
        );
        assert_eq!(
            judge("x", "≤ 2", None, 2.0, true, "ms").measured,
            "not measured"
        );
    }
}
