//! `loyalty`: the command line of Loyalty Edge.
//!
//! - `loyalty import FILE.csv` brings members in from another program
//!   (`POST /v1/imports`), in batches, with progress, resumable;
//! - `loyalty export ledger` writes the hash-chained ledger export
//!   (`GET /v1/ledger/export`) to a file;
//! - `loyalty verify FILE.ndjson` checks such a file and names the first
//!   entry changed, removed or reordered (`loyalty_core::chain`).

mod api;
mod error;
mod formats;
mod import;
mod ledger;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::formats::Format;

#[derive(Parser)]
#[command(name = "loyalty", version, about = "Loyalty Edge from the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the Worker is and the key to call it with.
#[derive(clap::Args)]
struct Server {
    /// The Worker's address, e.g. http://127.0.0.1:8787.
    #[arg(long, env = "LOYALTY_API")]
    api: String,
    /// An API key (the root key, or one with the admin scope).
    #[arg(long, env = "LOYALTY_KEY", hide_env_values = true)]
    key: String,
}

#[derive(Subcommand)]
enum Command {
    /// Import members and their points from a CSV file.
    ///
    /// Interrupted, it can be run again with the same file: it carries on
    /// where it stopped, and no member is credited twice.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The file's shape: ours (`customer_id,email,name,birthday,tags,
        /// enrolled_at,points,lifetime_earned`), or a customer export of
        /// Smile.io or LoyaltyLion.
        #[arg(long, value_enum, default_value_t = Format::Generic)]
        format: Format,
        /// The column that holds the store's customer id (by default
        /// `customer_id`; Smile.io: `external_id`, else the e-mail;
        /// LoyaltyLion: `merchant_id`).
        #[arg(long)]
        id_column: Option<String>,
        /// Where the rows not imported are written, by line (default:
        /// FILE.errors.csv).
        #[arg(long)]
        errors: Option<PathBuf>,
        /// Start from the first row even if an earlier run stopped midway
        /// (rows imported before are reported as unchanged).
        #[arg(long)]
        restart: bool,
        #[command(flatten)]
        server: Server,
    },
    /// Export data.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Check a ledger export's hash chain; names the first entry changed,
    /// removed or reordered.
    Verify {
        /// The NDJSON file `loyalty export ledger` wrote.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// The whole ledger, hash-chained, as NDJSON.
    Ledger {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        server: Server,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Import { file, format, id_column, errors, restart, server } => {
            let client = api::Client::new(&server.api, &server.key);
            let errors = errors.unwrap_or_else(|| import::errors_path(&file));
            import::run(&client, &import::Options { file, format, id_column, errors, restart })
        }
        Command::Export { what: ExportWhat::Ledger { out, server } } => {
            ledger::export(&api::Client::new(&server.api, &server.key), &out)
        }
        Command::Verify { file } => ledger::verify(&file),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("loyalty: {e}");
            ExitCode::from(2)
        }
    }
}
