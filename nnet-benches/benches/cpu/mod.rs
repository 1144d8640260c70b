//! The CPU time of the benchmark's process, for figures that hold on a machine shared with
//! other jobs (`fit_cpu/w256` of `training`, the CPU-time GFLOP/s of `peak`).

/// CPU time of this process so far, user and system, in seconds (Linux; 0 elsewhere), from
/// `/proc/self/stat` in clock ticks of 10 ms: time work of many ticks (a fit of `fit/w256`
/// takes over 50, a run of `peak` about 100).
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime and stime are the 12th
    // and 13th.
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
