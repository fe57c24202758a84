//! `watchpost insights`: runs Logs Insights queries over local log files (feature `eval`).
//!
//! The server binary parses its arguments with clap into [`CliArgs`] and calls [`run_cli`]; the
//! function takes its IO as parameters so tests drive it in memory.

use crate::eval::{run_chunks, EventRef, LogEvent, QueryResult, RunOptions};
use crate::input::{decode_line, parse_events_document, parse_time_arg};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::str::FromStr;

/// Output format of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Csv,
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            other => Err(format!("unknown format `{other}` (use table, json or csv)")),
        }
    }
}

/// Arguments of `watchpost insights [--file PATH]... [--format F] [--start T --end T] [--check] QUERY`.
#[derive(Debug, Clone, Default)]
pub struct CliArgs {
    /// Input files; standard input when empty.
    pub files: Vec<PathBuf>,
    pub format: OutputFormat,
    /// ISO 8601 or epoch ms; inclusive.
    pub start: Option<String>,
    /// ISO 8601 or epoch ms; exclusive.
    pub end: Option<String>,
    /// Only check the query.
    pub check: bool,
    pub query: String,
}

/// One unit of input handed to a worker.
enum Chunk {
    Lines(String),
    Events(Vec<LogEvent>),
}

const CHUNK_BYTES: usize = 1 << 20;

/// Splits readers into chunks of whole lines (about 1 MiB each). A reader whose content is a
/// `{"events": [...]}` document becomes one chunk of events.
struct ChunkReader<'r> {
    readers: Vec<Box<dyn Read + 'r>>,
    current: Option<Box<dyn Read + 'r>>,
    carry: Vec<u8>,
    first: bool,
    error: Option<String>,
}

impl<'r> ChunkReader<'r> {
    fn next_chunk(&mut self) -> Option<Chunk> {
        loop {
            if self.current.is_none() {
                if self.readers.is_empty() {
                    return None;
                }
                self.current = Some(self.readers.remove(0));
                self.first = true;
                self.carry.clear();
            }
            let reader = self.current.as_mut()?;
            let mut buf = std::mem::take(&mut self.carry);
            let start = buf.len();
            buf.resize(start + CHUNK_BYTES, 0);
            let mut filled = start;
            while filled < buf.len() {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.error = Some(e.to_string());
                        break;
                    }
                }
            }
            buf.truncate(filled);
            let eof = filled < start + CHUNK_BYTES;
            if self.first {
                self.first = false;
                let head = buf
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .map(|i| &buf[i..])
                    .unwrap_or_default();
                let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
                let looks_document =
                    head.starts_with(b"{") && (first_line.trim_ascii() == b"{" || first_line.windows(9).any(|w| w == b"\"events\":"));
                if looks_document {
                    let mut all = buf;
                    if !eof {
                        if let Err(e) = reader.read_to_end(&mut all) {
                            self.error = Some(e.to_string());
                        }
                    }
                    self.current = None;
                    let text = String::from_utf8_lossy(&all);
                    match parse_events_document(&text) {
                        Some(events) => return Some(Chunk::Events(events)),
                        None => return Some(Chunk::Lines(text.into_owned())),
                    }
                }
            }
            if eof {
                self.current = None;
                if buf.is_empty() {
                    continue;
                }
                return Some(Chunk::Lines(String::from_utf8_lossy(&buf).into_owned()));
            }
            let cut = buf.iter().rposition(|&b| b == b'\n').map_or(buf.len(), |i| i + 1);
            self.carry = buf.split_off(cut);
            if buf.is_empty() {
                continue;
            }
            return Some(match String::from_utf8(buf) {
                Ok(s) => Chunk::Lines(s),
                Err(e) => Chunk::Lines(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            });
        }
    }
}

fn decode_chunk(chunk: &Chunk, emit: &mut dyn FnMut(EventRef<'_>)) {
    match chunk {
        Chunk::Events(events) => events.iter().for_each(|e| emit(e.as_ref())),
        Chunk::Lines(text) => {
            for line in text.split('\n') {
                let Some(d) = decode_line(line) else { continue };
                emit(EventRef {
                    timestamp: d.timestamp.unwrap_or(0),
                    message: &d.message,
                    log_stream: &d.log_stream,
                    log_group: &d.log_group,
                    ingestion_time: d.ingestion_time,
                });
            }
        }
    }
}

/// Runs the command; returns the exit code (0 ok, 1 invalid query or failed run, 2 bad arguments
/// or unreadable input).
pub fn run_cli(args: CliArgs, stdin: impl Read, mut stdout: impl Write, mut stderr: impl Write) -> i32 {
    let query = match crate::parse(&args.query) {
        Ok(q) => q,
        Err(diags) => {
            let out: &mut dyn Write = if args.check { &mut stdout } else { &mut stderr };
            for d in &diags {
                let _ = write!(out, "{}", d.render(&args.query));
            }
            return 1;
        }
    };
    if args.check {
        let _ = writeln!(stdout, "ok: the query is valid");
        return 0;
    }
    let mut opts = RunOptions::default();
    for (arg, slot) in [(&args.start, &mut opts.start), (&args.end, &mut opts.end)] {
        if let Some(s) = arg {
            match parse_time_arg(s) {
                Some(t) => *slot = Some(t),
                None => {
                    let _ = writeln!(
                        stderr,
                        "error: cannot read time `{s}` (use ISO 8601 like 2024-01-01T10:00:00Z, or epoch milliseconds)"
                    );
                    return 2;
                }
            }
        }
    }
    let mut readers: Vec<Box<dyn Read + '_>> = Vec::new();
    if args.files.is_empty() {
        readers.push(Box::new(stdin));
    } else {
        for f in &args.files {
            match std::fs::File::open(f) {
                Ok(file) => readers.push(Box::new(file)),
                Err(e) => {
                    let _ = writeln!(stderr, "error: cannot open {}: {e}", f.display());
                    return 2;
                }
            }
        }
    }
    let mut reader = ChunkReader {
        readers,
        current: None,
        carry: Vec::new(),
        first: true,
        error: None,
    };
    let chunks = std::iter::from_fn(|| reader.next_chunk());
    let result = run_chunks(&query, chunks, decode_chunk, &opts);
    if let Some(e) = reader.error.take() {
        let _ = writeln!(stderr, "error: reading input: {e}");
        return 2;
    }
    match result {
        Ok(res) => {
            let written = match args.format {
                OutputFormat::Table => write_table(&mut stdout, &res),
                OutputFormat::Json => write_json(&mut stdout, &res),
                OutputFormat::Csv => write_csv(&mut stdout, &res),
            };
            if written.is_err() {
                return 2;
            }
            let s = res.stats;
            let _ = writeln!(
                stderr,
                "{} rows; {} records matched, {} records scanned, {} bytes scanned",
                res.rows.len(),
                s.records_matched,
                s.records_scanned,
                s.bytes_scanned
            );
            0
        }
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            1
        }
    }
}

fn cell<'a>(row: &'a [(String, String)], col: &str) -> &'a str {
    row.iter().find(|(k, _)| k == col).map_or("", |(_, v)| v.as_str())
}

fn write_table(out: &mut impl Write, res: &QueryResult) -> std::io::Result<()> {
    let mut widths: Vec<usize> = res.columns.iter().map(|c| c.chars().count()).collect();
    for row in &res.rows {
        for (i, c) in res.columns.iter().enumerate() {
            let w = cell(row, c).chars().count().min(120);
            widths[i] = widths[i].max(w);
        }
    }
    let line = |out: &mut dyn Write, vals: Vec<&str>| -> std::io::Result<()> {
        let parts: Vec<String> = vals
            .iter()
            .zip(&widths)
            .map(|(v, w)| {
                let v: String = v.chars().map(|c| if c == '\n' { ' ' } else { c }).take(120).collect();
                format!("{v:<w$}")
            })
            .collect();
        writeln!(out, "{}", parts.join(" | ").trim_end())
    };
    line(out, res.columns.iter().map(String::as_str).collect())?;
    writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"))?;
    for row in &res.rows {
        line(out, res.columns.iter().map(|c| cell(row, c)).collect())?;
    }
    Ok(())
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn write_json(out: &mut impl Write, res: &QueryResult) -> std::io::Result<()> {
    writeln!(out, "[")?;
    for (i, row) in res.rows.iter().enumerate() {
        let fields: Vec<String> = row.iter().map(|(k, v)| format!("{}: {}", json_str(k), json_str(v))).collect();
        writeln!(out, "  {{{}}}{}", fields.join(", "), if i + 1 < res.rows.len() { "," } else { "" })?;
    }
    writeln!(out, "]")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(out: &mut impl Write, res: &QueryResult) -> std::io::Result<()> {
    writeln!(out, "{}", res.columns.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","))?;
    for row in &res.rows {
        writeln!(
            out,
            "{}",
            res.columns.iter().map(|c| csv_field(cell(row, c))).collect::<Vec<_>>().join(",")
        )?;
    }
    Ok(())
}
