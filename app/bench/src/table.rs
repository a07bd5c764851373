//! The results table (markdown, as BENCHMARKS.md quotes it).

use crate::{MB, MIB, f, fake};
use serde_json::Value;

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}

pub fn print(r: &Value) {
    println!(
        "\nks-bench — {} CPUs, load average at start {}, at end {}\n",
        r["cpus"],
        r["loadavg_at_start"].as_str().unwrap_or("?"),
        r["loadavg_at_end"].as_str().unwrap_or("?")
    );
    println!("| scenario | figure | value | target | met |");
    println!("| --- | --- | --- | --- | --- |");
    if let Some(a) = r.get("a") {
        let e = &a["engine"];
        let payload = f(&a["payload_bytes"]);
        let records = f(&a["records"]);
        let wall = f(&e["wall_s"]);
        let cpu = f(&e["cpu_user_s"]) + f(&e["cpu_sys_s"]);
        let per_core = payload / MB / cpu;
        let steady = f(&e["steady_rows_per_s"]);
        println!(
            "| (a) fixed GetRecords → engine → loopback receiver | payload MB/s (wall, {} records, {} shards) | {:.0} MB/s, {:.0} records/s | | |",
            a["records"],
            a["shards"],
            payload / MB / wall,
            records / wall
        );
        println!(
            "| | steady state (10 %→90 % of rows) | {:.0} MB/s, {:.0} records/s | | |",
            steady * fake::RECORD_BYTES as f64 / MB,
            steady
        );
        println!(
            "| | per core: MB per engine-process CPU second ({:.1} s user + {:.1} s sys) | {:.0} MB/s/core, {:.0} records/s/core | ≥ 1000 MB/s/core | {} |",
            f(&e["cpu_user_s"]),
            f(&e["cpu_sys_s"]),
            per_core,
            records / cpu,
            if per_core >= 1000.0 { "yes" } else { "no" }
        );
        if let Some(floor) = r.get("a_floor") {
            let floor_per_core =
                |run: &Value| payload / MB / (f(&run["cpu_user_s"]) + f(&run["cpu_sys_s"]));
            for (key, what) in [
                (
                    "raw",
                    "the floor: the same answers read and the same bytes Stream Loaded (64 MiB, 2 in flight), nothing parsed",
                ),
                (
                    "decode",
                    "the floor + each record's base64 `Data` found and decoded into the body (the least an awsJson1.1 reader does)",
                ),
            ] {
                let run = &floor[key];
                println!(
                    "| | {what}: {:.1} s user + {:.1} s sys, {} rows loaded | {:.0} MB/s/core; the engine = {:.0} % of it | | |",
                    f(&run["cpu_user_s"]),
                    f(&run["cpu_sys_s"]),
                    run["rows_loaded"],
                    floor_per_core(run),
                    100.0 * per_core / floor_per_core(run)
                );
            }
        }
        let ep = &a["endpoints"];
        println!(
            "| | endpoints' own process (not counted above) | {:.1} CPU s, {} GetRecords, {} loads, {} rows received | | |",
            f(&ep["cpu_user_s"]) + f(&ep["cpu_sys_s"]),
            ep["get_records"],
            ep["loads"],
            ep["load_rows"]
        );
    }
    if let Some(b) = r.get("b") {
        let n = f(&b["records"]);
        let bare = b["bare"]
            .as_array()
            .map(|v| {
                v.iter()
                    .map(|x| n / f(&x["seconds"]))
                    .fold(0.0f64, f64::max)
            })
            .unwrap_or(f64::NAN);
        let bare_cpu = b["bare"]
            .as_array()
            .and_then(|v| v.last())
            .map(|x| f(&x["process_cpu_s"]) / f(&x["seconds"]))
            .unwrap_or(f64::NAN);
        println!(
            "| (b) ferrokinesis → stand-in, {} × 1 KiB over {} shards | bare aws-sdk-kinesis reader, no sink (best of 2; emulator + reader use {:.1} of the 2 cores) | {:.0} records/s | | |",
            b["records"], b["shards"], bare_cpu, bare
        );
        if let Some(k) = b.get("ks_reader") {
            let r = n / f(&k["seconds"]);
            println!(
                "| | ks-kinesis ShardReader alone (the engine's reader, no pipeline, no sink) | {:.0} records/s = {:.0} % of the bare reader | | |",
                r,
                100.0 * r / bare
            );
        }
        let standin = b.get("standin_alone").filter(|s| !s.is_null());
        let alone = standin.map(|s| n / f(&s["seconds"]));
        if let (Some(s), Some(alone)) = (standin, alone) {
            println!(
                "| | the stand-in alone: the same rows as 16 MiB JSON bodies, Stream Loaded 2 at a time ({} loads, {:.2} s) | {:.0} records/s | | |",
                s["loads"],
                f(&s["seconds"]),
                alone
            );
        }
        // The engine into a null sink: the reading half's CPU cost (emulator + engine) without
        // the stand-in.
        let null_sink = b.get("engine_null_sink").filter(|e| !e.is_null());
        if let Some(e) = null_sink {
            let eng = n / f(&e["all_loaded_s"]);
            println!(
                "| | engine into a null sink (loopback receiver, no stand-in; max-bytes {} MiB, interval-ms {}): {:.2} s, {:.1} CPU s | {:.0} records/s = {:.0} % of the bare reader | ≥ 80 % | {} |",
                e["max_bytes"].as_u64().unwrap_or(0) >> 20,
                e["interval_ms"],
                f(&e["all_loaded_s"]),
                f(&e["process_cpu_s"]),
                eng,
                100.0 * eng / bare,
                yes(eng >= 0.8 * bare)
            );
        }
        // Emulator, engine and stand-in share the 2 cores: end to end, every record costs the
        // CPU of reading it (measured into the null sink) plus that of loading it (measured on
        // the stand-in alone). 2 cores over that sum is the most any engine could reach here.
        let read_cpu = null_sink.map(|e| f(&e["process_cpu_s"]) / n);
        let load_cpu = standin
            .map(|s| f(&s["process_cpu_s"]) / n)
            .filter(|c| c.is_finite());
        let shared_bound = match (read_cpu, load_cpu) {
            (Some(read), Some(load)) => {
                let bound = 2.0 / (read + load);
                println!(
                    "| | the most 2 shared cores allow end to end: 2 / (reading {:.1} µs + loading {:.1} µs of CPU per record, from the null-sink run and the stand-in alone) | {:.0} records/s | | |",
                    read * 1e6,
                    load * 1e6,
                    bound
                );
                Some(bound)
            }
            _ => None,
        };
        let mut best_engine = 0.0f64;
        for e in b["engines"].as_array().into_iter().flatten() {
            let eng = n / f(&e["all_loaded_s"]);
            best_engine = best_engine.max(eng);
            let label = format!(
                "{} MiB, {} ms, {} in flight",
                e["max_bytes"].as_u64().unwrap_or(0) >> 20,
                e["interval_ms"],
                e["inflight"]
            );
            println!(
                "| | engine ({label}): all {} rows in the table in {:.2} s (exit {:.2} s, {:.1} CPU s); the stand-in's loads took {:.2} s | {:.0} records/s = {:.0} % of the bare reader | | |",
                e["rows_in_table"],
                f(&e["all_loaded_s"]),
                f(&e["exit_s"]),
                f(&e["process_cpu_s"]),
                f(&e["load_ms_total"]) / 1000.0,
                eng,
                100.0 * eng / bare,
            );
            if let Some(alone) = alone {
                println!(
                    "| | engine ({label}) vs the stand-in alone | {:.0} % | ≥ 80 % | {} |",
                    100.0 * eng / alone,
                    yes(eng >= 0.8 * alone)
                );
            }
            if let Some(bound) = shared_bound {
                println!(
                    "| | engine ({label}) vs the most 2 shared cores allow | {:.0} % | | |",
                    100.0 * eng / bound
                );
            }
        }
        let eng = best_engine;
        if let Some(p) = b.get("python").filter(|p| !p.is_null()) {
            let py = n / f(&p["seconds"]);
            println!(
                "| | boto3 + requests script ({} rows, {:.2} s) | {:.0} records/s; engine = {:.1} × the script | | |",
                p["rows_in_table"],
                f(&p["seconds"]),
                py,
                eng / py
            );
        }
    }
    if let Some(c) = r.get("c").and_then(Value::as_array) {
        // One entry per backlog size, each with several fresh-process runs.
        let mut medians = Vec::new();
        for size in c {
            let runs = size["runs"].as_array().cloned().unwrap_or_default();
            let mut h: Vec<f64> = runs
                .iter()
                .map(|x| f(&x["engine"]["vm_hwm_kib"]) / 1024.0)
                .collect();
            h.sort_by(f64::total_cmp);
            let Some(first) = runs.first() else { continue };
            let med = h[h.len() / 2];
            medians.push(med);
            let buffer = f(&first["max_bytes"]) / MIB;
            println!(
                "| (c) peak RSS, {:.0} MiB backlog, buffer {:.0} MiB | VmHWM of the engine process, median of {} runs (min {:.0}, max {:.0}; RSS before start {:.0} MiB) | {:.0} MiB | ≤ {:.0} MiB | {} |",
                f(&first["payload_bytes"]) / MIB,
                buffer,
                h.len(),
                h[0],
                h[h.len() - 1],
                f(&first["engine"]["rss_before_kib"]) / 1024.0,
                med,
                buffer + 64.0,
                if med <= buffer + 64.0 { "yes" } else { "no" }
            );
            // The records the engine may hold: its byte budget (docs/engine.md §4). What the
            // peak has above it is the process and the answers being received and parsed.
            let budget =
                ks_engine::pipeline::budget_bytes(f(&first["max_bytes"]) as u64) as f64 / MIB;
            let headroom = ks_engine::pipeline::FILL_HEADROOM_MAX_BYTES as f64 / MIB;
            println!(
                "| | of which records read and not yet confirmed, at most (the byte budget: max-bytes + min(max-bytes, {headroom:.0} MiB)) | {budget:.0} MiB | | |"
            );
        }
        if medians.len() >= 2 {
            let (lo, hi) = (medians[0], medians[medians.len() - 1]);
            println!(
                "| | flat in backlog size: median, smallest → largest backlog | {lo:.0} → {hi:.0} MiB ({:+.1} %) | flat (±10 %) | {} |",
                100.0 * (hi - lo) / lo,
                if (hi - lo).abs() <= 0.1 * lo {
                    "yes"
                } else {
                    "no"
                }
            );
        }
    }
    if let Some(app) = r.get("app") {
        let c = &app["cold_start"];
        println!(
            "| app | cold start to the first presented frame (process start → 2nd frame begins), fresh profile, median of {} (first {:.0} ms) | {:.0} ms | < 400 ms | {} |",
            c["runs_ms"].as_array().map_or(0, Vec::len),
            f(&c["first_ms"]),
            f(&c["median_ms"]),
            yes(f(&c["median_ms"]) < 400.0)
        );
        let t = &app["frame_time"];
        println!(
            "| | monitor frame, CPU (egui layout + tessellation, not GPU drawing) after {} snapshots = 1 h at 4/s ({} plot points kept), {} frames: median (p99 {:.2} ms) | {:.2} ms | < 8 ms | {} |",
            t["snapshots_fed"],
            t["points_in_plots"],
            t["frames"],
            f(&t["p99_ms"]),
            f(&t["median_ms"]),
            yes(f(&t["p99_ms"]) < 8.0)
        );
        let i = &app["idle"];
        println!(
            "| | idle CPU over {} s, monitor open on the running demo pipeline, no input ({:.1} frames/s painted, the window {}): `demo --monitor` {:.1} %, `demo --headless` (same services, no window) {:.1} % | window's share {:.1} % of one core | < 1 % | {} |",
            i["seconds"],
            f(&i["frames_per_s"]),
            match i["focused"].as_bool() {
                Some(true) => "focused",
                Some(false) => "not focused: no window manager under Xvfb",
                None => "focus not recorded",
            },
            f(&i["gui_demo_cpu_pct"]),
            f(&i["headless_demo_cpu_pct"]),
            f(&i["window_share_pct"]),
            yes(f(&i["window_share_pct"]) < 1.0)
        );
        let threads: Vec<String> = i["gui_busiest_threads"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        format!(
                            "{} {:.1} %",
                            t["thread"].as_str().unwrap_or("?"),
                            f(&t["pct"])
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "| | the same without Mesa's software rasterizer (its llvmpipe threads: {:.1} %; no GPU here); busiest threads of `demo --monitor`: {} | window's share {:.1} % of one core | < 1 % | {} |",
            f(&i["software_rasterizer_pct"]),
            threads.join(", "),
            f(&i["window_share_without_rasterizer_pct"]),
            yes(f(&i["window_share_without_rasterizer_pct"]) < 1.0)
        );
    }
}
