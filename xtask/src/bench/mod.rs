//! `cargo xtask bench [--quick | --weight]`: the per-call cost of bms-mcp against a direct BMS call and
//! against `FastMCP.from_openapi`, measured side by side on one sandbox in one run.
//!
//! It builds the release binary and the minimal proxy (the `bench-floor` crate), installs wrk
//! and the pinned FastMCP itself, starts one sandbox (no rate limit, no faults), `bms-mcp
//! serve` in front of it and the floor and FastMCP beside it, loads each
//! with wrk (warm-up first, fixed durations), reads CPU time and memory from `/proc`, and
//! writes the table, `BENCHMARKS.md` and `docs/bench.svg` (a `--quick` run writes them under
//! `target/bench/` instead, so it never replaces a full run). Everything goes to 127.0.0.1,
//! and every process it starts is killed when it ends, also on failure. `--weight` measures
//! only the context weight of `tools/list` (`weight.rs`), which needs no quiet machine.

mod chart;
pub mod crash;
mod figures;
pub(crate) mod http;
mod load;
mod processes;
mod procfs;
mod report;
pub mod sections;
mod sessions;
pub mod soak;
pub mod tokens;
mod weight;
mod workloads;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::cli::Flags;
use crate::served::{Profile, Server, build_binary, build_floor};
use figures::{CallFigures, ColdStart, Figures, ListFigures, MemoryFigures, Target};
use load::{LoadRequest, LoadResult};
use processes::{FastMcp, Floor, Sandbox};
use procfs::CpuMeter;
use workloads::{Naming, Workload};

const USAGE: &str = "usage: cargo xtask bench [--quick | --weight]";
/// The section of `BENCHMARKS.md` the weight table lives in (kept by runs that do not weigh).
const WEIGHT_SECTION: &str = "bench --weight";
/// The `tools/list` variant the 2 ms target is about.
pub const FULL_CATALOGUE: &str = "full catalogue";
/// Measure this `bms-mcp` binary instead of building the release one (to compare builds).
const BINARY_ENV: &str = "BMS_MCP_BENCH_BINARY";
/// Legacy SSE streams held open for the memory-with-sessions figure.
const SESSIONS: usize = 1000;

/// How long each part runs.
struct Plan {
    warmup: Duration,
    duration: Duration,
    cold_runs: usize,
    gen_runs: usize,
}

/// What the loads run against.
struct Stage<'a> {
    root: &'a Path,
    work_dir: &'a Path,
    plan: &'a Plan,
    ticks_per_second: u64,
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let flags = Flags::parse(args, &["--quick", "--weight"], 0, USAGE)?;
    if flags.has("--weight") {
        return weigh_only(root);
    }
    let quick = flags.has("--quick");
    let plan = if quick {
        Plan {
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(3),
            cold_runs: 3,
            gen_runs: 1,
        }
    } else {
        Plan {
            warmup: Duration::from_secs(3),
            duration: Duration::from_secs(10),
            cold_runs: 7,
            gen_runs: 3,
        }
    };
    let started = Instant::now();
    load::ensure_wrk()?;
    let given = std::env::var_os(BINARY_ENV).map(std::path::PathBuf::from);
    let binary = match &given {
        Some(path) => path.clone(),
        None => build_binary(root, Profile::Release)?,
    };
    let floor = build_floor(root)?;
    let work_dir = root.join("target/bench");
    std::fs::create_dir_all(&work_dir).context("creating target/bench")?;
    let stage = Stage {
        root,
        work_dir: &work_dir,
        plan: &plan,
        ticks_per_second: procfs::ticks_per_second(),
    };
    let mut figures = Figures {
        quick,
        date: command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        commit: match &given {
            Some(path) => format!(
                "{} (bms-mcp binary from {BINARY_ENV}: {})",
                commit(root),
                path.display()
            ),
            None => commit(root),
        },
        machine: machine(),
        load_before: load_average(),
        warmup: plan.warmup,
        duration: plan.duration,
        sessions: SESSIONS,
        cold_runs: plan.cold_runs,
        gen_runs: plan.gen_runs,
        ..Figures::default()
    };

    println!("== cargo xtask gen --check ({} run(s)) ==", plan.gen_runs);
    figures.generation = time_gen(root, plan.gen_runs)?;
    measure_servers(&stage, &binary, &floor, &mut figures)?;
    figures.load_after = load_average();

    let verdicts = figures::verdicts(&figures);
    println!("\n{}", report::table(&figures, &verdicts));
    let (markdown_path, svg_path) = if quick {
        (work_dir.join("BENCHMARKS.md"), work_dir.join("bench.svg"))
    } else {
        (root.join("BENCHMARKS.md"), root.join("docs/bench.svg"))
    };
    let notes = report::kept_notes(
        &std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap_or_default(),
    );
    let weight = weight::markdown(&figures.weights);
    println!("\n{weight}");
    let mut markdown = report::markdown(&figures, &verdicts, &notes);
    if quick {
        markdown.push_str(&format!("\n{weight}"));
    }
    std::fs::write(&markdown_path, markdown)
        .with_context(|| format!("writing {}", markdown_path.display()))?;
    if !quick {
        sections::write(root, WEIGHT_SECTION, &weight)?;
    }
    if let Some(dir) = svg_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&svg_path, chart::svg(&figures))
        .with_context(|| format!("writing {}", svg_path.display()))?;
    println!(
        "wrote {} and {} in {:.0} s",
        markdown_path.display(),
        svg_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `--weight`: the context-weight table alone, on the given binary or a debug build (the
/// weight does not depend on optimisation), written to its section of `BENCHMARKS.md`.
fn weigh_only(root: &Path) -> anyhow::Result<()> {
    let binary = match std::env::var_os(BINARY_ENV) {
        Some(path) => std::path::PathBuf::from(path),
        None => build_binary(root, Profile::Debug)?,
    };
    let sandbox = Sandbox::start(&binary)?;
    let server = sandbox.serve(&binary)?;
    let weight = weight::markdown(&weight::measure(&server)?);
    println!("{weight}");
    sections::write(root, WEIGHT_SECTION, &weight)?;
    println!("wrote its section of BENCHMARKS.md");
    Ok(())
}

/// Starts the sandbox, the floor, bms-mcp and FastMCP, and measures them. They are stopped
/// when this returns, whichever way.
fn measure_servers(
    stage: &Stage<'_>,
    binary: &Path,
    floor_binary: &Path,
    figures: &mut Figures,
) -> anyhow::Result<()> {
    println!("== starting the sandbox, the floor, bms-mcp serve and FastMCP ==");
    let sandbox = Sandbox::start(binary)?;
    let bms_token = sandbox.sign_in()?;
    let server = sandbox.serve(binary)?;
    let scoped_url = create_mcp_server(
        &server,
        serde_json::json!({"name": "bench scoped", "config": {"methods": ["read"], "tags": ["servicedesk"]}}),
    )?;
    let discovery_url = create_mcp_server(
        &server,
        serde_json::json!({"name": "bench discovery", "config": {"tool_exposure": "discovery"}}),
    )?;
    let floor = Floor::start(floor_binary, &sandbox, &bms_token)?;
    let fastmcp = FastMcp::start(stage.root, &sandbox, &bms_token)?;
    // Idle means before any MCP request: the weight's tools/list per profile builds and keeps
    // each profile's listings.
    let idle = [
        (Target::Direct, procfs::rss_kib(sandbox.process.pid())?),
        (Target::Floor, procfs::rss_kib(floor.process.pid())?),
        (Target::BmsMcp, procfs::rss_kib(server.pid())?),
        (Target::FastMcp, procfs::rss_kib(fastmcp.process.pid())?),
    ];
    println!("== context weight of tools/list per scope and profile ==");
    figures.weights = weight::measure(&server)?;

    for workload in Workload::ALL {
        for target in Target::ALL {
            let (request, pid) = match target {
                Target::Direct => (
                    workload.direct(&sandbox.base_url, &bms_token),
                    sandbox.process.pid(),
                ),
                // The floor takes bms-mcp's argument names, so both send BMS the same request.
                Target::Floor => (
                    workloads::tool_call(&floor.url, workload, Naming::Floor),
                    floor.process.pid(),
                ),
                Target::BmsMcp if workload == Workload::PageTickets => {
                    (page_two_by_cursor(&server.mcp_url)?, server.pid())
                }
                Target::BmsMcp => (
                    workloads::tool_call(&server.mcp_url, workload, Naming::BmsMcp),
                    server.pid(),
                ),
                Target::FastMcp => (
                    workloads::tool_call(&fastmcp.url, workload, Naming::Spec),
                    fastmcp.process.pid(),
                ),
            };
            let label = format!("{} / {}", target.label(), workload.label());
            let call = measure_call(stage, figures, &label, target, workload, &request, pid)?;
            figures.calls.push(call);
        }
    }

    let lists = [
        (
            Target::BmsMcp,
            FULL_CATALOGUE,
            server.mcp_url.as_str(),
            server.pid(),
        ),
        (
            Target::BmsMcp,
            "scoped: read + servicedesk",
            scoped_url.as_str(),
            server.pid(),
        ),
        (
            Target::BmsMcp,
            "discovery mode",
            discovery_url.as_str(),
            server.pid(),
        ),
        (
            Target::FastMcp,
            FULL_CATALOGUE,
            fastmcp.url.as_str(),
            fastmcp.process.pid(),
        ),
    ];
    for (target, variant, url, pid) in lists {
        let request = workloads::tools_list(url);
        let answer = check_once(&request)?;
        let tools = answer
            .pointer("/result/tools")
            .and_then(|t| t.as_array())
            .map_or(0, Vec::len);
        let bytes = answer_bytes(&request)?;
        println!(
            "-- tools/list, {} {variant}: {tools} tools, {bytes} bytes",
            target.label()
        );
        let (c1, cpu_us) = load_run(stage, &request, 1, pid, figures)?;
        figures.lists.push(ListFigures {
            target,
            variant,
            tools,
            bytes,
            c1,
            cpu_us,
        });
    }

    let after = [
        procfs::rss_kib(sandbox.process.pid())?,
        procfs::rss_kib(floor.process.pid())?,
        procfs::rss_kib(server.pid())?,
        procfs::rss_kib(fastmcp.process.pid())?,
    ];
    println!("-- holding {SESSIONS} legacy SSE sessions open on bms-mcp");
    let with_sessions = sessions::with_open_sse_sessions(&server.mcp_url, SESSIONS, || {
        procfs::rss_kib(server.pid())
    })?;
    for ((target, idle_kib), after_load_kib) in idle.into_iter().zip(after) {
        figures.memory.push(MemoryFigures {
            target,
            idle_kib,
            after_load_kib,
            sessions_kib: (target == Target::BmsMcp).then_some(with_sessions),
        });
    }

    println!(
        "-- cold starts of bms-mcp serve ({} runs)",
        stage.plan.cold_runs
    );
    figures
        .cold
        .push(cold_start_bms_mcp(binary, &server, stage.plan.cold_runs)?);
    figures.cold.push(ColdStart {
        target: Target::FastMcp,
        first_list: fastmcp.cold_start,
        first_call: None,
    });
    Ok(())
}

/// One tool workload on one target: c=1, then c=8, each after a warm-up.
fn measure_call(
    stage: &Stage<'_>,
    figures: &mut Figures,
    label: &str,
    target: Target,
    workload: Workload,
    request: &LoadRequest,
    pid: u32,
) -> anyhow::Result<CallFigures> {
    check_once(request).with_context(|| format!("{label}: the request does not succeed"))?;
    let (c1, cpu_c1_us) = load_run(stage, request, 1, pid, figures)?;
    let (c8, cpu_c8_us) = load_run(stage, request, 8, pid, figures)?;
    println!(
        "-- {label:32} c=1 p50 {:>9.0} µs  p99 {:>9.0} µs | c=8 {:>7.0} req/s | CPU {:>7.1} µs/call",
        c1.p50_us,
        c1.p99_us,
        c8.throughput(),
        cpu_c8_us
    );
    Ok(CallFigures {
        target,
        workload,
        c1,
        cpu_c1_us,
        c8: Some(c8),
        cpu_c8_us: Some(cpu_c8_us),
    })
}

/// A warm-up, then the measured run, with the CPU time `pid` spent on the measured run per
/// call served. Errors under load are kept as remarks.
fn load_run(
    stage: &Stage<'_>,
    request: &LoadRequest,
    connections: u32,
    pid: u32,
    figures: &mut Figures,
) -> anyhow::Result<(LoadResult, f64)> {
    load::run(
        stage.root,
        stage.work_dir,
        request,
        connections,
        stage.plan.warmup,
    )?;
    let meter = CpuMeter::start(pid)?;
    let result = load::run(
        stage.root,
        stage.work_dir,
        request,
        connections,
        stage.plan.duration,
    )?;
    let cpu_us = meter.micros_per_call(result.requests, stage.ticks_per_second)?;
    if result.errors > 0 {
        let remark = format!(
            "{} of {} requests to {} at c={connections} failed (HTTP ≥ 400 or socket errors)",
            result.errors,
            result.requests,
            redact(&request.url)
        );
        println!("!! {remark}");
        figures.remarks.push(remark);
    }
    Ok((result, cpu_us))
}

/// Sends `request` once and insists on a successful answer.
fn check_once(request: &LoadRequest) -> anyhow::Result<serde_json::Value> {
    let reply = http::send(
        request.method,
        &request.url,
        &request.header_refs(),
        &request.body,
    )?;
    let json = reply.json()?;
    if !workloads::answer_is_success(reply.status, &json) {
        bail!(
            "HTTP {} from {}: {}",
            reply.status,
            redact(&request.url),
            reply.text_start()
        );
    }
    Ok(json)
}

fn answer_bytes(request: &LoadRequest) -> anyhow::Result<usize> {
    let reply = http::send(
        request.method,
        &request.url,
        &request.header_refs(),
        &request.body,
    )?;
    Ok(reply.body.len())
}

/// An MCP URL without its secret token, for messages.
fn redact(url: &str) -> String {
    match url.split_once("/mcp/bmsm_") {
        Some((base, _)) => format!("{base}/mcp/bmsm_…"),
        None => url.to_owned(),
    }
}

/// Creates an MCP server on the first run's account through the admin API; returns its URL.
fn create_mcp_server(server: &Server, body: serde_json::Value) -> anyhow::Result<String> {
    let account = processes::first_account(server)?;
    let path = format!("/integrated-account/{account}/mcp");
    let created = processes::admin_call(server, "POST", &path, Some(body))?;
    created
        .get("url")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .with_context(|| format!("creating an MCP server answered {created}"))
}

/// Restarts `serve` on the running server's store (a later run: no flags, so no sign-in and no
/// sandbox), `runs` times, and takes the median time to the first `tools/list` and
/// `tools/call` answers.
fn cold_start_bms_mcp(binary: &Path, server: &Server, runs: usize) -> anyhow::Result<ColdStart> {
    let token = server
        .mcp_url
        .rsplit_once("/mcp/")
        .map(|(_, t)| t.to_owned())
        .context("the MCP URL has no token")?;
    let mut lists = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..runs {
        let port = processes::free_port()?;
        let url = format!("http://127.0.0.1:{port}/mcp/{token}");
        let started = Instant::now();
        let child = Command::new(binary)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(server.data_dir())
            .env("BMS_MCP_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("starting bms-mcp serve for a cold start")?;
        let mut process = processes::Spawned::from(child);
        lists.push(processes::wait_for_first_answer(
            process.child(),
            &url,
            started,
            30,
        )?);
        check_once(&workloads::tool_call(
            &url,
            Workload::GetTicket,
            Naming::BmsMcp,
        ))?;
        calls.push(started.elapsed());
    }
    Ok(ColdStart {
        target: Target::BmsMcp,
        first_list: median(&mut lists),
        first_call: Some(median(&mut calls)),
    })
}

/// The paging workload's measured call to bms-mcp: the `next_cursor` of its first page,
/// passed back unchanged as an agent does.
fn page_two_by_cursor(mcp_url: &str) -> anyhow::Result<LoadRequest> {
    let first = workloads::tool_call(mcp_url, Workload::PageTickets, Naming::BmsMcp);
    let answer = http::send(first.method, &first.url, &first.header_refs(), &first.body)?.json()?;
    let cursor = answer
        .pointer("/result/structuredContent/next_cursor")
        .and_then(serde_json::Value::as_str)
        .with_context(|| {
            format!("the paging workload's first page has no next_cursor: {answer}")
        })?;
    Ok(workloads::tool_call_with(
        mcp_url,
        Workload::PageTickets,
        &serde_json::json!({ "cursor": cursor }),
    ))
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// Wall time of `cargo xtask gen --check` (this binary, already built), median of `runs`.
fn time_gen(root: &Path, runs: usize) -> anyhow::Result<Duration> {
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new(&exe)
            .args(["gen", "--check"])
            .current_dir(root)
            .output()
            .context("running xtask gen --check")?;
        times.push(started.elapsed());
        if !output.status.success() {
            bail!(
                "`cargo xtask gen --check` failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    Ok(median(&mut times))
}

pub(crate) fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The commit measured, marked when the work tree has uncommitted changes.
pub(crate) fn commit(root: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let head = git(&["rev-parse", "--short", "HEAD"]);
    if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        head
    } else {
        format!("{head} + uncommitted changes")
    }
}

/// CPU model, cores and memory, from `/proc/cpuinfo` and `free`.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let memory = command_line("free", &["-h"])
        .lines()
        .find_map(|l| l.strip_prefix("Mem:"))
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
    let kernel = command_line("uname", &["-r"]);
    format!("{model}, {cores} cores, {memory} memory, Linux {kernel}")
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
