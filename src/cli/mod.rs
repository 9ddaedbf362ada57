//! The `tradestore` command line: a thin layer over the library API.
//!
//! Names, flags and JSON fields follow the CLI contract; exit codes are 0 ok, 1 error, 2 usage,
//! 3 not found, 4 integrity failure.

/// `println!` for command output: a reader that went away (`tradestore … | head`) ends the
/// command quietly instead of panicking, as Unix tools do.
macro_rules! outln {
    () => {
        $crate::cli::output::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_line(format_args!($($arg)*))
    };
}

mod analytics;
mod args;
mod artifacts;
mod demo;
mod demo_analytics;
mod demo_docs;
mod demo_kv;
mod demo_market;
mod docs;
mod export;
mod housekeeping;
mod import_legacy;
mod kv;
mod market;
mod output;
mod portfolio;
mod snapshot;
mod state;
mod status;
mod trades;
mod verify;

use std::path::{Path, PathBuf};

use clap::Parser;

pub use args::Cli;
use args::Command;

use crate::{Concurrency, Error, Result, Store};

/// Context every command gets.
pub(crate) struct Ctx {
    pub(crate) store_dir: PathBuf,
    pub(crate) json: bool,
}

impl Ctx {
    /// Opens the store, creating it (commands that write).
    pub(crate) fn open_or_create(&self) -> Result<Store> {
        Store::builder().concurrency(Concurrency::Shared).open(&self.store_dir)
    }

    /// Opens an existing store (commands that only read).
    pub(crate) fn open_existing(&self) -> Result<Store> {
        if !self.store_dir.join(crate::store::DB_FILE).exists() {
            return Err(Error::NotFound(format!(
                "store at {} (create it with `tradestore init`, or pass --store DIR)",
                self.store_dir.display()
            )));
        }
        self.open_or_create()
    }

    /// Whether to draw progress bars: only for people at a terminal.
    pub(crate) fn progress(&self) -> bool {
        use std::io::IsTerminal;
        !self.json && std::io::stderr().is_terminal() && std::io::stdout().is_terminal()
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// Runs one command; returns the exit code of a command that completed (0, or 4 when `verify`
/// found problems).
fn run(cli: Cli) -> Result<i32> {
    let store_given = cli.store.is_some();
    let ctx = Ctx {
        store_dir: cli.store.unwrap_or_else(|| Path::new("tradestore-data").to_path_buf()),
        json: cli.json,
    };
    let done = match cli.command {
        Command::Verify => return verify::run(&ctx),
        Command::Init => status::init(&ctx),
        Command::Analytics(a) => analytics::run(&ctx, &a),
        Command::Artifacts(c) => artifacts::run(&ctx, c),
        Command::Status => status::status(&ctx),
        Command::Demo(a) => demo::run(&ctx, &a, store_given),
        Command::Trades(c) => trades::run(&ctx, c),
        Command::State(c) => state::run(&ctx, c),
        Command::Portfolio(c) => portfolio::run(&ctx, c),
        Command::Market(c) => market::run(&ctx, c),
        Command::Export(a) => export::run(&ctx, &a),
        Command::Kv(c) => kv::run(&ctx, c),
        Command::Housekeeping(a) => housekeeping::run(&ctx, a),
        Command::Doc(c) => docs::run(&ctx, c),
        Command::Schema(c) => docs::schema(&ctx, c),
        Command::Snapshot(c) => snapshot::run(&ctx, c),
        Command::ImportLegacy { dir } => import_legacy::run(&ctx, &dir),
    };
    done.map(|()| 0)
}

/// Reads a file argument, or standard input for `-` / none.
pub(crate) fn read_input(file: Option<&Path>) -> Result<String> {
    use std::io::Read;
    match file {
        Some(p) if p != Path::new("-") => std::fs::read_to_string(p).map_err(|e| Error::io(p, e)),
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::io("<stdin>", e))?;
            Ok(s)
        }
    }
}
