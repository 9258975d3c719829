// SPDX-License-Identifier: GPL-2.0
//! zswapstat: one screen of zswap_rs pool statistics, like `zramctl`.
//!
//! Reads the world-readable summary (`/sys/kernel/mm/zswap_rs/`) as any
//! user, the knobs (`/sys/module/zswap_rs/parameters/`), and with root the
//! debugfs details (`/sys/kernel/debug/zswap_rs/`).  `-w SECS` repeats
//! every SECS seconds and shows what the counters did meanwhile; `--json`
//! prints one JSON object (per interval) for scripts.  `--root DIR` reads
//! the files below DIR instead of `/` (tests).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const SUMMARY: &str = "sys/kernel/mm/zswap_rs";
const PARAMS: &str = "sys/module/zswap_rs/parameters";
const DEBUGFS: &str = "sys/kernel/debug";
const DETAILS: &str = "sys/kernel/debug/zswap_rs";

/// Statistics that are levels (shown as is in watch mode); every other
/// debugfs number is an event counter (shown as a delta).
const LEVELS: &[&str] = &[
    "stored_pages",
    "pool_total_size",
    "pool_pages",
    "compressed_bytes",
    "frames_one_object",
    "frames_two_objects",
    "frames_whole_page",
    "zombie_pages",
    "same_filled_pages",
    "incompressible_pages",
    "stored_bytes",
];

#[derive(Debug)]
struct Options {
    root: PathBuf,
    watch: Option<u64>,
    count: Option<u64>,
    json: bool,
}

fn usage() -> &'static str {
    "usage: zswapstat [-w SECS [-n COUNT]] [--json] [--root DIR]\n\
     \n\
     Shows the zswap_rs pool: stored pages, pool size, compression ratio,\n\
     frame fill, rejects by reason, writeback, migration and compaction.\n\
     Without root only the summary from /sys/kernel/mm/zswap_rs is shown.\n\
     \n\
       -w SECS    repeat every SECS seconds, counters as deltas\n\
       -n COUNT   with -w: stop after COUNT screens\n\
       --json     machine-readable output (one object per screen)\n\
       --root DIR read DIR/sys/... instead of /sys/... (testing)\n"
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        root: PathBuf::from("/"),
        watch: None,
        count: None,
        json: false,
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut value = |name: &str| -> Result<String, String> {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a {
            "-w" | "--watch" => {
                let v = value(a)?;
                let s: u64 = v
                    .parse()
                    .map_err(|_| format!("-w wants whole seconds, not '{v}'"))?;
                if s == 0 {
                    return Err("-w wants at least 1 second".into());
                }
                o.watch = Some(s);
            }
            "-n" | "--count" => {
                let v = value(a)?;
                o.count = Some(
                    v.parse()
                        .map_err(|_| format!("-n wants a number, not '{v}'"))?,
                );
            }
            "--json" => o.json = true,
            "--root" => o.root = PathBuf::from(value(a)?),
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown option '{a}'")),
        }
        i += 1;
    }
    Ok(o)
}

/// One reading of everything we may see.
#[derive(Debug, Default, Clone)]
struct Snapshot {
    /// Numbers by name (summary and debugfs; debugfs wins).
    nums: BTreeMap<String, u64>,
    /// The compression ratio as the summary prints it.
    ratio: String,
    /// Knobs by name, as read.
    knobs: BTreeMap<String, String>,
    /// Whether the debugfs details were readable.
    details: bool,
    /// Why the details are missing, if they are.
    details_note: Option<String>,
}

fn read_trim(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

fn read_dir_files(dir: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if !e.file_type()?.is_file() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(v) = read_trim(&e.path()) {
            out.push((name, v));
        }
    }
    out.sort();
    Ok(out)
}

fn snapshot(o: &Options) -> Result<Snapshot, String> {
    let summary = o.root.join(SUMMARY);
    if !o.root.join("sys/module/zswap_rs").exists() {
        return Err("zswap_rs is not loaded (no /sys/module/zswap_rs): insmod zswap_rs.ko".into());
    }
    let mut s = Snapshot::default();
    match read_dir_files(&summary) {
        Ok(files) => {
            for (k, v) in files {
                if k == "compression_ratio" {
                    s.ratio = v;
                } else if let Ok(n) = v.parse() {
                    s.nums.insert(k, n);
                }
            }
        }
        Err(e) => return Err(format!("cannot read {}: {e}", summary.display())),
    }
    if let Ok(files) = read_dir_files(&o.root.join(PARAMS)) {
        s.knobs = files.into_iter().collect();
    }
    let details = o.root.join(DETAILS);
    match read_dir_files(&details) {
        Ok(files) => {
            s.details = true;
            for (k, v) in files {
                if let Ok(n) = v.parse() {
                    s.nums.insert(k, n);
                }
            }
        }
        Err(e) => {
            let why = if e.kind() == std::io::ErrorKind::PermissionDenied {
                "details need root (/sys/kernel/debug/zswap_rs)".to_string()
            } else if std::fs::read_dir(o.root.join(DEBUGFS))
                .map(|mut d| d.next().is_none())
                .unwrap_or(true)
            {
                "details need debugfs: mount -t debugfs none /sys/kernel/debug".to_string()
            } else {
                format!("details not readable: {}: {e}", details.display())
            };
            s.details_note = Some(why);
        }
    }
    Ok(s)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The value to show: a level as is, a counter as the delta since `prev`.
fn shown(name: &str, cur: &Snapshot, prev: Option<&Snapshot>) -> Option<u64> {
    let v = *cur.nums.get(name)?;
    match prev {
        Some(p) if !LEVELS.contains(&name) => {
            Some(v.saturating_sub(*p.nums.get(name).unwrap_or(&0)))
        }
        _ => Some(v),
    }
}

/// The detail rows of the text screen: a row name, whether its values are
/// counters (shown as deltas in watch mode), and its items (label,
/// statistic; an empty label shows the bare value).
const DETAIL_ROWS: &[(&str, bool, &[(&str, &str)])] = &[
    (
        "pages",
        false,
        &[
            ("same-filled", "same_filled_pages"),
            ("incompressible", "incompressible_pages"),
            ("compressed bytes", "compressed_bytes"),
        ],
    ),
    (
        "frames",
        false,
        &[
            ("one object", "frames_one_object"),
            ("two objects", "frames_two_objects"),
            ("whole page", "frames_whole_page"),
            ("zombie", "zombie_pages"),
        ],
    ),
    ("stores", true, &[("", "stores")]),
    (
        "rejects",
        true,
        &[
            ("limit", "pool_limit_hit"),
            ("compress poor", "reject_compress_poor"),
            ("compress fail", "reject_compress_fail"),
            ("alloc", "reject_alloc_fail"),
            ("disabled", "reject_disabled"),
            ("thp", "reject_thp"),
            ("cgroup", "reject_cgroup"),
            ("reclaim fail", "reject_reclaim_fail"),
        ],
    ),
    ("huge pages", true, &[("stored whole", "stored_thp")]),
    (
        "loads",
        true,
        &[
            ("", "loads"),
            ("decompress fail", "decompress_fail"),
            ("missing", "load_missing"),
            ("duplicate stores", "duplicate_entry"),
        ],
    ),
    (
        "writeback",
        true,
        &[
            ("written", "written_back_pages"),
            ("failed", "writeback_fail"),
            ("reclaim runs", "reclaim_runs"),
        ],
    ),
    (
        "migration",
        true,
        &[
            ("isolated", "isolate_ok"),
            ("refused", "isolate_refused"),
            ("migrated", "migrate_ok"),
            ("eagain", "migrate_eagain"),
            ("failed", "migrate_fail"),
            ("put back", "putback"),
            ("compacted", "pages_compacted"),
        ],
    ),
];

fn render_text(cur: &Snapshot, prev: Option<&Snapshot>) -> String {
    let mut o = String::new();
    let n = |k: &str| shown(k, cur, prev).map_or("-".to_string(), |v| v.to_string());
    let knob = |k: &str| cur.knobs.get(k).map_or("?", |s| s.as_str()).to_string();
    let _ = writeln!(
        o,
        "zswap_rs: compressor {}, enabled {}, pool limit {}% of RAM, writeback {}",
        knob("compressor"),
        knob("enabled"),
        knob("max_pool_percent"),
        knob("writeback")
    );
    let stored = cur.nums.get("stored_pages").copied().unwrap_or(0);
    let pool = cur.nums.get("pool_total_size").copied().unwrap_or(0);
    let _ = writeln!(o, "stored        {} pages ({})", stored, mib(stored * 4096));
    let _ = writeln!(
        o,
        "pool          {} ({} pages), compression ratio {}",
        mib(pool),
        pool / 4096,
        if cur.ratio.is_empty() {
            "-"
        } else {
            &cur.ratio
        }
    );
    if !cur.details {
        if let Some(why) = &cur.details_note {
            let _ = writeln!(o, "({why})");
        }
        return o;
    }
    let label = if prev.is_some() { " (delta)" } else { "" };
    for (name, counters, items) in DETAIL_ROWS {
        let head = format!("{name}{}", if *counters { label } else { "" });
        let body: Vec<String> = items
            .iter()
            .map(|(l, k)| {
                if l.is_empty() {
                    n(k)
                } else {
                    format!("{l} {}", n(k))
                }
            })
            .collect();
        let _ = writeln!(o, "{head:<14}{}", body.join(", "));
    }
    o
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn render_json(cur: &Snapshot, prev: Option<&Snapshot>) -> String {
    let mut o = String::from("{");
    let _ = write!(o, "\"details\":{}", cur.details);
    if let Some(why) = &cur.details_note {
        let _ = write!(o, ",\"details_note\":{}", json_str(why));
    }
    let _ = write!(o, ",\"delta\":{}", prev.is_some());
    if !cur.ratio.is_empty() {
        let _ = write!(o, ",\"compression_ratio\":{}", json_str(&cur.ratio));
    }
    o.push_str(",\"stats\":{");
    let mut first = true;
    for k in cur.nums.keys() {
        if let Some(v) = shown(k, cur, prev) {
            let _ = write!(o, "{}{}:{}", if first { "" } else { "," }, json_str(k), v);
            first = false;
        }
    }
    o.push_str("},\"knobs\":{");
    let mut first = true;
    for (k, v) in &cur.knobs {
        let _ = write!(
            o,
            "{}{}:{}",
            if first { "" } else { "," },
            json_str(k),
            json_str(v)
        );
        first = false;
    }
    o.push_str("}}");
    o
}

fn run(o: &Options) -> Result<(), String> {
    let mut prev: Option<Snapshot> = None;
    let mut shown_count = 0u64;
    loop {
        let cur = snapshot(o)?;
        let out = if o.json {
            render_json(&cur, prev.as_ref()) + "\n"
        } else {
            render_text(&cur, prev.as_ref())
        };
        if o.watch.is_some() && !o.json && shown_count > 0 {
            println!();
        }
        print!("{out}");
        shown_count += 1;
        let secs = match o.watch {
            Some(s) => s,
            None => return Ok(()),
        };
        if o.count.map_or(false, |c| shown_count >= c) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(secs));
        prev = Some(cur);
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse_args(&args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("zswapstat: {e}\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match run(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zswapstat: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake /sys with the given debugfs numbers (None: no debugfs).
    fn fake(dir: &Path, details: Option<&[(&str, u64)]>) {
        let w = |p: PathBuf, v: &str| {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, format!("{v}\n")).unwrap();
        };
        w(dir.join(SUMMARY).join("stored_pages"), "1000");
        w(
            dir.join(SUMMARY).join("pool_total_size"),
            &(250 * 4096).to_string(),
        );
        w(
            dir.join(SUMMARY).join("stored_bytes"),
            &(1000 * 4096).to_string(),
        );
        w(dir.join(SUMMARY).join("compression_ratio"), "4.00");
        w(dir.join(PARAMS).join("compressor"), "lz4");
        w(dir.join(PARAMS).join("enabled"), "Y");
        w(dir.join(PARAMS).join("max_pool_percent"), "20");
        w(dir.join(PARAMS).join("writeback"), "Y");
        std::fs::create_dir_all(dir.join(DEBUGFS)).unwrap();
        if let Some(d) = details {
            for (k, v) in d {
                w(dir.join(DETAILS).join(k), &v.to_string());
            }
        }
    }

    fn opts(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            watch: None,
            count: None,
            json: false,
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zswapstat-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn not_loaded_is_a_clear_error() {
        let d = tmp("none");
        std::fs::create_dir_all(&d).unwrap();
        let e = snapshot(&opts(&d)).unwrap_err();
        assert!(e.contains("not loaded"), "{e}");
    }

    #[test]
    fn summary_only_without_debugfs() {
        let d = tmp("summary");
        fake(&d, None);
        std::fs::create_dir_all(d.join("sys/module/zswap_rs")).unwrap();
        let s = snapshot(&opts(&d)).unwrap();
        let t = render_text(&s, None);
        assert!(t.contains("compressor lz4"), "{t}");
        assert!(t.contains("stored        1000 pages (3.9 MiB)"), "{t}");
        assert!(
            t.contains("1.0 MiB (250 pages), compression ratio 4.00"),
            "{t}"
        );
        assert!(t.contains("mount -t debugfs"), "{t}");
        assert!(!t.contains("rejects"), "{t}");
    }

    #[test]
    fn details_and_json_match_the_counters() {
        let d = tmp("details");
        fake(
            &d,
            Some(&[
                ("pool_limit_hit", 7),
                ("reject_thp", 3),
                ("reject_cgroup", 5),
                ("written_back_pages", 42),
                ("migrate_ok", 9),
                ("frames_two_objects", 120),
            ]),
        );
        std::fs::create_dir_all(d.join("sys/module/zswap_rs")).unwrap();
        let s = snapshot(&opts(&d)).unwrap();
        let t = render_text(&s, None);
        assert!(t.contains("limit 7,"), "{t}");
        assert!(t.contains("thp 3,"), "{t}");
        assert!(t.contains("cgroup 5,"), "{t}");
        assert!(t.contains("written 42,"), "{t}");
        assert!(t.contains("migrated 9,"), "{t}");
        assert!(t.contains("two objects 120,"), "{t}");
        let j = render_json(&s, None);
        assert!(j.contains("\"written_back_pages\":42"), "{j}");
        assert!(j.contains("\"stored_pages\":1000"), "{j}");
        assert!(j.contains("\"compressor\":\"lz4\""), "{j}");
        assert!(j.contains("\"details\":true"), "{j}");
    }

    #[test]
    fn watch_shows_counter_deltas_and_levels() {
        let d = tmp("watch");
        fake(
            &d,
            Some(&[("written_back_pages", 42), ("frames_two_objects", 120)]),
        );
        std::fs::create_dir_all(d.join("sys/module/zswap_rs")).unwrap();
        let a = snapshot(&opts(&d)).unwrap();
        std::fs::write(d.join(DETAILS).join("written_back_pages"), "50\n").unwrap();
        std::fs::write(d.join(DETAILS).join("frames_two_objects"), "100\n").unwrap();
        let b = snapshot(&opts(&d)).unwrap();
        let j = render_json(&b, Some(&a));
        assert!(j.contains("\"written_back_pages\":8"), "{j}");
        assert!(j.contains("\"frames_two_objects\":100"), "{j}");
        assert!(j.contains("\"delta\":true"), "{j}");
    }

    #[test]
    fn bad_options_are_refused() {
        let a = |v: &[&str]| parse_args(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(a(&["-w", "0"]).is_err());
        assert!(a(&["-w", "x"]).is_err());
        assert!(a(&["--frobnicate"]).is_err());
        assert_eq!(a(&["-w", "2", "-n", "3"]).unwrap().watch, Some(2));
    }
}
