//! The printed table, the JSON rows and the target checks.

use std::path::Path;

use super::target::{Check, Kind, advantage, fmt_num};
use super::{Medians, Result, Target, engine};

/// Prints one line per figure: medians per engine and tradestore's advantage over each peer.
/// Only peers measured in this run get a column.
pub fn print_table(m: &Medians, order: &[&'static str]) {
    let peers: Vec<&str> = engine::PEERS
        .iter()
        .copied()
        .filter(|p| m.keys().any(|(_, e)| e == p))
        .collect();
    let mut head = format!("\n{:<28} {:>8} {:>12}", "workload", "unit", engine::TRADESTORE);
    for p in &peers {
        head += &format!(" {p:>12}");
    }
    println!("{head}   advantage (×, > 1 = tradestore better)");
    for w in order {
        let Some(any) = m.iter().find(|((wl, _), _)| wl == w).map(|(_, s)| s) else {
            continue;
        };
        let cell = |e: &str| m.get(&(*w, e)).map_or("-".to_string(), |s| fmt_num(s.value));
        let ours = m.get(&(*w, engine::TRADESTORE));
        let ratios: Vec<String> = peers
            .iter()
            .filter_map(|p| {
                let theirs = m.get(&(*w, *p))?;
                let ours = ours?;
                Some(format!(
                    "{p} {:.2}",
                    advantage(ours.value, theirs.value, ours.higher_is_better)
                ))
            })
            .collect();
        let mut line = format!("{:<28} {:>8} {:>12}", w, any.unit, cell(engine::TRADESTORE));
        for p in &peers {
            line += &format!(" {:>12}", cell(p));
        }
        println!("{line}   {}", ratios.join(", "));
    }
}

/// What `c` achieved, as the report prints it: `1.23×` for a ratio, the figure and its unit for
/// a bound.
pub fn achieved(m: &Medians, c: &Check) -> String {
    match c.target.kind {
        Kind::Ratio { .. } => format!("{:.2}×", c.achieved),
        _ => {
            let unit = m.get(&(c.target.workload, engine::TRADESTORE)).map_or("", |s| s.unit);
            format!("{} {unit}", fmt_num(c.achieved))
        }
    }
}

/// Checks every target whose figures were measured and prints the outcome.
pub fn check_targets(m: &Medians, targets: &[Target]) -> Vec<Check> {
    println!("\n{:<28} {:>22} {:>14}  result", "target", "wanted", "achieved");
    let mut out = Vec::new();
    for t in targets {
        let Some(c) = t.check(m) else {
            // Measured but without the peer it compares against (skipped with a note).
            if let (Kind::Ratio { peer, .. }, true) = (t.kind, m.contains_key(&(t.workload, engine::TRADESTORE))) {
                println!(
                    "{:<28} {:>22} {:>14}  not checked: no {peer} figure",
                    t.workload,
                    t.describe(""),
                    "-"
                );
            }
            continue;
        };
        let unit = m.get(&(t.workload, engine::TRADESTORE)).map_or("", |s| s.unit);
        let achieved = achieved(m, &c);
        let result = match (c.holds, c.half_holds) {
            (true, _) => "holds",
            (false, true) => "MISSED (above half)",
            (false, false) => "MISSED (below half)",
        };
        println!("{:<28} {:>22} {:>14}  {result}", t.workload, t.describe(unit), achieved);
        out.push(c);
    }
    out
}

#[derive(serde::Serialize)]
struct Row<'a> {
    workload: &'a str,
    engine: &'a str,
    median: f64,
    unit: &'a str,
    higher_is_better: bool,
}

/// Writes the medians as a JSON list of `{workload, engine, median, unit, higher_is_better}`.
pub fn write_json(m: &Medians, order: &[&'static str], path: &Path) -> Result<()> {
    let mut rows = Vec::new();
    for w in order {
        for ((wl, e), s) in m {
            if wl == w {
                rows.push(Row {
                    workload: wl,
                    engine: e,
                    median: s.value,
                    unit: s.unit,
                    higher_is_better: s.higher_is_better,
                });
            }
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(&rows)? + "\n")?;
    Ok(())
}
