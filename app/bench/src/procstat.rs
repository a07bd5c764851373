//! This process's CPU time and memory, read from /proc (no `unsafe`, no libc calls).

/// Linux reports utime/stime in USER_HZ ticks, which the kernel ABI fixes at 100 per second.
const USER_HZ: f64 = 100.0;

/// User and system CPU seconds of the whole process (all threads) so far.
pub fn cpu_seconds() -> (f64, f64) {
    cpu_seconds_at("/proc/self/stat")
}

/// [`cpu_seconds`] of process `pid` ((0, 0) when it is gone).
pub fn cpu_seconds_of(pid: u32) -> (f64, f64) {
    cpu_seconds_at(&format!("/proc/{pid}/stat"))
}

/// CPU seconds (user + system) of each thread of process `pid` by thread name (`comm`), summed
/// over threads of the same name; empty when the process is gone.
pub fn cpu_seconds_by_thread(pid: u32) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let name = std::fs::read_to_string(dir.join("comm"))
            .map(|n| n.trim().to_string())
            .unwrap_or_default();
        let (user, sys) = cpu_seconds_at(&dir.join("stat").to_string_lossy());
        *out.entry(name).or_insert(0.0) += user + sys;
    }
    out
}

fn cpu_seconds_at(path: &str) -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string(path) else {
        return (0.0, 0.0);
    };
    // The command name may contain spaces: fields are counted after its closing ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / USER_HZ
    };
    (tick(11), tick(12))
}

/// A `Vm*` line of /proc/self/status, in KiB.
fn status_kib(key: &str) -> u64 {
    status_kib_at("/proc/self/status", key)
}

/// Peak resident set size of process `pid`, KiB (0 when it is gone).
pub fn vm_hwm_kib_of(pid: u32) -> u64 {
    status_kib_at(&format!("/proc/{pid}/status"), "VmHWM")
}

fn status_kib_at(path: &str, key: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string(path) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim_start_matches(':').split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Peak resident set size (high-water mark) of this process, KiB.
pub fn vm_hwm_kib() -> u64 {
    status_kib("VmHWM")
}

/// Current resident set size, KiB.
pub fn vm_rss_kib() -> u64 {
    status_kib("VmRSS")
}

/// The 1-minute load average.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Current resident set size of process `pid`, KiB (0 when it is gone).
pub fn rss_kib_of(pid: u32) -> u64 {
    status_kib_at(&format!("/proc/{pid}/status"), "VmRSS")
}
