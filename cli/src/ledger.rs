//! `loyalty export ledger` and `loyalty verify`.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use loyalty_core::chain::{self, ExportLine, MAX_PAGE};

use crate::api::Client;
use crate::error::{Error, Result};

/// Writes the whole ledger export to `out`, page after page (each page
/// starts after the last entry of the one before). The file appears only
/// once complete.
pub fn export(client: &Client, out: &Path) -> Result<ExitCode> {
    let tmp = out.with_extension("ndjson.partial");
    let mut file = std::io::BufWriter::new(fs::File::create(&tmp).map_err(Error::file(&tmp))?);
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} entries · {per_sec} · {msg}")
            .map_err(|e| Error::Csv(e.to_string()))?,
    );
    let (mut after, mut entries, mut unchained) = (0i64, 0u64, 0u64);
    loop {
        let page = client.get(&format!("/v1/ledger/export?after={after}&limit={MAX_PAGE}"))?;
        let mut n = 0;
        for text in page.lines().filter(|l| !l.is_empty()) {
            let line: ExportLine = serde_json::from_str(text).map_err(|e| Error::Answer(e.to_string()))?;
            after = line.entry_id;
            unchained += u64::from(line.hash.is_none());
            file.write_all(text.as_bytes()).and_then(|()| file.write_all(b"\n")).map_err(Error::file(&tmp))?;
            n += 1;
        }
        entries += n;
        bar.set_position(entries);
        bar.set_message(format!("up to entry {after}"));
        if (n as i64) < MAX_PAGE {
            break;
        }
    }
    file.flush().map_err(Error::file(&tmp))?;
    drop(file);
    fs::rename(&tmp, out).map_err(Error::file(out))?;
    bar.finish_and_clear();
    println!("{entries} entries written to {}", out.display());
    if unchained > 0 {
        println!(
            "the last {unchained} are not chained yet (written within the last minute): export again later to verify them"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks `file`; exit code 1 and the first break when the chain does not
/// hold.
pub fn verify(file: &Path) -> Result<ExitCode> {
    let reader = BufReader::new(fs::File::open(file).map_err(Error::file(file))?);
    let lines: Vec<String> = reader.lines().collect::<std::io::Result<_>>().map_err(Error::file(file))?;
    match chain::verify(lines.iter().map(String::as_str)) {
        Ok(v) => {
            println!(
                "{}: the chain holds over {} entries{}{}",
                file.display(),
                v.chained,
                v.last_entry.map(|e| format!(", up to entry {e}")).unwrap_or_default(),
                if v.unchained > 0 { format!(" ({} more not chained yet)", v.unchained) } else { String::new() }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("{}: {b}", file.display());
            Ok(ExitCode::from(1))
        }
    }
}
