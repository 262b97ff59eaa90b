//! `loyalty import`: a CSV file to `POST /v1/imports`, in batches of at
//! most 1,000 rows and under the API's 64 KiB body, with a progress bar.
//!
//! Resuming is safe at any point, even after `kill -9`, for two reasons:
//! the Worker credits a member once whatever is sent again (its `imports`
//! row), and each batch is sent under an Idempotency-Key made of the
//! file's digest and the batch's first row, so a batch sent again within
//! a day gets its first answer back and the counts stay exact. After each
//! answered batch the progress file (`FILE.progress.json`) records where
//! to carry on, and how long the errors file was then, so a batch's errors
//! are never written twice.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use loyalty_core::import::MAX_ROWS;
use loyalty_core::wire::{ImportResult, ImportRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::Client;
use crate::error::{Error, Result};
use crate::formats::{Format, Mapping};

/// A batch's JSON stays below this, under the API's 64 KiB.
const MAX_BATCH_BYTES: usize = 60 * 1024;

/// What `loyalty import` was asked.
pub struct Options {
    /// The CSV file.
    pub file: PathBuf,
    /// Its shape.
    pub format: Format,
    /// The column of the customer id, if not the format's.
    pub id_column: Option<String>,
    /// Where rows not imported go.
    pub errors: PathBuf,
    /// Ignore an earlier run's progress.
    pub restart: bool,
}

/// `FILE.errors.csv`.
pub fn errors_path(file: &Path) -> PathBuf {
    with_suffix(file, "errors.csv")
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    file.with_file_name(name)
}

/// Where a run got to.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Progress {
    /// The file's SHA-256: progress of another file does not apply.
    digest: String,
    /// This run's id, in its batches' Idempotency-Keys: a resumed run
    /// keeps it (a batch sent again answers as the first time), a new run
    /// of the same file makes another (rows there already are told so).
    run: String,
    /// Rows handled (imported, unchanged or reported).
    rows_done: usize,
    imported: u64,
    unchanged: u64,
    errors: u64,
    /// The errors file's length after those rows.
    errors_bytes: u64,
}

/// A run's id: the time and the process, which no two runs share.
fn run_id() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format!("{}.{}", t.as_nanos(), std::process::id())
}

/// A data row of the file: its line, and the row or why it cannot be one.
struct Row {
    line: u64,
    customer_id: Option<String>,
    row: std::result::Result<ImportRow, String>,
}

fn read_rows(opts: &Options, bytes: &[u8]) -> Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader.headers().map_err(|e| Error::Csv(format!("{}: {e}", opts.file.display())))?.clone();
    let mapping = Mapping::new(opts.format, &headers, opts.id_column.as_deref())
        .map_err(|e| Error::Csv(format!("{}: {e}", opts.file.display())))?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::Csv(format!("{}: {e}", opts.file.display())))?;
        let line = record.position().map_or(0, csv::Position::line);
        let row = mapping.row(&record);
        let customer_id = row.as_ref().ok().map(|r| r.customer_id.clone());
        rows.push(Row { line, customer_id, row });
    }
    Ok(rows)
}

/// The batches, as ranges of rows: cut at 1,000 rows to send or before
/// the JSON passes [`MAX_BATCH_BYTES`]. The same file always gives the
/// same batches, which is what makes their Idempotency-Keys mean the same
/// request on a second run.
fn batches(rows: &[Row]) -> Result<Vec<(usize, usize, String)>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut body = String::from("{\"members\":[");
    let mut count = 0;
    for (i, r) in rows.iter().enumerate() {
        let Ok(row) = &r.row else { continue };
        let json = serde_json::to_string(row).map_err(|e| Error::Csv(e.to_string()))?;
        if count > 0 && (count == MAX_ROWS || body.len() + json.len() + 2 > MAX_BATCH_BYTES) {
            body.push_str("]}");
            out.push((start, i, std::mem::replace(&mut body, String::from("{\"members\":["))));
            start = i;
            count = 0;
        }
        if count > 0 {
            body.push(',');
        }
        body.push_str(&json);
        count += 1;
    }
    body.push_str("]}");
    out.push((start, rows.len(), body));
    Ok(out)
}

fn write_progress(path: &Path, p: &Progress) -> Result<()> {
    let tmp = with_suffix(path, "tmp");
    let text = serde_json::to_string_pretty(p).map_err(|e| Error::Csv(e.to_string()))?;
    fs::write(&tmp, text).map_err(Error::file(&tmp))?;
    fs::rename(&tmp, path).map_err(Error::file(path))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Runs an import; exit code 0 when every row went in (or was there
/// already), 1 when some rows are in the errors file.
pub fn run(client: &Client, opts: &Options) -> Result<ExitCode> {
    let bytes = fs::read(&opts.file).map_err(Error::file(&opts.file))?;
    let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let rows = read_rows(opts, &bytes)?;
    let progress_path = with_suffix(&opts.file, "progress.json");
    let earlier: Option<Progress> = if opts.restart {
        None
    } else {
        fs::read_to_string(&progress_path).ok().and_then(|t| serde_json::from_str(&t).ok())
    };
    let mut p = match earlier {
        Some(p) if p.digest == digest && p.rows_done <= rows.len() => p,
        _ => Progress { digest: digest.clone(), run: run_id(), ..Progress::default() },
    };
    // The errors file as it was when the progress was recorded.
    let existing = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&opts.errors)
        .map_err(Error::file(&opts.errors))?;
    existing.set_len(p.errors_bytes).map_err(Error::file(&opts.errors))?;
    let mut errors_file = OpenOptions::new().append(true).open(&opts.errors).map_err(Error::file(&opts.errors))?;
    if p.errors_bytes == 0 {
        errors_file.write_all(b"line,customer_id,message\n").map_err(Error::file(&opts.errors))?;
    }

    let resumed = p.rows_done;
    let bar = ProgressBar::new(rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} rows · {per_sec} · {eta} left · {msg}")
            .map_err(|e| Error::Csv(e.to_string()))?
            .progress_chars("=> "),
    );
    bar.set_position(p.rows_done as u64);
    if resumed > 0 {
        println!("carrying on after row {resumed} of {} (an earlier run stopped there)", rows.len());
    }
    let started = Instant::now();
    for (start, end, body) in batches(&rows)? {
        if end <= p.rows_done {
            continue;
        }
        let sent: Vec<&Row> = rows[start..end].iter().filter(|r| r.row.is_ok()).collect();
        let mut lines: Vec<(u64, String, String)> = rows[start..end]
            .iter()
            .filter_map(|r| {
                r.row.as_ref().err().map(|e| (r.line, r.customer_id.clone().unwrap_or_default(), e.clone()))
            })
            .collect();
        if !sent.is_empty() {
            let key = format!("loyalty-import:{}:{}:{start}", &digest[..32], p.run);
            let answer = client.post("/v1/imports", &body, &key)?;
            let result: ImportResult = serde_json::from_str(&answer).map_err(|e| Error::Answer(e.to_string()))?;
            p.imported += u64::from(result.imported);
            p.unchanged += u64::from(result.unchanged);
            for issue in result.errors {
                let row = sent.get(issue.row as usize).ok_or_else(|| Error::Answer(format!("no row {}", issue.row)))?;
                lines.push((row.line, issue.customer_id.unwrap_or_default(), issue.message));
            }
        }
        lines.sort();
        let mut text = String::new();
        for (line, id, message) in &lines {
            text.push_str(&format!("{line},{},{}\n", csv_field(id), csv_field(message)));
        }
        errors_file.write_all(text.as_bytes()).map_err(Error::file(&opts.errors))?;
        errors_file.flush().map_err(Error::file(&opts.errors))?;
        p.errors += lines.len() as u64;
        p.errors_bytes = errors_file.metadata().map_err(Error::file(&opts.errors))?.len();
        p.rows_done = end;
        write_progress(&progress_path, &p)?;
        bar.set_position(end as u64);
        bar.set_message(format!("{} imported, {} there already, {} not imported", p.imported, p.unchanged, p.errors));
    }
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    let done_now = rows.len() - resumed;
    println!(
        "{} rows: {} imported, {} already there, {} not imported; {done_now} rows in {secs:.1} s ({:.0} rows/s)",
        rows.len(),
        p.imported,
        p.unchanged,
        p.errors,
        done_now as f64 / secs.max(0.001),
    );
    fs::remove_file(&progress_path).map_err(Error::file(&progress_path))?;
    if p.errors > 0 {
        println!("rows not imported, by line: {}", opts.errors.display());
        return Ok(ExitCode::from(1));
    }
    fs::remove_file(&opts.errors).map_err(Error::file(&opts.errors))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize, name_len: usize) -> Row {
        Row {
            line: i as u64 + 2,
            customer_id: Some(format!("c{i}")),
            row: Ok(ImportRow {
                customer_id: format!("c{i}"),
                email: None,
                name: Some("x".repeat(name_len)),
                birthday: None,
                tags: None,
                enrolled_at: None,
                points: 1,
                lifetime_earned: None,
            }),
        }
    }

    #[test]
    fn batches_hold_at_most_1000_rows_and_stay_under_64_kib() {
        let rows: Vec<Row> = (0..2_500).map(|i| row(i, 5)).collect();
        let b = batches(&rows).unwrap();
        assert_eq!(b.iter().map(|(s, e, _)| (*s, *e)).collect::<Vec<_>>(), vec![(0, 1000), (1000, 2000), (2000, 2500)]);
        let rows: Vec<Row> = (0..300).map(|i| row(i, 400)).collect();
        let b = batches(&rows).unwrap();
        assert!(b.len() > 1);
        assert!(b.iter().all(|(_, _, body)| body.len() <= MAX_BATCH_BYTES));
        assert_eq!(b.last().unwrap().1, 300);
        let parsed: serde_json::Value = serde_json::from_str(&b[0].2).unwrap();
        assert_eq!(parsed["members"].as_array().unwrap().len(), b[0].1);
    }

    #[test]
    fn rows_that_cannot_be_sent_stay_in_their_batch_range() {
        let mut rows: Vec<Row> = (0..5).map(|i| row(i, 1)).collect();
        rows[2].row = Err("bad".into());
        let b = batches(&rows).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!((b[0].0, b[0].1), (0, 5));
        let parsed: serde_json::Value = serde_json::from_str(&b[0].2).unwrap();
        assert_eq!(parsed["members"].as_array().unwrap().len(), 4);
    }
}
