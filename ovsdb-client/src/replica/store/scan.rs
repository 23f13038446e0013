//! A resumable reader of a monitor reply's JSON text as it streams in.
//!
//! The text of `monitor_cond_since`'s `[<found>, <last-txn-id>, <table-updates2>]` (or
//! `monitor_cond`'s `<table-updates2>`, ovsdb-server(7) §4.1.12 and §4.1.15) arrives in pieces
//! ([`ReplySource`]). [`ReplyScanner`] keeps only the part not yet decoded (about one piece and
//! the row it ends in) and hands out one row (`"<uuid>": <row-update2>`) at a time as soon as
//! its text is complete, so a 100 MB reply is never held whole. The small members around the
//! rows are checked as they pass; a table the caller does not want is skipped as it streams by.

use std::borrow::Cow;
use std::ops::Range;

use ovsdb_proto::update::RowUpdate2;
use ovsdb_proto::{DecodeError, Uuid};

/// Where a monitor reply's text comes from, piece by piece.
pub(crate) trait ReplySource {
    /// Appends the next piece of the text to `out`; false at the end of the text.
    ///
    /// # Errors
    /// The connection's error when the reply could not be received whole.
    fn read_into(&mut self, out: &mut Vec<u8>) -> Result<bool, crate::Error>;
}

impl ReplySource for crate::rpc::StreamedReply {
    fn read_into(&mut self, out: &mut Vec<u8>) -> Result<bool, crate::Error> {
        match self.next_piece()? {
            Some(piece) => {
                out.extend_from_slice(&piece);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// A whole reply already in memory.
#[cfg(test)]
pub(crate) struct WholeText<'a>(pub(crate) Option<&'a [u8]>);

#[cfg(test)]
impl ReplySource for WholeText<'_> {
    fn read_into(&mut self, out: &mut Vec<u8>) -> Result<bool, crate::Error> {
        match self.0.take() {
            Some(text) => {
                out.extend_from_slice(text);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Why the scanner stopped.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// The text is not a well-formed reply (path and message say where and what).
    Json(DecodeError),
    /// The text could not be received.
    Source(crate::Error),
}

/// What [`ReplyScanner::next`] found.
#[derive(Debug)]
pub(crate) enum Item<'t> {
    /// `<found>` and `<last-txn-id>` of `monitor_cond_since` (before any table).
    Since {
        /// `found`.
        found: bool,
        /// The last transaction id (`None` for the all-zero id).
        last_txn_id: Option<Uuid>,
    },
    /// A table starts; its rows follow unless [`ReplyScanner::skip_table`] is called now.
    Table(String),
    /// One row of the current table: its UUID and the text of its `<row-update2>`.
    Row(Uuid, &'t [u8]),
    /// The end of the reply.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first byte.
    Begin,
    /// `[`, before `<found>, <last-txn-id>`.
    Found,
    /// After `<last-txn-id>`, before `, {` of the tables.
    BeforeTables,
    /// Before `{` of the tables.
    TablesOpen,
    /// After `{` of the tables, or after a table.
    Tables { first: bool },
    /// After a table's name and `:`, before its `{`.
    RowsOpen,
    /// Skipping the current table's value.
    SkipTable,
    /// Inside a table's `{`, or after a row.
    Rows { first: bool },
    /// After the tables: `]` (since) then the end.
    AfterTables,
    /// Only whitespace may follow.
    Trailer,
    /// The end was reported.
    Done,
}

/// Resumable scan of one JSON value for its end.
#[derive(Debug, Clone, Copy)]
struct ValueScan {
    /// Stream offset of the value's first byte.
    start: u64,
    /// Stream offset of the next byte to scan.
    at: u64,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

/// Reads a monitor reply row by row; see the module docs.
pub(crate) struct ReplyScanner<'s> {
    source: &'s mut dyn ReplySource,
    /// The text not yet consumed starts at `buf[pos]`.
    buf: Vec<u8>,
    pos: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    since: bool,
    state: State,
    /// The table being read (for error paths).
    table: String,
    scan: Option<ValueScan>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'s> ReplyScanner<'s> {
    /// A scanner of `[<found>, <last-txn-id>, <table-updates2>]` (`since`) or of
    /// `<table-updates2>`.
    pub(crate) fn new(source: &'s mut dyn ReplySource, since: bool) -> ReplyScanner<'s> {
        ReplyScanner {
            source,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            eof: false,
            since,
            state: State::Begin,
            table: String::new(),
            scan: None,
        }
    }

    /// The next item.
    ///
    /// # Errors
    /// [`ScanError::Json`] with the JSON path of what is malformed, or [`ScanError::Source`].
    pub(crate) fn next(&mut self) -> Result<Item<'_>, ScanError> {
        loop {
            match self.step_range() {
                Ok(Some(r)) => return Ok(self.item(r)),
                Ok(None) => {}
                Err(e) => return Err(ScanError::Json(e)),
            }
            if self.eof {
                return Err(ScanError::Json(self.error("the reply ends early")));
            }
            self.fill()?;
        }
    }

    /// Skips the table just reported by [`Item::Table`].
    pub(crate) fn skip_table(&mut self) {
        if self.state == State::RowsOpen {
            self.state = State::SkipTable;
        }
    }

    /// Reads more text; false at its end.
    fn fill(&mut self) -> Result<bool, ScanError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        let before = self.buf.len();
        loop {
            if !self.source.read_into(&mut self.buf).map_err(ScanError::Source)? {
                self.eof = true;
                return Ok(false);
            }
            if self.buf.len() > before {
                return Ok(true);
            }
        }
    }

    /// An error at the current position.
    fn error(&self, what: &str) -> DecodeError {
        let path = match self.state {
            State::Rows { .. } | State::RowsOpen | State::SkipTable => {
                format!("{}{}", if self.since { "[2]." } else { "." }, self.table)
            }
            State::Tables { .. } | State::AfterTables if self.since => "[2]".to_owned(),
            _ => ".".to_owned(),
        };
        DecodeError::new(path, format!("{what} at byte {}", self.base + self.pos as u64))
    }

    /// The item for a step's result (the row text is borrowed from the buffer).
    fn item(&mut self, r: Pending) -> Item<'_> {
        match r {
            Pending::Since { found, last_txn_id } => Item::Since { found, last_txn_id },
            Pending::Table(name) => Item::Table(name),
            Pending::Row(uuid, range) => Item::Row(uuid, &self.buf[range]),
            Pending::End => Item::End,
        }
    }

    /// The first non-whitespace byte from `i` on, and its index.
    fn peek_from(&self, mut i: usize) -> Option<(usize, u8)> {
        while let Some(&b) = self.buf.get(i) {
            if !is_ws(b) {
                return Some((i, b));
            }
            i += 1;
        }
        None
    }

    /// Where the JSON value starting at `buf[i]` ends (exclusive), if its text is complete.
    /// An unfinished array, object or string is scanned on from where the last call stopped.
    fn value_end(&mut self, i: usize) -> Result<Option<usize>, DecodeError> {
        let first = self.buf[i];
        if !matches!(first, b'{' | b'[' | b'"') {
            // A number or literal: ends at the first byte that cannot be part of it.
            let rest = &self.buf[i..];
            return match rest
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
            {
                Some(0) => Err(self.error(&format!("unexpected {:?}", char::from(first)))),
                Some(n) => Ok(Some(i + n)),
                None if self.eof => Ok(Some(self.buf.len())),
                None => Ok(None),
            };
        }
        let start = self.base + i as u64;
        if !matches!(self.scan, Some(s) if s.start == start) {
            self.scan = Some(ValueScan {
                start,
                at: start,
                depth: 0,
                in_string: false,
                escaped: false,
            });
        }
        Ok(self.resume_scan())
    }

    /// Scans on with `self.scan` (set): the end of its value, which then clears it.
    fn resume_scan(&mut self) -> Option<usize> {
        let mut scan = self.scan?;
        let buf = &self.buf;
        let mut k = usize::try_from(scan.at - self.base).unwrap_or(buf.len());
        while k < buf.len() {
            if scan.in_string {
                if scan.escaped {
                    scan.escaped = false;
                    k += 1;
                    continue;
                }
                match ovsdb_proto::jsonrpc::find_string_stop(&buf[k..]) {
                    Some(n) => {
                        k += n + 1;
                        if buf[k - 1] == b'"' {
                            scan.in_string = false;
                            if scan.depth == 0 {
                                self.scan = None;
                                return Some(k);
                            }
                        } else {
                            scan.escaped = true;
                        }
                    }
                    None => k = buf.len(),
                }
                continue;
            }
            let b = buf[k];
            k += 1;
            match b {
                b'"' => scan.in_string = true,
                b'{' | b'[' => scan.depth += 1,
                b'}' | b']' => {
                    scan.depth = scan.depth.saturating_sub(1);
                    if scan.depth == 0 {
                        self.scan = None;
                        return Some(k);
                    }
                }
                _ => {}
            }
        }
        scan.at = self.base + k as u64;
        self.scan = Some(scan);
        None
    }

    /// A complete string value at `buf[i]` (after whitespace), decoded, and the index after it.
    fn string_at(&mut self, i: usize) -> Result<Option<(String, usize)>, DecodeError> {
        let Some((i, b)) = self.peek_from(i) else {
            return Ok(None);
        };
        if b != b'"' {
            return Err(self.error(&format!("expected a string, found {:?}", char::from(b))));
        }
        let Some(end) = self.value_end(i)? else {
            return Ok(None);
        };
        let s: Cow<'_, str> =
            serde_json::from_slice(&self.buf[i..end]).map_err(|e| self.error(&format!("bad string: {e}")))?;
        Ok(Some((s.into_owned(), end)))
    }

    /// `byte` after whitespace from `i`: the index after it.
    fn expect_at(&self, i: usize, byte: u8) -> Result<Option<usize>, DecodeError> {
        match self.peek_from(i) {
            None => Ok(None),
            Some((j, b)) if b == byte => Ok(Some(j + 1)),
            Some((_, b)) => Err(self.error(&format!(
                "expected {:?}, found {:?}",
                char::from(byte),
                char::from(b)
            ))),
        }
    }

    /// One attempt at the next item; `Ok(None)`: more text needed (nothing consumed then,
    /// except skipped text).
    fn step_range(&mut self) -> Result<Option<Pending>, DecodeError> {
        loop {
            match self.state {
                State::Begin => {
                    let open = if self.since { b'[' } else { b'{' };
                    let Some(i) = self.expect_at(self.pos, open)? else {
                        return Ok(None);
                    };
                    self.pos = i;
                    self.state = if self.since {
                        State::Found
                    } else {
                        State::Tables { first: true }
                    };
                }
                State::Found => {
                    let Some((i, _)) = self.peek_from(self.pos) else {
                        return Ok(None);
                    };
                    let Some(end) = self.value_end(i)? else {
                        return Ok(None);
                    };
                    let Some(after) = self.expect_at(end, b',')? else {
                        return Ok(None);
                    };
                    let Some((j, _)) = self.peek_from(after) else {
                        return Ok(None);
                    };
                    let Some(end2) = self.value_end(j)? else {
                        return Ok(None);
                    };
                    let found: bool = serde_json::from_slice(&self.buf[i..end])
                        .map_err(|e| DecodeError::new("[0]", e.to_string()))?;
                    let id: Uuid = serde_json::from_slice(&self.buf[j..end2])
                        .map_err(|e| DecodeError::new("[1]", e.to_string()))?;
                    self.pos = end2;
                    self.state = State::BeforeTables;
                    return Ok(Some(Pending::Since {
                        found,
                        last_txn_id: (!id.is_nil()).then_some(id),
                    }));
                }
                State::BeforeTables => {
                    let Some(i) = self.expect_at(self.pos, b',')? else {
                        return Ok(None);
                    };
                    self.pos = i;
                    self.state = State::TablesOpen;
                }
                State::TablesOpen => {
                    let Some(i) = self.expect_at(self.pos, b'{')? else {
                        return Ok(None);
                    };
                    self.pos = i;
                    self.state = State::Tables { first: true };
                }
                State::Tables { first } => {
                    let Some((i, b)) = self.peek_from(self.pos) else {
                        return Ok(None);
                    };
                    if b == b'}' {
                        self.pos = i + 1;
                        self.state = State::AfterTables;
                        continue;
                    }
                    let i = if first {
                        i
                    } else {
                        match self.expect_at(i, b',')? {
                            Some(i) => i,
                            None => return Ok(None),
                        }
                    };
                    let Some((name, end)) = self.string_at(i)? else {
                        return Ok(None);
                    };
                    let Some(after) = self.expect_at(end, b':')? else {
                        return Ok(None);
                    };
                    self.pos = after;
                    self.table = name.clone();
                    self.state = State::RowsOpen;
                    return Ok(Some(Pending::Table(name)));
                }
                State::RowsOpen => {
                    let Some(i) = self.expect_at(self.pos, b'{')? else {
                        return Ok(None);
                    };
                    self.pos = i;
                    self.state = State::Rows { first: true };
                }
                State::SkipTable => {
                    let end = if self.scan.is_none() {
                        let Some((i, b)) = self.peek_from(self.pos) else {
                            return Ok(None);
                        };
                        self.pos = i;
                        if !matches!(b, b'{' | b'[') {
                            // Not an object: what a bad table value is, said where it is.
                            return Err(self.error(&format!("expected '{{', found {:?}", char::from(b))));
                        }
                        self.value_end(i)?
                    } else {
                        self.resume_scan()
                    };
                    match end {
                        Some(end) => {
                            self.pos = end;
                            self.state = State::Tables { first: false };
                        }
                        None => {
                            // What was scanned is not needed any more.
                            let at = self.scan.map_or(self.buf.len() as u64, |s| s.at);
                            self.pos = usize::try_from(at - self.base).unwrap_or(self.buf.len());
                            return Ok(None);
                        }
                    }
                }
                State::Rows { first } => {
                    let Some((i, b)) = self.peek_from(self.pos) else {
                        return Ok(None);
                    };
                    if b == b'}' {
                        self.pos = i + 1;
                        self.state = State::Tables { first: false };
                        continue;
                    }
                    let i = if first {
                        i
                    } else {
                        match self.expect_at(i, b',')? {
                            Some(i) => i,
                            None => return Ok(None),
                        }
                    };
                    let Some((i, _)) = self.peek_from(i) else {
                        return Ok(None);
                    };
                    let Some(key_end) = self.value_end(i)? else {
                        return Ok(None);
                    };
                    let Some(after) = self.expect_at(key_end, b':')? else {
                        return Ok(None);
                    };
                    let Some((v, _)) = self.peek_from(after) else {
                        return Ok(None);
                    };
                    let Some(end) = self.value_end(v)? else {
                        return Ok(None);
                    };
                    let uuid: Uuid = match serde_json::from_slice(&self.buf[i..key_end]) {
                        Ok(u) => u,
                        Err(e) => {
                            let key = String::from_utf8_lossy(&self.buf[i..key_end]).into_owned();
                            let mut err = self.error(&format!("row key {key}: {e}"));
                            err.path = format!("{}.{}", err.path, key.trim_matches('"'));
                            return Err(err);
                        }
                    };
                    self.pos = end;
                    self.state = State::Rows { first: false };
                    return Ok(Some(Pending::Row(uuid, v..end)));
                }
                State::AfterTables => {
                    if self.since {
                        let Some(i) = self.expect_at(self.pos, b']')? else {
                            return Ok(None);
                        };
                        self.pos = i;
                    }
                    self.state = State::Trailer;
                }
                State::Trailer => match self.peek_from(self.pos) {
                    Some((_, b)) => {
                        return Err(self.error(&format!(
                            "trailing characters after the reply: {:?}",
                            char::from(b)
                        )));
                    }
                    None if self.eof => {
                        self.state = State::Done;
                        return Ok(Some(Pending::End));
                    }
                    None => {
                        self.pos = self.buf.len();
                        return Ok(None);
                    }
                },
                State::Done => return Ok(Some(Pending::End)),
            }
        }
    }
}

/// An item whose row text is still in the buffer (see [`ReplyScanner::item`]).
enum Pending {
    Since { found: bool, last_txn_id: Option<Uuid> },
    Table(String),
    Row(Uuid, Range<usize>),
    End,
}

/// Decodes a row's `<row-update2>` text; on error, the path inside it is appended to `path`.
pub(crate) fn row_update(text: &[u8], path: impl FnOnce() -> String) -> Result<RowUpdate2, DecodeError> {
    serde_json::from_slice(text).map_err(|_| match ovsdb_proto::error::from_slice::<RowUpdate2>(text) {
        Ok(_) => DecodeError::new(path(), "not a row update"),
        Err(e) => {
            let inner = if e.path == "." {
                String::new()
            } else {
                format!(".{}", e.path)
            };
            DecodeError::new(format!("{}{inner}", path()), e.message)
        }
    })
}
