//! Transcripts as editors get them: SRT or WebVTT, in whatever encoding the tool wrote.
//!
//! [`read_bytes`] is tolerant where a file is merely untidy and strict where it is ambiguous:
//!
//! - **Encoding.** A byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE). Without one:
//!   UTF-16 when the NUL bytes say so, UTF-8 when the bytes are valid UTF-8, else GB18030 (the
//!   superset of GBK and GB2312 that Chinese subtitle tools write), with a note. Bytes that are no
//!   text in any of these (binary, NULs, damaged UTF-8, invalid GB18030) are refused, naming the
//!   line and the byte offset.
//! - **Format.** WebVTT when the text starts with `WEBVTT` or the name ends in `.vtt`; else SRT.
//!   WebVTT's header, `NOTE`, `STYLE` and `REGION` blocks are skipped, cue settings ignored, a
//!   `<v Speaker>` span names the speaker, other tags are stripped and entities decoded.
//! - **SRT.** Any line ends, missing, non-numeric or repeated cue numbers, extra blank lines,
//!   a text line of digits only, `-->` spaced any way, coordinates after the end time, `.` for
//!   `,`; `<font>`, `<i>`, `<b>`, `<u>` and ASS override tags (`{\an8}`) are stripped.
//!   The lines of a cue are joined with a space (without one between two CJK characters), and a
//!   leading speaker label (`张伟：`, `BOB:`) is split off.
//! - **Times.** The fraction has exactly three digits: `00:00:01,5` is refused (other readers take
//!   it as 1.005 s, people mean 1.5 s). A cue that ends before it starts is refused; one without
//!   duration, or shorter than a frame, is skipped with a note.
//! - **Order.** Cues out of order are sorted, overlapping cues kept, each with a note.
//! - **Start timecode.** NLEs write SRT timed from the timeline's start timecode; when every cue
//!   starts at or after it, it is subtracted (with a note); when some start before and some after,
//!   the file is refused.
//!
//! Every step is linear in the size of the file (tags without an end, long lines, many cues).

use protocol::{FrameRange, Rate, SubtitleLine};

use super::ReadError;
use super::srt::split_speaker;

/// The largest transcript read (a feature film's subtitles are well under 1 MB).
pub const MAX_BYTES: usize = 128 << 20;

/// Notes about single cues (skipped ones) beyond this many are summed up in one.
const MAX_CUE_NOTES: usize = 10;

/// A transcript read for a timeline: its lines in record time, and what the reader did that the
/// editor should know (the encoding it decoded, an hour offset it subtracted, cues it reordered).
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub lines: Vec<SubtitleLine>,
    pub notes: Vec<String>,
}

/// Read a transcript file's bytes for a timeline at `rate` whose first frame has the record
/// timecode `start_frame` (frames at `rate`; 0 when the timeline starts at 00:00:00:00).
///
/// `name` (the file's name) is a hint: text that starts with `WEBVTT` is WebVTT whatever its
/// name, and a `.vtt` file without that header is read as WebVTT too. The lines come sorted by
/// start, in record frames counted from the timeline's first frame. Errors are one line and name
/// the place: `line 12`, or `line 3 (byte 57)` for bytes that are no text.
pub fn read_bytes(
    bytes: &[u8],
    name: Option<&str>,
    rate: Rate,
    start_frame: i64,
) -> Result<Transcript, ReadError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::Invalid {
            place: "the file".into(),
            why: format!(
                "{} MB is too large for a transcript (the limit is {} MB)",
                bytes.len() >> 20,
                MAX_BYTES >> 20
            ),
        });
    }
    let mut notes = Vec::new();
    let (text, note) = decode(bytes)?;
    notes.extend(note);
    read_text(&text, name, rate, start_frame, Order::Tolerant, &mut notes)
        .map(|lines| Transcript { lines, notes })
}

/// How cues out of order are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// Sorted by start, overlaps kept, each with a note.
    Tolerant,
    /// A cue that starts before the previous one ends is refused (what `srt::read_str` does).
    Strict,
}

/// Read decoded text (see [`read_bytes`]); `notes` gets what the editor should know.
pub(crate) fn read_text(
    text: &str,
    name: Option<&str>,
    rate: Rate,
    start_frame: i64,
    order: Order,
    notes: &mut Vec<String>,
) -> Result<Vec<SubtitleLine>, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let vtt = is_webvtt(text, name, notes);
    let cues = parse_cues(text, vtt, notes)?;
    place_cues(cues, rate, start_frame, order, notes)
}

fn bad(line: usize, why: impl Into<String>) -> ReadError {
    ReadError::Invalid {
        place: format!("line {line}"),
        why: why.into(),
    }
}

/// A piece of a line for a message: at most 60 characters.
fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(60).collect();
    if q.len() < s.len() {
        q.push('…');
    }
    format!("{q:?}")
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// The 1-based line of a byte offset in ASCII-compatible text (`\n`, `\r\n` or `\r` ends a line).
fn line_at(bytes: &[u8], offset: usize) -> usize {
    let head = &bytes[..offset.min(bytes.len())];
    let mut line = 1;
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && head.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
    }
    line
}

fn undecodable(line: usize, byte: usize, why: impl Into<String>) -> ReadError {
    ReadError::Invalid {
        place: format!("line {line} (byte {byte})"),
        why: why.into(),
    }
}

/// A control character no subtitle text has: binary data, or text in another encoding.
fn is_bad_control(c: char) -> bool {
    c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fn control_message(c: char, encoding: &str) -> String {
    let what = if c == '\0' {
        "a NUL byte".to_string()
    } else {
        format!("control character 0x{:02X}", u32::from(c))
    };
    format!(
        "{what} where text should be (read as {encoding}): not a subtitle file, or in an \
         encoding other than UTF-8, UTF-16, UTF-32 or GB18030"
    )
}

/// The first control byte of ASCII-compatible bytes that no text has; `skip`: bytes before them
/// in the file (a byte-order mark).
fn check_controls(bytes: &[u8], skip: usize, encoding: &str) -> Result<(), ReadError> {
    match bytes.iter().position(|&b| is_bad_control(char::from(b))) {
        Some(at) => Err(undecodable(
            line_at(bytes, at),
            at + skip,
            control_message(char::from(bytes[at]), encoding),
        )),
        None => Ok(()),
    }
}

/// The lines decoded so far, for a message about the next character.
fn decoded_line(text: &str) -> usize {
    line_at(text.as_bytes(), text.len())
}

/// Bytes to text, and a note naming the encoding when it is not plain UTF-8.
fn decode(bytes: &[u8]) -> Result<(String, Option<String>), ReadError> {
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE, 0x00, 0x00]) {
        let text = decode_utf32(body, 4, true)?;
        return Ok((
            text,
            Some("decoded as UTF-32 LE (its byte-order mark)".into()),
        ));
    }
    if let Some(body) = bytes.strip_prefix(&[0x00, 0x00, 0xFE, 0xFF]) {
        let text = decode_utf32(body, 4, false)?;
        return Ok((
            text,
            Some("decoded as UTF-32 BE (its byte-order mark)".into()),
        ));
    }
    if let Some(body) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8(body, 3).map(|t| (t, None));
    }
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let text = decode_utf16(body, 2, true)?;
        return Ok((
            text,
            Some("decoded as UTF-16 LE (its byte-order mark)".into()),
        ));
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let text = decode_utf16(body, 2, false)?;
        return Ok((
            text,
            Some("decoded as UTF-16 BE (its byte-order mark)".into()),
        ));
    }
    if let Some(le) = sniff_utf16(bytes) {
        let text = decode_utf16(bytes, 0, le)?;
        let which = if le { "LE" } else { "BE" };
        return Ok((
            text,
            Some(format!(
                "decoded as UTF-16 {which} (the file has no byte-order mark; its NUL bytes say so)"
            )),
        ));
    }
    // DOS editors ended text files with Ctrl-Z.
    let end = bytes.len() - bytes.iter().rev().take_while(|&&b| b == 0x1A).count();
    let bytes = &bytes[..end];
    if std::str::from_utf8(bytes).is_ok() {
        return decode_utf8(bytes, 0).map(|t| (t, None));
    }
    // Not UTF-8. Mostly valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not GB18030
    // (GBK text forms a valid UTF-8 sequence by chance only now and then).
    let (mut multibyte, mut invalid, mut first_bad) = (0usize, 0usize, None);
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            invalid += 1;
            first_bad.get_or_insert(offset);
            offset += chunk.invalid().len();
        }
    }
    let first_bad = first_bad.unwrap_or(0);
    if multibyte > 0 && multibyte >= 4 * invalid {
        check_controls(bytes, 0, "UTF-8")?;
        return Err(undecodable(
            line_at(bytes, first_bad),
            first_bad,
            format!(
                "byte 0x{:02X} is not UTF-8, while the rest of the file is: a damaged file \
                 (save it again as UTF-8)",
                bytes[first_bad]
            ),
        ));
    }
    check_controls(bytes, 0, "GB18030")?;
    let text = decode_gb18030(bytes)?;
    Ok((
        text,
        Some(format!(
            "decoded as GB18030 (the file is not UTF-8: line {}, byte {first_bad})",
            line_at(bytes, first_bad)
        )),
    ))
}

fn decode_utf8(bytes: &[u8], skip: usize) -> Result<String, ReadError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            check_controls(bytes, skip, "UTF-8")?;
            Ok(text.to_string())
        }
        Err(e) => {
            let at = e.valid_up_to();
            Err(undecodable(
                line_at(bytes, at),
                at + skip,
                format!(
                    "byte 0x{:02X} is not UTF-8, though the file starts with UTF-8's byte-order \
                     mark: a damaged file",
                    bytes[at]
                ),
            ))
        }
    }
}

/// UTF-16 without a byte-order mark: ASCII characters (digits, `:`, `-->`) put a NUL byte in
/// every other place. `Some(true)` for little-endian.
fn sniff_utf16(bytes: &[u8]) -> Option<bool> {
    let pairs = bytes.len().min(8192) / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for p in bytes[..pairs * 2].chunks_exact(2) {
        match (p[0], p[1]) {
            (0, b) if b != 0 => even += 1,
            (a, 0) if a != 0 => odd += 1,
            _ => {}
        }
    }
    if odd * 4 >= pairs && even * 8 <= odd {
        Some(true)
    } else if even * 4 >= pairs && odd * 8 <= even {
        Some(false)
    } else {
        None
    }
}

/// UTF-16 by hand, to name the place of an unpaired surrogate. `skip`: the BOM's length.
fn decode_utf16(body: &[u8], skip: usize, le: bool) -> Result<String, ReadError> {
    let encoding = if le { "UTF-16 LE" } else { "UTF-16 BE" };
    let units = body.chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let mut out = String::with_capacity(body.len());
    let mut at = skip;
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) if is_bad_control(c) => {
                return Err(undecodable(
                    decoded_line(&out),
                    at,
                    control_message(c, encoding),
                ));
            }
            Ok(c) => {
                out.push(c);
                at += 2 * c.len_utf16();
            }
            Err(e) => {
                return Err(undecodable(
                    decoded_line(&out),
                    at,
                    format!(
                        "an unpaired surrogate 0x{:04X} (read as {encoding}): a damaged file",
                        e.unpaired_surrogate()
                    ),
                ));
            }
        }
    }
    if body.len() % 2 == 1 {
        return Err(undecodable(
            decoded_line(&out),
            at,
            format!("the file ends inside a character (read as {encoding}): a truncated file"),
        ));
    }
    Ok(out)
}

/// UTF-32, which encoding_rs does not decode.
fn decode_utf32(body: &[u8], skip: usize, le: bool) -> Result<String, ReadError> {
    let encoding = if le { "UTF-32 LE" } else { "UTF-32 BE" };
    let mut out = String::with_capacity(body.len() / 2);
    for (i, q) in body.chunks_exact(4).enumerate() {
        let at = skip + 4 * i;
        let v = if le {
            u32::from_le_bytes([q[0], q[1], q[2], q[3]])
        } else {
            u32::from_be_bytes([q[0], q[1], q[2], q[3]])
        };
        match char::from_u32(v) {
            Some(c) if is_bad_control(c) => {
                return Err(undecodable(
                    decoded_line(&out),
                    at,
                    control_message(c, encoding),
                ));
            }
            Some(c) => out.push(c),
            None => {
                return Err(undecodable(
                    decoded_line(&out),
                    at,
                    format!("0x{v:08X} is not a character (read as {encoding}): a damaged file"),
                ));
            }
        }
    }
    if body.len() % 4 != 0 {
        return Err(undecodable(
            decoded_line(&out),
            skip + body.len() / 4 * 4,
            format!("the file ends inside a character (read as {encoding}): a truncated file"),
        ));
    }
    Ok(out)
}

/// GB18030 without replacement characters: a malformed sequence is refused at its place.
fn decode_gb18030(bytes: &[u8]) -> Result<String, ReadError> {
    use encoding_rs::DecoderResult;
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let room = |n: usize| decoder_room(n);
    let mut out = String::with_capacity(room(bytes.len()));
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(room(bytes.len() - pos).max(16)),
            DecoderResult::Malformed(len, extra) => {
                let end = pos - usize::from(extra);
                let start = end.saturating_sub(usize::from(len));
                let shown: Vec<String> = bytes[start..end]
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect();
                return Err(undecodable(
                    line_at(bytes, start),
                    start,
                    format!(
                        "bytes {} are neither UTF-8 nor GB18030 text: save the file as UTF-8",
                        shown.join(" ")
                    ),
                ));
            }
        }
    }
}

/// Room for GB18030 decoded to UTF-8: at most 3 bytes per input byte (4 per 4-byte sequence).
fn decoder_room(n: usize) -> usize {
    n.saturating_mul(3).saturating_add(8)
}

// ---------------------------------------------------------------------------------------------
// Cues

/// A cue as the file has it, times in milliseconds.
#[derive(Debug, Clone, PartialEq)]
struct Cue {
    /// The cue's first line (its identifier, or its timing line), 1-based.
    first_line: usize,
    timing_line: usize,
    start: i64,
    end: i64,
    speaker: Option<String>,
    text: String,
}

fn is_webvtt(text: &str, name: Option<&str>, notes: &mut Vec<String>) -> bool {
    if let Some(rest) = text.strip_prefix("WEBVTT")
        && rest
            .chars()
            .next()
            .is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
    {
        return true;
    }
    let named = name.is_some_and(|n| {
        n.len() >= 4
            && n.is_char_boundary(n.len() - 4)
            && n[n.len() - 4..].eq_ignore_ascii_case(".vtt")
    });
    if named {
        notes.push("no WEBVTT header; read as WebVTT because the file name ends in .vtt".into());
    }
    named
}

/// Lines split at `\n`, `\r\n` or `\r`, without collecting them (a file of 50 million empty
/// lines costs no memory).
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= b.len() {
            return None;
        }
        let from = start;
        let end = b[from..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(b.len(), |p| from + p);
        start = match b.get(end) {
            Some(b'\r') if b.get(end + 1) == Some(&b'\n') => end + 2,
            Some(_) => end + 1,
            None => end,
        };
        Some(&text[from..end])
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Blank,
    Timing,
    Text,
    /// WebVTT's header, `NOTE`, `STYLE` and `REGION` blocks.
    Skipped,
}

/// The length of a line's leading time (digits, `:`, `,`, `.`).
fn time_prefix(t: &str) -> usize {
    t.bytes()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b','))
        .count()
}

/// A timing line, good or bad: a digit first and `-->` somewhere, or a time then something
/// arrow-like (`->`, `- >`). Text that merely starts with a time of day (`10:30 we left`) is not
/// one.
fn looks_like_timing(line: &str) -> bool {
    let t = line.trim_start();
    if !t.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    if t.contains("-->") {
        return true;
    }
    let n = time_prefix(t);
    if !t[..n].contains(':') {
        return false;
    }
    let rest = t[n..].trim_start().as_bytes();
    if rest.first() != Some(&b'-') {
        return false;
    }
    let dashes = rest.iter().take_while(|&&b| b == b'-' || b == b' ').count();
    rest.get(dashes) == Some(&b'>')
}

/// `start --> end [settings]` in milliseconds. The arrow is `-->`, or `-` and `-`/spaces before
/// `>` (`-- >`, `- >`); whatever follows the end time (WebVTT settings, SRT coordinates) is
/// ignored.
fn parse_timing(line: &str, n: usize) -> Result<(i64, i64), ReadError> {
    let t = line.trim();
    let (a, rest) = t.split_at(time_prefix(t));
    let rest = rest.trim_start();
    let arrow = rest.bytes().take_while(|&b| b == b'-' || b == b' ').count();
    let ok = arrow >= 2 && rest.as_bytes().get(arrow) == Some(&b'>');
    if !ok {
        return Err(bad(
            n,
            format!("expected `start --> end`, found {}", quote(t)),
        ));
    }
    let b = rest[arrow + 1..].split_whitespace().next().unwrap_or("");
    if b.is_empty() {
        return Err(bad(n, format!("no end time in {}", quote(t))));
    }
    let start = parse_time(a, n)?;
    let end = parse_time(b, n)?;
    if end < start {
        return Err(bad(
            n,
            format!(
                "the cue ends before it starts ({} --> {})",
                fmt_ms(start),
                fmt_ms(end)
            ),
        ));
    }
    Ok((start, end))
}

/// `H:MM:SS,mmm`, `MM:SS.mmm` (hours 1 to 3 digits; `,` or `.`) in milliseconds.
fn parse_time(s: &str, n: usize) -> Result<i64, ReadError> {
    let not_a_time = || bad(n, format!("time {} is not HH:MM:SS,mmm", quote(s)));
    let Some((hms, frac)) = s.rsplit_once([',', '.']) else {
        return Err(bad(n, format!("time {} lacks milliseconds", quote(s))));
    };
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(if frac.is_empty() {
            bad(n, format!("time {} lacks milliseconds", quote(s)))
        } else {
            not_a_time()
        });
    }
    match frac.len() {
        3 => {}
        1 | 2 => {
            return Err(bad(
                n,
                format!(
                    "ambiguous milliseconds {frac:?} in {}: write {frac:0<3} or {frac:0>3}",
                    quote(s)
                ),
            ));
        }
        _ => {
            return Err(bad(
                n,
                format!(
                    "time {} has {} digits after the seconds: milliseconds have 3",
                    quote(s),
                    frac.len()
                ),
            ));
        }
    }
    let num = |p: &str, most: usize| -> Result<i64, ReadError> {
        if p.is_empty() || p.len() > most || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_a_time());
        }
        p.parse::<i64>().map_err(|_| not_a_time())
    };
    let mut parts = hms.split(':');
    let (h, m, sec) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(m), Some(sec), None) => (num(h, 3)?, num(m, 2)?, num(sec, 2)?),
        (Some(m), Some(sec), None, None) => (0, num(m, 2)?, num(sec, 2)?),
        _ => return Err(not_a_time()),
    };
    if m >= 60 || sec >= 60 {
        return Err(bad(
            n,
            format!("time {} has minutes or seconds of 60 or more", quote(s)),
        ));
    }
    let ms = num(frac, 3)?;
    Ok(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Milliseconds as `HH:MM:SS,mmm`.
fn fmt_ms(ms: i64) -> String {
    format!(
        "{:02}:{:02}:{:02},{:03}",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

/// Whether a WebVTT line opens a block that holds no cue.
fn opens_vtt_block(line: &str) -> bool {
    ["NOTE", "STYLE", "REGION"].iter().any(|w| {
        line.strip_prefix(w)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    })
}

/// A cue being read: its timing, and its text so far.
struct Open {
    first_line: usize,
    timing_line: usize,
    start: i64,
    end: i64,
    text: String,
    voice: Option<String>,
    /// WebVTT: a blank line ended the cue's text.
    closed: bool,
}

impl Open {
    fn add(&mut self, line: &str, vtt: bool) {
        if self.closed {
            return;
        }
        let (clean, voice) = clean_line(line, vtt);
        if self.voice.is_none() {
            self.voice = voice;
        }
        let clean = clean.trim();
        if !clean.is_empty() {
            join_into(&mut self.text, clean);
        }
    }

    fn finish(self) -> Cue {
        let (speaker, text) = match self.voice {
            Some(v) => (Some(v), self.text),
            None => split_speaker(&self.text),
        };
        Cue {
            first_line: self.first_line,
            timing_line: self.timing_line,
            start: self.start,
            end: self.end,
            speaker,
            text,
        }
    }
}

/// The cues of SRT or WebVTT text, in one pass that holds back one line: the line before a
/// timing line is the cue's identifier when it is a number, or when it follows a blank line
/// (WebVTT: only then); otherwise it is text of the cue before.
fn parse_cues(text: &str, vtt: bool, notes: &mut Vec<String>) -> Result<Vec<Cue>, ReadError> {
    let mut cues = Vec::new();
    let mut open: Option<Open> = None;
    // A text line that may be the next cue's identifier: (line number, text, may it be one).
    let mut held: Option<(usize, &str, bool)> = None;
    let (mut stray, mut first_stray) = (0usize, 0usize);
    let mut last = Kind::Blank;
    // WebVTT: inside the header or a NOTE, STYLE or REGION block.
    let mut skipping = false;
    let mut count = 0;
    for (i, line) in split_lines(text).enumerate() {
        let n = i + 1;
        count = n;
        let kind = if line.trim().is_empty() {
            Kind::Blank
        } else if looks_like_timing(line) {
            Kind::Timing
        } else if vtt
            && (skipping
                || (n == 1 && line.starts_with("WEBVTT"))
                || (last == Kind::Blank && opens_vtt_block(line)))
        {
            Kind::Skipped
        } else {
            Kind::Text
        };
        skipping = kind == Kind::Skipped;
        // What the held line was, now that the next line is known.
        let mut first_line = n;
        if let Some((h, line, may_be_id)) = held.take() {
            if kind == Kind::Timing && may_be_id {
                first_line = h;
            } else if let Some(o) = open.as_mut() {
                o.add(line, vtt);
            } else {
                stray += 1;
                first_stray = if first_stray == 0 { h } else { first_stray };
            }
        }
        match kind {
            Kind::Timing => {
                let (start, end) = parse_timing(line, n)?;
                cues.extend(open.take().map(Open::finish));
                open = Some(Open {
                    first_line,
                    timing_line: n,
                    start,
                    end,
                    text: String::new(),
                    voice: None,
                    closed: false,
                });
            }
            Kind::Text => {
                let digits = line.trim().bytes().all(|b| b.is_ascii_digit());
                let may_be_id = matches!(last, Kind::Blank | Kind::Skipped) || (!vtt && digits);
                held = Some((n, line, may_be_id));
            }
            Kind::Blank if vtt => {
                if let Some(o) = open.as_mut() {
                    o.closed = true;
                }
            }
            Kind::Blank | Kind::Skipped => {}
        }
        last = kind;
    }
    if let Some((h, line, _)) = held {
        match open.as_mut() {
            Some(o) => o.add(line, vtt),
            None => {
                stray += 1;
                first_stray = if first_stray == 0 { h } else { first_stray };
            }
        }
    }
    cues.extend(open.map(Open::finish));
    if cues.is_empty() {
        let why = if text.trim().is_empty() {
            "no subtitle cues: the file is empty".to_string()
        } else {
            format!(
                "no subtitle cues: none of its {count} lines is a timing line like \
                 `00:00:01,000 --> 00:00:02,500`"
            )
        };
        return Err(bad(1, why));
    }
    if stray > 0 && !vtt {
        notes.push(format!(
            "{stray} line{} of text before the first cue (from line {first_stray}) ignored",
            if stray == 1 { "" } else { "s" }
        ));
    }
    Ok(cues)
}

/// Whether a character is written without spaces between words (Chinese, Japanese).
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FDF // radicals
        | 0x3000..=0x303F // CJK punctuation
        | 0x3040..=0x31FF // kana, bopomofo
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF // full-width forms
        | 0x20000..=0x3FFFF)
}

/// Append a line of a cue: after a space, unless both sides are CJK.
fn join_into(acc: &mut String, piece: &str) {
    if let (Some(a), Some(b)) = (acc.chars().next_back(), piece.chars().next())
        && !(is_cjk(a) && is_cjk(b))
    {
        acc.push(' ');
    }
    acc.push_str(piece);
}

/// The next `ch` at or after `from`, remembering the last search so that a line of many openers
/// without a closer is scanned once, not once per opener.
fn next_close(
    line: &str,
    from: usize,
    ch: char,
    memo: &mut Option<Option<usize>>,
) -> Option<usize> {
    match *memo {
        Some(None) => return None,
        Some(Some(p)) if p >= from => return Some(p),
        _ => {}
    }
    let found = line[from..].find(ch).map(|p| p + from);
    *memo = Some(found);
    found
}

/// The SRT tags stripped (HTML-like, as players render them).
const SRT_TAGS: [&str; 9] = ["font", "i", "b", "u", "s", "span", "em", "strong", "br"];

/// A line without its markup (SRT's `<font>`/`<i>`/…, ASS `{\…}` overrides; WebVTT's tags,
/// timestamps and entities), and the speaker of a WebVTT `<v Speaker>` span.
fn clean_line(line: &str, vtt: bool) -> (String, Option<String>) {
    if !line.contains(['<', '{', '&']) {
        return (line.to_string(), None);
    }
    let mut out = String::with_capacity(line.len());
    let mut voice = None;
    let (mut gt, mut brace) = (None, None);
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c == '<'
            && let Some(j) = next_close(line, i + 1, '>', &mut gt)
        {
            let inner = &line[i + 1..j];
            if let Some(replace) = tag_text(inner, vtt, &mut voice) {
                out.push_str(replace);
                i = j + 1;
                continue;
            }
        } else if c == '{'
            && rest.as_bytes().get(1) == Some(&b'\\')
            && let Some(j) = next_close(line, i + 1, '}', &mut brace)
        {
            i = j + 1;
            continue;
        } else if c == '&'
            && vtt
            && let Some((decoded, len)) = entity(rest)
        {
            out.push(decoded);
            i += len;
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    (out, voice)
}

/// What a tag (its text between `<` and `>`) becomes: `None` when it is no tag but text.
fn tag_text(inner: &str, vtt: bool, voice: &mut Option<String>) -> Option<&'static str> {
    let name_part = inner.strip_prefix('/').unwrap_or(inner);
    let name_len = name_part
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let name = &name_part[..name_len];
    if vtt {
        // Every WebVTT tag: a class (`c.x`), a voice, ruby, a timestamp (`00:00:01.000`).
        let first = inner.chars().next()?;
        if !(first.is_ascii_alphanumeric() || first == '/') {
            return None;
        }
        if !inner.starts_with('/') && name == "v" {
            let annotation = name_part[1..]
                .trim_start_matches(|c: char| !c.is_whitespace())
                .trim();
            if voice.is_none() && !annotation.is_empty() {
                *voice = Some(annotation.to_string());
            }
        }
        return Some("");
    }
    let after = name_part[name_len..].chars().next();
    let known = SRT_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name));
    if !known || !after.is_none_or(|c| c.is_whitespace() || c == '/') {
        return None;
    }
    Some(if name.eq_ignore_ascii_case("br") {
        " "
    } else {
        ""
    })
}

/// A WebVTT character reference at the start of `s`: the character and the length it takes.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        // A plain space: words on either side stay two words for every later step.
        "nbsp" => ' ',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        _ => {
            let num = name.strip_prefix('#')?;
            let v = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse::<u32>().ok()?,
            };
            char::from_u32(v).filter(|c| !is_bad_control(*c))?
        }
    };
    Some((c, end + 1))
}

/// Notes about single cues, up to [`MAX_CUE_NOTES`], then a count.
#[derive(Default)]
struct CueNotes {
    notes: Vec<String>,
    more: usize,
}

impl CueNotes {
    fn push(&mut self, note: String) {
        if self.notes.len() < MAX_CUE_NOTES {
            self.notes.push(note);
        } else {
            self.more += 1;
        }
    }
}

/// Cues to lines in record frames: the zero-length ones skipped, the start timecode subtracted
/// when the file counts from it, sorted (or refused, with [`Order::Strict`]).
fn place_cues(
    cues: Vec<Cue>,
    rate: Rate,
    start_frame: i64,
    order: Order,
    notes: &mut Vec<String>,
) -> Result<Vec<SubtitleLine>, ReadError> {
    let total = cues.len();
    let mut skipped = CueNotes::default();
    let mut kept: Vec<(usize, Cue)> = Vec::with_capacity(cues.len());
    for (n, cue) in cues.into_iter().enumerate() {
        if cue.end == cue.start {
            skipped.push(format!(
                "cue {} (line {}) has no duration and was skipped",
                n + 1,
                cue.timing_line
            ));
        } else {
            kept.push((n + 1, cue));
        }
    }

    // The start timecode, when every cue counts from it.
    let (num, den) = (i128::from(rate.num()), i128::from(rate.den()));
    let from_tc = |ms: i64| i128::from(ms) * num >= i128::from(start_frame) * 1000 * den;
    let mut shift = 0;
    if start_frame > 0
        && let Some((_, first)) = kept.first()
    {
        // A file that starts at or after the start timecode counts from it, and then no cue
        // may come before it; one that starts before counts from zero, and may run past the
        // start timecode's value (a transcript longer than an hour on a 01:00:00:00 timeline).
        let first_after = from_tc(first.start);
        if let Some((_, odd)) = kept.iter().find(|(_, c)| first_after && !from_tc(c.start)) {
            let (tc, tc_ms) = start_tc(start_frame, rate);
            let (before, after) = (odd, first);
            return Err(bad(
                odd.timing_line,
                format!(
                    "the cue at line {} starts at {}, before the timeline's start timecode {tc} \
                     ({tc_ms}), and the cue at line {} at {}, at or after it: the file mixes \
                     times from zero with times from the start timecode",
                    before.timing_line,
                    fmt_ms(before.start),
                    after.timing_line,
                    fmt_ms(after.start)
                ),
            ));
        }
        if first_after {
            shift = start_frame;
            let earliest = kept.iter().map(|(_, c)| c.start).min().unwrap_or(0);
            let (tc, tc_ms) = start_tc(start_frame, rate);
            notes.push(format!(
                "the cues count from the timeline's start timecode {tc} ({tc_ms} in the file; \
                 the first cue starts at {}): {tc_ms} subtracted from every cue",
                fmt_ms(earliest)
            ));
        }
    }

    let mut lines: Vec<(i64, SubtitleLine)> = Vec::with_capacity(kept.len());
    let mut prev_end: Option<i64> = None;
    let mut out_of_order = 0;
    let mut latest_start = i64::MIN;
    for (n, cue) in kept {
        let start = rate.millis_to_frames(cue.start) - shift;
        let end = rate.millis_to_frames(cue.end) - shift;
        if end <= start {
            skipped.push(format!(
                "cue {n} (line {}) is shorter than a frame at {rate} fps and was skipped",
                cue.timing_line
            ));
            continue;
        }
        if order == Order::Strict {
            if let Some(prev) = prev_end
                && start < prev
            {
                return Err(bad(
                    cue.first_line,
                    format!("this cue overlaps the previous one (which ends at frame {prev})"),
                ));
            }
            prev_end = Some(end);
        }
        if cue.start < latest_start {
            out_of_order += 1;
        }
        latest_start = latest_start.max(cue.start);
        lines.push((
            cue.start,
            SubtitleLine {
                range: FrameRange::from_bounds(start, end),
                speaker: cue.speaker,
                text: cue.text,
            },
        ));
    }
    if lines.is_empty() {
        return Err(bad(
            1,
            format!(
                "no subtitle cues: all {total} cue{} without duration",
                if total == 1 { " is" } else { "s are" }
            ),
        ));
    }
    notes.extend(skipped.notes);
    if skipped.more > 0 {
        notes.push(format!(
            "{} more cues without duration were skipped",
            skipped.more
        ));
    }
    if out_of_order > 0 {
        lines.sort_by_key(|(ms, _)| *ms);
        notes.push(format!(
            "{out_of_order} cue{} out of order and {} sorted by start time",
            if out_of_order == 1 { " was" } else { "s were" },
            if out_of_order == 1 { "was" } else { "were" },
        ));
    }
    let lines: Vec<SubtitleLine> = lines.into_iter().map(|(_, l)| l).collect();
    let overlaps = lines
        .windows(2)
        .filter(|w| w[0].range.end() > w[1].range.start)
        .count();
    if overlaps > 0 {
        notes.push(format!(
            "{overlaps} cue{} the next one; kept as {}",
            if overlaps == 1 {
                " overlaps"
            } else {
                "s overlap"
            },
            if overlaps == 1 { "it is" } else { "they are" },
        ));
    }
    Ok(lines)
}

/// The start timecode, and the time an SRT file gives it: (`01:00:00:00`, `01:00:00,000`).
fn start_tc(frames: i64, rate: Rate) -> (String, String) {
    let ms = i128::from(frames) * 1000 * i128::from(rate.den());
    let num = i128::from(rate.num());
    let ms = ((2 * ms + num) / (2 * num)) as i64;
    (protocol::timecode::format(frames, rate, false), fmt_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srt;
    use proptest::prelude::*;

    const R: Rate = Rate::FPS_25;

    fn read(text: &str) -> Transcript {
        read_bytes(text.as_bytes(), Some("t.srt"), R, 0).unwrap_or_else(|e| panic!("{e}"))
    }

    fn refused(bytes: &[u8], name: &str, start_frame: i64) -> String {
        match read_bytes(bytes, Some(name), R, start_frame) {
            Ok(t) => panic!("read, not refused: {:?}", t.lines),
            Err(e) => e.to_string(),
        }
    }

    fn texts(t: &Transcript) -> Vec<&str> {
        t.lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn has_note(t: &Transcript, words: &[&str]) {
        assert!(
            t.notes.iter().any(|n| words.iter().all(|w| n.contains(w))),
            "no note with {words:?} in {:?}",
            t.notes
        );
    }

    const CHINESE: &str = "1\n00:00:01,000 --> 00:00:02,000\n张伟：嗯，这个镜头不要了。\n\n\
                           2\n00:00:03,000 --> 00:00:04,500\n李秀英：好的。\n";

    fn check_chinese(t: &Transcript) {
        assert_eq!(t.lines.len(), 2, "{:?}", t.lines);
        assert_eq!(t.lines[0].speaker.as_deref(), Some("张伟"));
        assert_eq!(t.lines[0].text, "嗯，这个镜头不要了。");
        assert_eq!(t.lines[1].range, FrameRange::from_bounds(75, 113));
    }

    // ---- decoding

    #[test]
    fn gb18030_is_decoded_with_a_note() {
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(CHINESE);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        let t = read_bytes(&bytes, None, R, 0).unwrap();
        check_chinese(&t);
        has_note(&t, &["GB18030", "not UTF-8"]);
    }

    #[test]
    fn gbk_bytes_are_read_as_gb18030() {
        let (bytes, _, _) = encoding_rs::GBK.encode(CHINESE);
        let t = read_bytes(&bytes, None, R, 0).unwrap();
        check_chinese(&t);
    }

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for u in std::iter::once(0xFEFF)
            .filter(|_| bom)
            .chain(text.encode_utf16())
        {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    fn utf32(text: &str, le: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for c in std::iter::once('\u{feff}').chain(text.chars()) {
            let v = u32::from(c);
            out.extend(if le { v.to_le_bytes() } else { v.to_be_bytes() });
        }
        out
    }

    #[test]
    fn utf16_le_with_bom() {
        let t = read_bytes(&utf16(CHINESE, true, true), None, R, 0).unwrap();
        check_chinese(&t);
        has_note(&t, &["UTF-16 LE", "byte-order mark"]);
    }

    #[test]
    fn utf16_be_with_bom() {
        let t = read_bytes(&utf16(CHINESE, false, true), None, R, 0).unwrap();
        check_chinese(&t);
        has_note(&t, &["UTF-16 BE"]);
    }

    #[test]
    fn utf32_le_and_be_with_bom() {
        for (le, label) in [(true, "UTF-32 LE"), (false, "UTF-32 BE")] {
            let t = read_bytes(&utf32(CHINESE, le), None, R, 0).unwrap();
            check_chinese(&t);
            has_note(&t, &[label]);
        }
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_nul_bytes() {
        for (le, label) in [(true, "UTF-16 LE"), (false, "UTF-16 BE")] {
            let t = read_bytes(&utf16(CHINESE, le, false), None, R, 0).unwrap();
            check_chinese(&t);
            has_note(&t, &[label, "no byte-order mark"]);
        }
    }

    #[test]
    fn utf8_with_and_without_bom_needs_no_note() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend(CHINESE.as_bytes());
        for b in [&bytes[..], CHINESE.as_bytes()] {
            let t = read_bytes(b, None, R, 0).unwrap();
            check_chinese(&t);
            assert!(t.notes.is_empty(), "{:?}", t.notes);
        }
    }

    #[test]
    fn binary_bytes_are_refused_at_their_line() {
        let mut bytes = b"1\n00:00:01,000 --> 00:00:02,000\nhello\n".to_vec();
        bytes.extend([0x00, 0x01, 0x02, 0x03, 0xFF, 0x00]);
        let e = refused(&bytes, "t.srt", 0);
        assert!(e.starts_with("line 4 (byte 38): a NUL byte"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn invalid_gb18030_bytes_are_refused_at_their_line() {
        let mut bytes = encoding_rs::GB18030.encode(CHINESE).0.into_owned();
        let at = bytes.len();
        bytes.extend(b"\n3\n00:00:05,000 --> 00:00:06,000\n\x81\x20 x\n");
        let e = refused(&bytes, "t.srt", 0);
        assert!(e.starts_with(&format!("line 11 (byte {})", at + 33)), "{e}");
        assert!(e.contains("81") && e.contains("GB18030"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn damaged_utf8_is_refused_at_its_line() {
        let mut bytes = CHINESE.as_bytes().to_vec();
        bytes.extend(b"\n3\n00:00:05,000 --> 00:00:06,000\ncaf\xE9 au lait\n");
        let e = refused(&bytes, "t.srt", 0);
        assert!(e.starts_with("line 11 (byte"), "{e}");
        assert!(e.contains("0xE9 is not UTF-8"), "{e}");
    }

    #[test]
    fn unpaired_surrogate_in_utf16_is_refused_at_its_line() {
        let mut bytes = utf16("1\n00:00:01,000 --> 00:00:02,000\nab", true, true);
        bytes.extend([0x00, 0xD8, b'c', 0x00]);
        let e = refused(&bytes, "t.srt", 0);
        assert!(e.starts_with("line 3 (byte 70)"), "{e}");
        assert!(e.contains("surrogate"), "{e}");
    }

    // ---- format and SRT tolerance

    #[test]
    fn empty_file_and_file_without_cues_are_refused() {
        for bytes in [&b""[..], b"\n\n  \n", b"\xEF\xBB\xBF"] {
            let e = refused(bytes, "t.srt", 0);
            assert!(e.contains("no subtitle cues"), "{e}");
        }
        let e = refused(b"just some\ntext\n", "t.srt", 0);
        assert!(e.contains("no subtitle cues"), "{e}");
        let e = refused(b"WEBVTT\n\nNOTE nothing\n", "t.vtt", 0);
        assert!(e.contains("no subtitle cues"), "{e}");
    }

    #[test]
    fn crlf_and_cr_line_ends() {
        for end in ["\r\n", "\r"] {
            let t = read(&CHINESE.replace('\n', end));
            check_chinese(&t);
        }
    }

    #[test]
    fn missing_odd_and_repeated_cue_numbers() {
        let t = read(
            "00:00:01,000 --> 00:00:02,000\none\n\n\
             cue-a\n00:00:03,000 --> 00:00:04,000\ntwo\n\n\
             7\n00:00:05,000 --> 00:00:06,000\nthree\n\n\
             7\n00:00:07,000 --> 00:00:08,000\nfour\n\
             00:00:09,000 --> 00:00:10,000\nfive\n",
        );
        assert_eq!(texts(&t), ["one", "two", "three", "four", "five"]);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
    }

    #[test]
    fn extra_blank_lines_trailing_whitespace_and_no_final_newline() {
        let t = read(
            "\n\n1  \n00:00:01,000 --> 00:00:02,000   \nHello there.   \n\n\n\n\
             2\t\n00:00:03,000 --> 00:00:04,000\n  Bye.",
        );
        assert_eq!(texts(&t), ["Hello there.", "Bye."]);
        assert_eq!(t.lines[1].range, FrameRange::from_bounds(75, 100));
    }

    #[test]
    fn a_text_line_of_digits_only_stays_text() {
        let t = read(
            "1\n00:00:01,000 --> 00:00:02,000\nWe opened in\n1983\n\n\
             2\n00:00:03,000 --> 00:00:04,000\n42\n",
        );
        assert_eq!(texts(&t), ["We opened in 1983", "42"]);
    }

    #[test]
    fn arrow_spacing_coordinates_and_dots() {
        let t = read(
            "1\n00:00:01,000-->00:00:02,000\na\n\n\
             2\n00:00:03,000   -->   00:00:04,000 X1:100 X2:600 Y1:10 Y2:50\nb\n\n\
             3\n00:00:05.000 --> 00:00:06.200\nc\n\n\
             4\n00:00:07,000 -- > 00:00:08,000\nd\n",
        );
        assert_eq!(texts(&t), ["a", "b", "c", "d"]);
        assert_eq!(t.lines[1].range, FrameRange::from_bounds(75, 100));
        assert_eq!(t.lines[2].range, FrameRange::from_bounds(125, 155));
    }

    #[test]
    fn text_before_the_first_cue_is_ignored_with_a_note() {
        let t = read("Subtitles by someone\n\n1\n00:00:01,000 --> 00:00:02,000\na\n");
        assert_eq!(texts(&t), ["a"]);
        has_note(&t, &["1 line", "line 1", "ignored"]);
    }

    #[test]
    fn font_and_italic_tags_around_a_filler_are_stripped() {
        let t = read(
            "1\n00:00:01,000 --> 00:00:02,000\n<font color=\"#ffff00\">BOB: <i>um</i>, I <b>think</b></font> so\n\n\
             2\n00:00:03,000 --> 00:00:04,000\n<I>呃</I>，<u>那个</u>\n\n\
             3\n00:00:05,000 --> 00:00:06,000\na < b and <laughs>\n",
        );
        assert_eq!(t.lines[0].speaker.as_deref(), Some("BOB"));
        assert_eq!(
            texts(&t),
            ["um, I think so", "呃，那个", "a < b and <laughs>"]
        );
    }

    #[test]
    fn ass_override_tags_are_stripped() {
        let t = read(
            "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}{\\i1}uh{\\i0} hello\n\n\
             2\n00:00:03,000 --> 00:00:04,000\n{not a tag} {\\an8\n",
        );
        assert_eq!(texts(&t), ["uh hello", "{not a tag} {\\an8"]);
    }

    #[test]
    fn multi_line_chinese_is_joined_without_a_space() {
        let t = read(
            "1\n00:00:01,000 --> 00:00:02,000\n李秀英：我在这条街上\n住了四十年了。\nOK then\n",
        );
        assert_eq!(t.lines[0].speaker.as_deref(), Some("李秀英"));
        assert_eq!(t.lines[0].text, "我在这条街上住了四十年了。 OK then");
    }

    #[test]
    fn multi_line_english_is_joined_with_a_space() {
        let t = read("1\n00:00:01,000 --> 00:00:02,000\nBOB: So I,\nuh, came here\n");
        assert_eq!(t.lines[0].speaker.as_deref(), Some("BOB"));
        assert_eq!(t.lines[0].text, "So I, uh, came here");
    }

    // ---- times

    #[test]
    fn ambiguous_milliseconds_are_refused_at_their_line() {
        let e = refused(
            b"1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:03,000 --> 00:00:01,5\nb\n",
            "t.srt",
            0,
        );
        assert!(e.starts_with("line 6: ambiguous milliseconds \"5\""), "{e}");
        assert!(e.contains("write 500 or 005"), "{e}");
        let e = refused(b"1\n00:00:01,50 --> 00:00:02,000\na\n", "t.srt", 0);
        assert!(e.contains("write 500 or 050"), "{e}");
        let e = refused(b"1\n00:00:01,5000 --> 00:00:02,000\na\n", "t.srt", 0);
        assert!(e.starts_with("line 2") && e.contains("4 digits"), "{e}");
    }

    #[test]
    fn minutes_or_seconds_of_sixty_are_refused() {
        for bad in [
            "00:60:00,000",
            "00:00:60,000",
            "1:2:3:4,000",
            "0x:00:01,000",
        ] {
            let text = format!("1\n{bad} --> 99:00:00,000\na\n");
            let e = refused(text.as_bytes(), "t.srt", 0);
            assert!(e.starts_with("line 2:"), "{bad}: {e}");
        }
        // Hours up to three digits.
        let t = read("1\n100:00:00,000 --> 100:00:01,000\na\n");
        assert_eq!(t.lines[0].range.start, 100 * 3600 * 25);
    }

    #[test]
    fn zero_length_cue_is_skipped_with_a_note() {
        let t = read(
            "1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:03,000 --> 00:00:03,000\nb\n\n\
             3\n00:00:04,000 --> 00:00:04,010\nc\n",
        );
        assert_eq!(texts(&t), ["a"]);
        has_note(&t, &["cue 2 (line 6) has no duration and was skipped"]);
        has_note(&t, &["cue 3 (line 10)", "shorter than a frame"]);
        let e = refused(b"1\n00:00:03,000 --> 00:00:03,000\nb\n", "t.srt", 0);
        assert!(
            e.contains("no subtitle cues") && e.contains("without duration"),
            "{e}"
        );
    }

    #[test]
    fn end_before_start_is_refused_at_its_line() {
        let e = refused(
            b"1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:05,000 --> 00:00:04,000\nb\n",
            "t.srt",
            0,
        );
        assert!(
            e.starts_with("line 6: the cue ends before it starts"),
            "{e}"
        );
    }

    // ---- order

    #[test]
    fn out_of_order_cues_are_sorted_with_a_note() {
        let t = read(
            "1\n00:00:05,000 --> 00:00:06,000\nthird\n\n2\n00:00:01,000 --> 00:00:02,000\nfirst\n\n\
             3\n00:00:03,000 --> 00:00:04,000\nsecond\n\n4\n00:00:07,000 --> 00:00:08,000\nfourth\n",
        );
        assert_eq!(texts(&t), ["first", "second", "third", "fourth"]);
        has_note(&t, &["2 cues were out of order and were sorted"]);
    }

    #[test]
    fn overlapping_cues_are_kept_with_a_note() {
        let t = read(
            "1\n00:00:01,000 --> 00:00:03,000\nBOB: one\n\n2\n00:00:02,500 --> 00:00:04,000\nAMY: two\n\n\
             3\n00:00:05,000 --> 00:00:06,000\nthree\n",
        );
        assert_eq!(texts(&t), ["one", "two", "three"]);
        assert_eq!(t.lines[0].range, FrameRange::from_bounds(25, 75));
        assert_eq!(t.lines[1].range, FrameRange::from_bounds(63, 100));
        has_note(&t, &["1 cue overlaps the next one; kept as it is"]);
        // The strict reader of srt::read_str refuses them.
        let e = srt::read_str(
            "1\n00:00:01,000 --> 00:00:03,000\na\n\n2\n00:00:02,500 --> 00:00:04,000\nb\n",
            R,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("line 5: this cue overlaps"), "{e}");
    }

    // ---- the start timecode

    const RESOLVE: &str = "1\n01:00:00,000 --> 01:00:01,000\nfirst\n\n\
                           2\n01:00:02,000 --> 01:00:03,500\nsecond\n";

    #[test]
    fn resolve_srt_from_the_start_timecode_is_shifted() {
        let t = read_bytes(RESOLVE.as_bytes(), None, R, 90_000).unwrap();
        assert_eq!(t.lines[0].range, FrameRange::from_bounds(0, 25));
        assert_eq!(t.lines[1].range, FrameRange::from_bounds(50, 88));
        has_note(
            &t,
            &[
                "start timecode 01:00:00:00 (01:00:00,000 in the file",
                "first cue starts at 01:00:00,000",
                "subtracted",
            ],
        );
    }

    #[test]
    fn start_timecode_at_29_97_is_shifted_in_frames() {
        // 01:00:00:00 non-drop at 29.97 is frame 108000, 01:00:03,604 of real time.
        let srt = "1\n01:00:03,604 --> 01:00:04,605\nfirst\n";
        let t = read_bytes(srt.as_bytes(), None, Rate::FPS_29_97, 108_000).unwrap();
        assert_eq!(t.lines[0].range, FrameRange::from_bounds(0, 30));
    }

    #[test]
    fn cues_from_zero_are_kept_when_the_timeline_starts_later() {
        let t = read_bytes(CHINESE.as_bytes(), None, R, 90_000).unwrap();
        check_chinese(&t);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
    }

    #[test]
    fn a_transcript_from_zero_may_run_past_the_start_timecode_value() {
        // 90 minutes of cues from 00:00:00 on a timeline that starts at 01:00:00:00.
        let srt =
            "1\n00:00:01,000 --> 00:00:02,000\nfirst\n\n2\n01:20:00,000 --> 01:20:01,000\nlate\n";
        let t = read_bytes(srt.as_bytes(), None, R, 90_000).unwrap();
        assert_eq!(t.lines.len(), 2);
        assert_eq!(t.lines[1].range.start, 80 * 60 * 25);
    }

    #[test]
    fn cues_before_and_after_the_start_timecode_are_refused() {
        let srt = format!("{RESOLVE}\n3\n00:00:05,000 --> 00:00:06,000\nstray\n");
        let e = refused(srt.as_bytes(), "t.srt", 90_000);
        assert!(e.starts_with("line 10:"), "{e}");
        assert!(
            e.contains("mixes times") && e.contains("01:00:00:00"),
            "{e}"
        );
        // Without a start timecode there is nothing to mix.
        let t = read_bytes(srt.as_bytes(), None, R, 0).unwrap();
        assert_eq!(t.lines.len(), 3);
    }

    // ---- WebVTT

    const VTT: &str = "WEBVTT - interview\nKind: captions\nLanguage: en\n\n\
        NOTE written by hand\nover two lines\n\n\
        STYLE\n::cue { color: yellow }\n\n\
        REGION\nid:fred width:40%\n\n\
        intro\n00:01.000 --> 00:02.500 align:start position:10%\n<v Bob>Hello <c.loud>there</c></v>\n\n\
        00:00:03.000 --> 00:00:04.000\n<v.first.loud Amy Lee><i>um</i>, rock &amp; roll &lt;3&nbsp;ok</v>\n\n\
        NOTE\ncomment\n\n\
        3\n01:00:05.000 --> 01:00:06.000 line:0\nJOE: <00:00:05.500>karaoke <ruby>漢<rt>kan</rt></ruby>\n";

    #[test]
    fn webvtt_blocks_identifiers_settings_voices_and_tags() {
        let t = read_bytes(VTT.as_bytes(), None, R, 0).unwrap();
        assert_eq!(t.lines.len(), 3, "{:?}", t.lines);
        assert_eq!(t.lines[0].range, FrameRange::from_bounds(25, 63));
        assert_eq!(t.lines[0].speaker.as_deref(), Some("Bob"));
        assert_eq!(t.lines[0].text, "Hello there");
        assert_eq!(t.lines[1].speaker.as_deref(), Some("Amy Lee"));
        assert_eq!(t.lines[1].text, "um, rock & roll <3 ok");
        assert_eq!(t.lines[2].speaker.as_deref(), Some("JOE"));
        assert_eq!(t.lines[2].text, "karaoke 漢kan");
        assert_eq!(t.lines[2].range.start, 3605 * 25);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
    }

    #[test]
    fn webvtt_short_times_and_a_bom() {
        let vtt = "\u{feff}WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n59:59.000 --> 60:00.000\nb\n";
        let e = read_bytes(vtt.as_bytes(), None, R, 0)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 6:"), "{e}");
        let vtt = "\u{feff}WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n59:59.000 --> 1:00:00.000\nb\n";
        let t = read_bytes(vtt.as_bytes(), None, R, 0).unwrap();
        assert_eq!(
            t.lines[1].range,
            FrameRange::from_bounds(3599 * 25, 3600 * 25)
        );
    }

    #[test]
    fn webvtt_by_name_and_text_after_a_blank_line_is_not_the_cue() {
        let vtt = "00:01.000 --> 00:02.000\n&lrm;a\n\nstray words\n\n00:03.000 --> 00:04.000\nb\n";
        let t = read_bytes(vtt.as_bytes(), Some("Clip.VTT"), R, 0).unwrap();
        assert_eq!(texts(&t), ["\u{200e}a", "b"]);
        has_note(&t, &["no WEBVTT header", ".vtt"]);
    }

    // ---- limits and speed

    #[test]
    fn hostile_markup_reads_in_linear_time() {
        let mut text = String::from("1\n00:00:01,000 --> 00:00:02,000\n");
        text.push_str(&"<i{\\&".repeat(400_000));
        text.push('\n');
        let started = std::time::Instant::now();
        let t = read(&text);
        assert!(t.lines[0].text.len() > 1_000_000);
        let mut vtt = String::from("WEBVTT\n\n00:01.000 --> 00:02.000\n");
        vtt.push_str(&"<<v &amp".repeat(250_000));
        let t = read_bytes(vtt.as_bytes(), None, R, 0).unwrap();
        assert!(!t.lines[0].text.is_empty());
        let blank = format!(
            "1\n00:00:01,000 --> 00:00:02,000\na{}",
            "\r\n".repeat(2_000_000)
        );
        assert_eq!(read(&blank).lines.len(), 1);
        let long = "9:".repeat(1_000_000) + " --> 1";
        let e = refused(long.as_bytes(), "t.srt", 0);
        assert!(e.len() < 300, "{e}");
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }

    #[test]
    fn too_large_files_are_refused() {
        let e = refused(&vec![b'\n'; MAX_BYTES + 1], "t.srt", 0);
        assert!(e.contains("too large"), "{e}");
    }

    fn many_cues(n: usize) -> String {
        let lines: Vec<SubtitleLine> = (0..n as i64)
            .map(|i| SubtitleLine {
                range: FrameRange::new(i * 50 + 3, 40),
                speaker: (i % 3 == 0).then(|| "张伟".to_string()),
                text: format!("<i>line</i> number {i}, 嗯 well"),
            })
            .collect();
        srt::write_string(&lines, R)
    }

    #[test]
    fn twenty_thousand_cues_read_quickly() {
        let text = many_cues(20_000);
        let started = std::time::Instant::now();
        let t = read(&text);
        let took = started.elapsed();
        assert_eq!(t.lines.len(), 20_000);
        assert_eq!(t.lines[19_999].text, "line number 19999, 嗯 well");
        // Unoptimised test builds are ten times slower than release (well under 0.1 s there).
        assert!(took.as_secs_f64() < 2.0, "{took:?}");
    }

    // ---- properties

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..400),
            vtt in any::<bool>(),
            start in prop_oneof![Just(0i64), Just(90_000i64), 0i64..200_000],
        ) {
            let name = if vtt { "x.vtt" } else { "x.srt" };
            match read_bytes(&bytes, Some(name), R, start) {
                Ok(t) => prop_assert!(!t.lines.is_empty()),
                Err(e) => {
                    let e = e.to_string();
                    prop_assert!(!e.is_empty() && !e.contains('\n'), "{}", e);
                }
            }
        }

        #[test]
        fn srt_like_text_never_panics(
            pieces in proptest::collection::vec(prop_oneof![
                Just("1\n".to_string()), Just("\n".to_string()), Just("\r".to_string()),
                Just("00:00:01,000 --> 00:00:02,000\n".to_string()),
                Just("01:00:00.000 --> 01:00:00,001 X1:3\n".to_string()),
                Just("WEBVTT\n".to_string()), Just("NOTE x\n".to_string()),
                Just("<v Bob>".to_string()), Just("<i>".to_string()), Just("{\\an8}".to_string()),
                Just("&amp;".to_string()), Just("张伟：".to_string()), "[a-z0-9:,.<>&; -]{0,12}",
            ], 0..30),
            start in prop_oneof![Just(0i64), Just(90_000i64)],
        ) {
            let text = pieces.concat();
            let _ = read_bytes(text.as_bytes(), None, R, start);
            let _ = read_bytes(text.as_bytes(), Some("a.vtt"), R, start);
            let _ = srt::read_str(&text, R);
        }

        #[test]
        fn written_lines_read_back_the_same(
            cues in proptest::collection::vec((
                0i64..400_000,
                1i64..500,
                prop_oneof![Just(None), Just(Some("BOB")), Just(Some("张伟")), Just(Some("Speaker 2"))],
                proptest::collection::vec(
                    prop_oneof!["[a-zA-Z]{1,8}", Just("嗯".to_string()), Just("这条街".to_string()), Just("uh,".to_string())],
                    1..6,
                ),
            ), 1..20),
            rate in prop_oneof![Just(Rate::FPS_25), Just(Rate::FPS_29_97), Just(Rate::FPS_23_976), Just(Rate::FPS_60)],
        ) {
            let mut lines: Vec<SubtitleLine> = cues
                .into_iter()
                .map(|(start, duration, speaker, words)| SubtitleLine {
                    range: FrameRange::new(start, duration),
                    speaker: speaker.map(str::to_string),
                    text: words.join(" "),
                })
                .collect();
            lines.sort_by_key(|l| l.range.start);
            let written = srt::write_string(&lines, rate);
            let t = read_bytes(written.as_bytes(), Some("x.srt"), rate, 0).unwrap();
            prop_assert_eq!(&t.lines, &lines);
        }
    }
}
