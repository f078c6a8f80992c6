//! Reading CMX3600 edit decision lists into the timeline model: what Premiere, Resolve, Avid,
//! OpenTimelineIO's `cmx_3600` adapter and our own writer ([`super::edl`]) produce.
//!
//! The frame rate is not in the file; the caller gives it. What is read, and how:
//!
//! - `TITLE:` names the timeline. `FCM: DROP FRAME` / `NON-DROP FRAME` sets the timecode mode:
//!   the one in effect at the first event is the record's (and the timeline's `drop_frame`); an FCM
//!   line between events changes the mode of the *source* timecodes after it (a record master has
//!   one frame code mode, sources differ). A timecode written with `;` is drop-frame whatever the
//!   FCM says; `FCM: DROP FRAME` at a rate without drop-frame is noted and read as non-drop.
//!   Timecodes wrap at midnight: a record time more than 12 hours before the first event's is the
//!   next day, and an out point just after midnight follows its in point. CMX's field-1 marks are
//!   read as their frames (`.` non-drop, `,` drop-frame). Plain frame counts are accepted where
//!   timecodes go (as OpenTimelineIO's adapter does).
//! - Events `NNN  REEL  CHANNEL  EDIT  srcIn srcOut recIn recOut`. Channels: `V` → V1, `A` → A1,
//!   `A2`…`A4`, `AA` → A1 + A2, `B` → V1 + A1, and combinations with `/` (`AA/V`, `A3/A4`); `AUD 3 4`
//!   lines add A3/A4 to their event. Each channel of an event becomes a clip on its track, and the
//!   clips of one event number and reel that overlap in record time share a `link` (`edl-001`).
//!   Audio channels beyond A4 (not CMX3600) are read onto their own tracks, with a note.
//! - The timeline's `start_frame` is the earliest record in; record time between events on a
//!   track is a [`Gap`]. Events that overlap in record time on one track are recorded as a tape
//!   machine would: the later event wins and the earlier one is trimmed or split around it (with
//!   a note, unless the overlap is the outgoing clip running into a dissolve).
//! - A dissolve is the two-line form: a cut on the outgoing reel (zero-length, or a real clip when
//!   it has record time) then `D nnn` on the incoming reel, both with one event number. It becomes
//!   a [`Transition`] (`SMPTE_Dissolve`) before the incoming clip with `in_offset` 0 and
//!   `out_offset` nnn: the dissolve starts at the incoming event's record in, exactly as
//!   OpenTimelineIO's adapter reads it (CMX3600 has no cut point inside a dissolve). A dissolve
//!   from black (`BL`) after a gap sits after the gap; at the very start of a track there is
//!   nothing to dissolve from, so it is read as a cut (noted).
//! - Wipes (`W001 030`) become a transition of kind `SMPTE_Wipe` (the adapter's name) with the wipe
//!   code in its metadata, and a note: only the OTIO writer keeps that kind; the others render
//!   every transition as a dissolve.
//! - Keys: the background line (`KB`, `K B`) is read as a cut; the keyed foreground (`K`, `KO`) is
//!   skipped with a note (the model has no keyed layers).
//! - `M2   REEL   048.0   srcIn`: speed = |fps| / rate, so the clip shows `speed × record
//!   duration` media frames from the source in (the source out is not used: writers disagree on
//!   it). The M2 line is matched to its event line by reel, then clip name, then source in.
//!   Reverse motion (negative fps) cannot be held by the model: it is read forward at the same
//!   magnitude, starting at the lower source timecode, with `cmx_3600.reverse` in the clip's
//!   metadata and a note. A freeze frame (`M2 … 000.0`, or `* * FREEZE FRAME`) is read at normal
//!   speed with an OTIO `FreezeFrame` effect on the clip (the OTIO writer keeps it), with a note.
//!   Without M2, a source duration that differs from the record duration is noted and the record
//!   duration is kept.
//! - Comments: `* FROM CLIP NAME:` / `* TO CLIP NAME:` name the clips; `* FROM CLIP:`,
//!   `* FROM FILE:`, `* OTIO REFERENCE FROM:` (and their `TO` forms) give the media path, kept as
//!   written; `* SOURCE FILE:` the media file name. In a dissolve event the `FROM` comments belong
//!   to the outgoing clip and the `TO` ones to the incoming. `* LOC: tc COLOR text` is a marker in
//!   the clip's *source* time (the adapter's convention, and our writer's); a locator outside the
//!   clip's source range but inside its record range is taken as record time and moved into the
//!   source. `* ASC_SOP` / `* ASC_SAT` become `metadata.cdl` as the adapter writes it. Every other
//!   comment line is kept, without its `*`, in `metadata.cmx_3600.comments` (the reel in
//!   `metadata.cmx_3600.reel`, except the auxiliary `AX`).
//! - Reels `BL`, `BLK`, `BLACK` and `BARS` are generators (`GeneratorReference`, `black` /
//!   `SMPTEBars`), never media.
//! - `SPLIT:` (a split edit's delay) is noted: the event lines are read at the record times they
//!   give, without the delay.
//! - A clip is named by its `CLIP NAME` comment, else its media file's stem, else its reel (not
//!   `AX`), else `event 007`; `metadata.cmx_3600.event` keeps its event number. A locator whose
//!   first word is not a color is RED, the word kept in its name. Also noted: a dissolve from
//!   black straight after a clip (read as from that clip), a transition longer than its incoming
//!   clip (shortened), an event without record time (skipped).
//!
//! Errors name the line: a malformed event line, a timecode out of range for the rate, a source
//! out before its source in, an EDL without events. Nothing panics, whatever the input.

use std::collections::HashMap;
use std::sync::LazyLock;

use protocol::{
    Clip, DISSOLVE, FrameRange, Gap, Item, Marker, Media, MediaKind, Rate, Timeline, Track,
    TrackKind, Transition, timecode,
};
use regex::Regex;
use serde_json::{Map, Value, json};

use super::{MAX_FRAMES, ReadError, Reading, SPEEDS, media_url, num};

/// Reels that are black, not media.
const BLACK_REELS: [&str; 3] = ["BL", "BLK", "BLACK"];
/// The OTIO marker colors; a locator's first word is its color when it is one of these.
const COLORS: [&str; 11] = [
    "RED", "GREEN", "BLUE", "YELLOW", "CYAN", "MAGENTA", "ORANGE", "PINK", "PURPLE", "WHITE",
    "BLACK",
];
/// The largest frame count a field may hold: a quarter of [`MAX_FRAMES`], so that sums of a few
/// stay within the model's bounds.
const LARGEST: i64 = MAX_FRAMES / 4;

/// A frame number brought within the model's bounds.
fn bounded(frame: i64) -> i64 {
    frame.clamp(-MAX_FRAMES, MAX_FRAMES)
}

/// The kind OpenTimelineIO gives a wipe.
const WIPE: &str = "SMPTE_Wipe";

fn invalid(line: usize, why: impl Into<String>) -> ReadError {
    ReadError::Invalid {
        place: format!("line {line}"),
        why: why.into(),
    }
}

/// A track: video or audio, numbered from 1. Video sorts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Chan {
    audio: bool,
    n: u32,
}

impl Chan {
    const V1: Chan = Chan { audio: false, n: 1 };
    const A1: Chan = Chan { audio: true, n: 1 };
    const A2: Chan = Chan { audio: true, n: 2 };

    fn name(self) -> String {
        format!("{}{}", if self.audio { "A" } else { "V" }, self.n)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Edit {
    Cut,
    Dissolve(i64),
    /// The wipe code as written (`W001`) and its length.
    Wipe(String, i64),
    KeyBackground,
    /// A keyed foreground, as written (`K`, `KO`, `K 015`).
    Key(String),
}

#[derive(Clone, Debug)]
struct EventLine {
    no: usize,
    reel: String,
    chans: Vec<Chan>,
    edit: Edit,
    src_in: i64,
    src_out: i64,
    rec_in: i64,
    rec_out: i64,
    /// Whether this line's source timecodes are drop-frame (for its locators and M2 lines).
    drop: bool,
    /// Whether its record timecodes are.
    record_drop: bool,
}

impl EventLine {
    fn record_frames(&self) -> i64 {
        self.rec_out - self.rec_in
    }
}

#[derive(Debug)]
struct Event {
    number: u64,
    lines: Vec<EventLine>,
    comments: Vec<(usize, String)>,
}

/// An `M2` line.
#[derive(Clone, Debug)]
struct Motion {
    no: usize,
    name: String,
    fps: f64,
    tc: Option<i64>,
}

/// The comments of one event, sorted by what they say.
#[derive(Debug, Default)]
struct Comments {
    from_name: Option<String>,
    to_name: Option<String>,
    from_media: Option<String>,
    to_media: Option<String>,
    source_file: Option<String>,
    locators: Vec<(usize, String)>,
    asc_sop: Option<(usize, String)>,
    asc_sat: Option<(usize, String)>,
    motions: Vec<Motion>,
    freeze: Option<usize>,
    aud: Vec<Chan>,
    other: Vec<String>,
}

/// A transition into a clip, as the event gave it.
#[derive(Clone, Debug)]
struct Entry {
    kind: &'static str,
    code: String,
    frames: i64,
    from_black: bool,
    no: usize,
}

/// One clip on one track over a record range (absolute record frames).
#[derive(Clone, Debug)]
struct Placed {
    chan: Chan,
    no: usize,
    number: u64,
    reel: String,
    rec_in: i64,
    rec_out: i64,
    clip: Clip,
    into: Option<Entry>,
}

impl Placed {
    /// The media frame shown `x` record frames into the clip.
    fn media_at(&self, x: i64) -> i64 {
        bounded(
            self.clip
                .source
                .start
                .saturating_add((x as f64 * self.clip.speed).round() as i64),
        )
    }

    /// The part before record frame `at`.
    fn head(&self, at: i64) -> Placed {
        let mut p = self.clone();
        let split = self.media_at(at - self.rec_in);
        p.rec_out = at;
        p.clip.source.duration = at - self.rec_in;
        p.clip.markers.retain(|m| m.range.start < split);
        p
    }

    /// The part from record frame `at` on.
    fn tail(&self, at: i64) -> Placed {
        let mut p = self.clone();
        let split = self.media_at(at - self.rec_in);
        p.rec_in = at;
        p.clip.source = FrameRange::new(split, self.rec_out - at);
        p.clip.markers.retain(|m| m.range.start >= split);
        p.into = None;
        p
    }
}

/// How fast a line's clip plays, from its comments.
#[derive(Clone, Copy, Debug)]
enum Pace {
    Normal,
    Motion { fps: f64, no: usize },
    Freeze(usize),
}

/// Frames in 24 hours of timecode.
fn day(rate: Rate, drop: bool) -> i64 {
    let base = i64::from(rate.timecode_base());
    if drop && rate.supports_drop_frame() {
        (base * 600 - base / 15 * 9) * 144
    } else {
        base * 86_400
    }
}

fn is_black(reel: &str) -> bool {
    BLACK_REELS.iter().any(|b| b.eq_ignore_ascii_case(reel))
}

fn is_generator(reel: &str) -> bool {
    is_black(reel) || reel.eq_ignore_ascii_case("BARS")
}

fn frames_field(text: &str, what: &str, no: usize) -> Result<i64, ReadError> {
    if text.is_empty() || text.len() > 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            no,
            format!("{what} {text:?} is not a whole number of frames"),
        ));
    }
    match text.parse::<i64>() {
        Ok(n) if n <= LARGEST => Ok(n),
        _ => Err(invalid(no, format!("{what} {text} is out of range"))),
    }
}

fn parse_channel(token: &str, no: usize) -> Result<Vec<Chan>, ReadError> {
    let up = token.to_ascii_uppercase();
    let mut out: Vec<Chan> = Vec::new();
    let bad = || {
        invalid(
            no,
            format!("unknown channel {token:?} (expected V, A, A2, A3, A4, AA, B, AA/V …)"),
        )
    };
    for part in up.split('/') {
        let add: Vec<Chan> = match part {
            "V" => vec![Chan::V1],
            "A" => vec![Chan::A1],
            "AA" => vec![Chan::A1, Chan::A2],
            "B" => vec![Chan::V1, Chan::A1],
            "NONE" => vec![],
            _ => {
                let (audio, digits) = match part.split_at_checked(1) {
                    Some(("V", d)) => (false, d),
                    Some(("A", d)) => (true, d),
                    _ => return Err(bad()),
                };
                if digits.is_empty()
                    || digits.len() > 2
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(bad());
                }
                match digits.parse::<u32>() {
                    Ok(n) if n >= 1 => vec![Chan { audio, n }],
                    _ => return Err(bad()),
                }
            }
        };
        for c in add {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

fn parse_edit(tokens: &[&str], no: usize) -> Result<Edit, ReadError> {
    let up: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
    let words: Vec<&str> = up.iter().map(String::as_str).collect();
    let length = |t: &str| frames_field(t, "the transition length", no);
    let digits_after = |t: &str, c: char| {
        t.strip_prefix(c)
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
    };
    match words.as_slice() {
        ["C"] => Ok(Edit::Cut),
        ["D", n] => Ok(Edit::Dissolve(length(n)?)),
        ["D"] => Err(invalid(no, "a dissolve (D) needs its length in frames")),
        [w] if digits_after(w, 'D').is_some() => {
            Ok(Edit::Dissolve(length(w.get(1..).unwrap_or_default())?))
        }
        [w, n] if digits_after(w, 'W').is_some() => Ok(Edit::Wipe((*w).to_string(), length(n)?)),
        [w] if digits_after(w, 'W').is_some() => Err(invalid(
            no,
            format!("a wipe ({w}) needs its length in frames"),
        )),
        ["KB", ..] | ["K", "B", ..] => Ok(Edit::KeyBackground),
        [k, ..] if *k == "K" || *k == "KO" => Ok(Edit::Key(words.join(" "))),
        [] => Err(invalid(
            no,
            "the event line has no edit type (C, D, Wnnn, K)",
        )),
        _ => Err(invalid(
            no,
            format!(
                "unknown edit type {:?} (expected C, D nnn, Wnnn nnn, K, KB or KO)",
                tokens.join(" ")
            ),
        )),
    }
}

/// A label at the start of a comment body (case-insensitive), then an optional colon: the rest.
fn after_label<'a>(body: &'a str, label: &str) -> Option<&'a str> {
    let head = body.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) {
        return None;
    }
    let rest = body.get(label.len()..)?;
    // "FROM CLIP" must not take "FROM CLIPS…": the label ends at a colon, a space or the end.
    if !(rest.is_empty() || rest.starts_with(':') || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some(rest.trim_start().trim_start_matches(':').trim())
}

static ASC_SOP: LazyLock<Regex> = LazyLock::new(|| {
    let n = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)";
    let triple = format!(r"\(\s*{n}\s*,?\s*{n}\s*,?\s*{n}\s*,?\s*\)");
    Regex::new(&format!(r"^{triple}\s*{triple}\s*{triple}")).expect("a valid pattern")
});

struct Reader {
    rate: Rate,
    /// The FCM in effect: drop-frame or not. It applies to source timecodes.
    drop: bool,
    /// The FCM of the record timecodes: the one in effect at the first event (a record master
    /// has one frame code mode; later FCM lines describe the sources).
    record_drop: Option<bool>,
    /// The first event's record in, which record times are unwrapped around.
    first_rec: Option<i64>,
    notes: Vec<String>,
}

impl Reader {
    fn note(&mut self, no: usize, what: impl AsRef<str>) {
        self.notes.push(format!("line {no}: {}", what.as_ref()));
    }

    fn fcm(&mut self, line: &str, no: usize) {
        let body = line.get(3..).unwrap_or_default().trim_start_matches(':');
        let up = body.trim().to_ascii_uppercase();
        let drop = if up.contains("NON") || up.contains("NDF") {
            false
        } else if up.contains("DROP") || up == "DF" {
            true
        } else {
            self.note(
                no,
                format!("FCM {:?} is not understood; ignored", body.trim()),
            );
            return;
        };
        if drop && !self.rate.supports_drop_frame() {
            self.note(
                no,
                format!(
                    "FCM: DROP FRAME, but drop-frame timecode does not exist at {} fps: read as non-drop",
                    self.rate
                ),
            );
            self.drop = false;
        } else {
            self.drop = drop;
        }
    }

    /// A timecode (or a plain frame count) of a line, and whether it is drop-frame.
    fn tc(&self, token: &str, what: &str, no: usize, drop: bool) -> Result<(i64, bool), ReadError> {
        if token.bytes().all(|b| b.is_ascii_digit()) {
            return Ok((frames_field(token, what, no)?, drop));
        }
        // CMX marks field-1 edits by the last separator: `.` non-drop, `,` drop-frame.
        let mut text = token.replace('.', ":").replace(',', ";");
        if drop
            && self.rate.supports_drop_frame()
            && !text.contains(';')
            && let Some(i) = text.rfind(':')
        {
            text.replace_range(i..=i, ";");
        }
        match timecode::parse(&text, self.rate) {
            Ok(tc) => Ok((tc.frame, tc.drop_frame)),
            Err(protocol::Error::InvalidTimecode { why, .. }) => {
                Err(invalid(no, format!("{what} {token}: {why}")))
            }
            Err(e) => Err(invalid(no, format!("{what} {token}: {e}"))),
        }
    }

    fn event_line(&mut self, line: &str, no: usize) -> Result<(u64, EventLine), ReadError> {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 8 {
            return Err(invalid(
                no,
                format!(
                    "an event line holds an event number, a reel, a channel, an edit type and four timecodes; this one has {} field{}",
                    t.len(),
                    if t.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        let number = match t[0] {
            n if n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()) => {
                n.parse::<u64>().unwrap_or_default()
            }
            n => {
                return Err(invalid(
                    no,
                    format!("the event number {n:?} is not a number of up to 9 digits"),
                ));
            }
        };
        let reel = t[1].to_string();
        let chans = parse_channel(t[2], no)?;
        let edit = parse_edit(&t[3..t.len() - 4], no)?;
        let tcs = &t[t.len() - 4..];
        let drop = self.drop;
        let record_drop = *self.record_drop.get_or_insert(drop);
        let (src_in, src_drop) = self.tc(tcs[0], "source in", no, drop)?;
        let (src_out, _) = self.tc(tcs[1], "source out", no, drop)?;
        let (mut rec_in, rec_drop) = self.tc(tcs[2], "record in", no, record_drop)?;
        let (mut rec_out, _) = self.tc(tcs[3], "record out", no, record_drop)?;
        let record_day = day(self.rate, rec_drop);
        match self.first_rec {
            None => self.first_rec = Some(rec_in),
            Some(first) if rec_in + record_day / 2 < first => rec_in += record_day,
            Some(_) => {}
        }
        if rec_out < rec_in {
            let next_day = rec_out + record_day;
            if next_day >= rec_in && next_day - rec_in <= record_day / 2 {
                rec_out = next_day;
            } else {
                return Err(invalid(
                    no,
                    format!(
                        "the record out {} is before the record in {}",
                        tcs[3], tcs[2]
                    ),
                ));
            }
        }
        let mut src_out = src_out;
        let source_day = day(self.rate, src_drop);
        if src_out < src_in && src_out + source_day - src_in <= source_day / 2 {
            src_out += source_day;
        }
        Ok((
            number,
            EventLine {
                no,
                reel,
                chans,
                edit,
                src_in,
                src_out,
                rec_in,
                rec_out,
                drop: src_drop,
                record_drop: rec_drop,
            },
        ))
    }

    fn motion(&self, line: &str, no: usize, drop: bool) -> Option<Motion> {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 3 {
            return None;
        }
        let n = t.len();
        let fps: f64 = t[n - 2].parse().ok().filter(|f: &f64| f.is_finite())?;
        let tc = self.tc(t[n - 1], "M2", no, drop).ok().map(|(f, _)| f);
        Some(Motion {
            no,
            name: t[1..n - 2].join(" "),
            fps,
            tc,
        })
    }

    fn comments(&mut self, ev: &Event) -> Comments {
        let drop = ev.lines.last().is_some_and(|l| l.drop);
        let mut c = Comments::default();
        for (no, line) in &ev.comments {
            let no = *no;
            let body = line.trim_start_matches(|ch: char| ch == '*' || ch.is_whitespace());
            let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
            if line.get(..2).is_some_and(|h| h.eq_ignore_ascii_case("M2")) {
                match self.motion(line, no, drop) {
                    Some(m) => c.motions.push(m),
                    None => {
                        self.note(
                            no,
                            "an M2 line that is not `M2 REEL fps timecode`: kept as a comment",
                        );
                        c.other.push(line.clone());
                    }
                }
            } else if let Some(r) = after_label(body, "FROM CLIP NAME") {
                c.from_name = text(r);
            } else if let Some(r) = after_label(body, "TO CLIP NAME") {
                c.to_name = text(r);
            } else if let Some(r) = ["FROM CLIP", "FROM FILE", "OTIO REFERENCE FROM"]
                .iter()
                .find_map(|l| after_label(body, l))
            {
                c.from_media = text(r);
            } else if let Some(r) = ["TO CLIP", "TO FILE", "OTIO REFERENCE TO"]
                .iter()
                .find_map(|l| after_label(body, l))
            {
                c.to_media = text(r);
            } else if let Some(r) = after_label(body, "SOURCE FILE") {
                c.source_file = text(r);
            } else if let Some(r) = after_label(body, "LOC") {
                c.locators.push((no, r.to_string()));
            } else if let Some(r) = after_label(body, "ASC_SOP") {
                c.asc_sop = Some((no, r.to_string()));
            } else if let Some(r) = after_label(body, "ASC_SAT") {
                c.asc_sat = Some((no, r.to_string()));
            } else if after_label(body, "FREEZE FRAME").is_some() {
                c.freeze = Some(no);
            } else if let Some(r) = after_label(body, "AUD").filter(|r| {
                !r.is_empty()
                    && r.split_whitespace()
                        .all(|d| matches!(d, "1" | "2" | "3" | "4"))
            }) {
                for d in r.split_whitespace() {
                    let chan = Chan {
                        audio: true,
                        n: d.parse().unwrap_or(1),
                    };
                    if !c.aud.contains(&chan) {
                        c.aud.push(chan);
                    }
                }
            } else if !body.trim().is_empty() {
                c.other.push(body.trim().to_string());
            }
        }
        c
    }

    /// A `LOC` comment as a marker at a source frame.
    fn locator(
        &mut self,
        no: usize,
        body: &str,
        drop: bool,
        line: &EventLine,
        clip: &Clip,
    ) -> Option<Marker> {
        let mut words = body.split_whitespace();
        let tc_text = words.next()?;
        let Ok((mut frame, _)) = self.tc(tc_text, "locator", no, drop) else {
            self.note(
                no,
                format!("the locator timecode {tc_text:?} is not understood: kept as a comment"),
            );
            return None;
        };
        let rest = body
            .trim_start()
            .get(tc_text.len()..)
            .unwrap_or_default()
            .trim();
        let first = rest.split_whitespace().next().unwrap_or_default();
        let (color, name) = match COLORS.iter().find(|c| c.eq_ignore_ascii_case(first)) {
            Some(c) => (
                c.to_string(),
                rest.get(first.len()..).unwrap_or_default().trim(),
            ),
            None => ("RED".to_string(), rest),
        };
        let (lo, hi) = clip.media_span();
        let in_source = (frame as f64) >= lo && (frame as f64) < hi.max(lo + 1.0);
        if !in_source {
            let record = FrameRange::from_bounds(line.rec_in, line.rec_out);
            if record.contains(frame) {
                frame = bounded(
                    clip.source
                        .start
                        .saturating_add(((frame - line.rec_in) as f64 * clip.speed).round() as i64),
                );
            } else {
                self.note(
                    no,
                    format!("the locator at {tc_text} is outside its clip's source and record ranges; kept at that source frame"),
                );
            }
        }
        Some(Marker {
            name: name.to_string(),
            color,
            range: FrameRange::new(frame, 0),
            comment: String::new(),
            metadata: Map::new(),
            extra: Map::new(),
        })
    }

    /// `metadata.cdl` from the ASC comments, as OpenTimelineIO's adapter writes it.
    fn cdl(&mut self, c: &Comments) -> Option<Value> {
        if c.asc_sop.is_none() && c.asc_sat.is_none() {
            return None;
        }
        let mut slope = vec![1.0; 3];
        let mut offset = vec![0.0; 3];
        let mut power = vec![1.0; 3];
        let mut sat = 1.0;
        if let Some((no, sop)) = &c.asc_sop {
            let nums: Option<Vec<f64>> = ASC_SOP.captures(sop).and_then(|m| {
                (1..=9)
                    .map(|i| {
                        m.get(i)?
                            .as_str()
                            .parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                    })
                    .collect()
            });
            match nums {
                Some(n) => {
                    slope = n[0..3].to_vec();
                    offset = n[3..6].to_vec();
                    power = n[6..9].to_vec();
                }
                None => {
                    self.note(
                        *no,
                        "ASC_SOP is not `(slope)(offset)(power)`: kept as a comment",
                    );
                    return None;
                }
            }
        }
        if let Some((no, s)) = &c.asc_sat {
            match s
                .split_whitespace()
                .next()
                .and_then(|t| t.parse::<f64>().ok())
            {
                Some(f) if f.is_finite() => sat = f,
                _ => {
                    self.note(*no, "ASC_SAT is not a number: kept as a comment");
                    return None;
                }
            }
        }
        Some(json!({
            "asc_sat": sat,
            "asc_sop": {"slope": slope, "offset": offset, "power": power},
        }))
    }

    /// The clip of one event line.
    fn clip(
        &mut self,
        number: u64,
        line: &EventLine,
        name: Option<&str>,
        url: Option<&str>,
        extras: Option<&Comments>,
        pace: Pace,
    ) -> Result<Clip, ReadError> {
        let no = line.no;
        let record = line.record_frames();
        let mut metadata = Map::new();
        let mut cmx = Map::new();
        if !line.reel.eq_ignore_ascii_case("AX") {
            cmx.insert("reel".into(), json!(line.reel));
        }
        cmx.insert("event".into(), json!(number));
        let mut effects = Vec::new();
        let mut start = line.src_in;
        let mut speed = 1.0;
        let freeze = |me: &mut Reader,
                      cmx: &mut Map<String, Value>,
                      effects: &mut Vec<Value>,
                      at: usize| {
            me.note(
                at,
                format!(
                    "a freeze frame on {}: read at normal speed, with an OpenTimelineIO FreezeFrame effect on the clip",
                    line.reel
                ),
            );
            cmx.insert("freeze_frame".into(), json!(true));
            effects.push(json!({
                "OTIO_SCHEMA": "FreezeFrame.1", "name": "", "effect_name": "FreezeFrame",
                "time_scalar": 0.0, "metadata": {},
            }));
        };
        match pace {
            Pace::Normal if is_generator(&line.reel) => {}
            Pace::Normal => {
                let source = line.src_out - line.src_in;
                if source < 0 {
                    return Err(invalid(
                        no,
                        "the source out is before the source in (and no M2 line says the clip plays in reverse)",
                    ));
                }
                if source != record {
                    self.note(
                        no,
                        format!(
                            "the source runs {source} frames and the record {record}, with no M2 speed line: read at normal speed for the record's length"
                        ),
                    );
                }
            }
            Pace::Freeze(at) => freeze(self, &mut cmx, &mut effects, at),
            Pace::Motion { fps: 0.0, no: at } => freeze(self, &mut cmx, &mut effects, at),
            Pace::Motion { fps, no: at } => {
                let s = fps.abs() / self.rate.as_f64();
                let rounded = (s * 1000.0).round() / 1000.0;
                let s = if (s - rounded).abs() <= s * 1e-4 {
                    rounded
                } else {
                    s
                };
                if SPEEDS.contains(&s) {
                    speed = s;
                } else {
                    self.note(
                        at,
                        format!(
                            "M2 speed {} is outside {}–{}: read at normal speed",
                            num(s),
                            SPEEDS.start(),
                            SPEEDS.end()
                        ),
                    );
                }
                if fps < 0.0 {
                    start = line.src_in.min(line.src_out);
                    cmx.insert("reverse".into(), json!(true));
                    self.note(
                        at,
                        format!(
                            "reverse motion on {} ({fps} fps): the model has no reverse playback, read forward at {}× from the lower source timecode",
                            line.reel,
                            num(speed)
                        ),
                    );
                }
            }
        }
        let mut media = Media::default();
        let reel_up = line.reel.to_ascii_uppercase();
        if is_generator(&line.reel) {
            let kind = if is_black(&line.reel) {
                "black"
            } else {
                "SMPTEBars"
            };
            media
                .extra
                .insert("OTIO_SCHEMA".into(), json!("GeneratorReference.1"));
            media.extra.insert("generator_kind".into(), json!(kind));
        } else {
            media.url = url.map(str::to_string);
            if let Some(file) = extras.and_then(|c| c.source_file.as_deref()) {
                media.name = file.to_string();
            }
        }
        let name = name
            .map(str::to_string)
            .or_else(|| media.url.as_deref().and_then(media_url::file_stem))
            .or_else(|| {
                (!media.name.is_empty())
                    .then(|| media_url::file_stem(&media.name))
                    .flatten()
            })
            .or_else(|| (reel_up != "AX").then(|| line.reel.clone()))
            .unwrap_or_else(|| format!("event {number:03}"));
        let mut clip = Clip {
            name,
            media,
            source: FrameRange::new(start, record),
            speed,
            markers: Vec::new(),
            enabled: true,
            link: None,
            metadata: Map::new(),
            effects,
            extra: Map::new(),
        };
        if let Some(c) = extras {
            let mut other = c.other.clone();
            for (at, body) in &c.locators {
                match self.locator(*at, body, line.drop, line, &clip) {
                    Some(m) => clip.markers.push(m),
                    None => other.push(format!("LOC: {body}")),
                }
            }
            match self.cdl(c) {
                Some(cdl) => {
                    metadata.insert("cdl".into(), cdl);
                }
                None => {
                    for (label, v) in [("ASC_SOP", &c.asc_sop), ("ASC_SAT", &c.asc_sat)] {
                        if let Some((_, body)) = v {
                            other.push(format!("{label} {body}"));
                        }
                    }
                }
            }
            if !other.is_empty() {
                cmx.insert("comments".into(), json!(other));
            }
        }
        metadata.insert("cmx_3600".into(), Value::Object(cmx));
        clip.metadata = metadata;
        Ok(clip)
    }

    /// The clips of one event, placed on their tracks.
    fn event(&mut self, ev: Event, out: &mut Vec<Placed>) -> Result<(), ReadError> {
        let c = self.comments(&ev);
        let mut lines = ev.lines;
        if let Some(last) = lines.last_mut() {
            for ch in &c.aud {
                if !last.chans.contains(ch) {
                    last.chans.push(*ch);
                }
            }
        }
        let n = lines.len();
        // Which cut line each transition line comes from.
        let mut from_of: Vec<Option<usize>> = vec![None; n];
        let mut is_from = vec![false; n];
        for i in 0..n {
            if matches!(lines[i].edit, Edit::Dissolve(_) | Edit::Wipe(..)) {
                let j = (0..i).rev().find(|&j| {
                    !is_from[j]
                        && matches!(lines[j].edit, Edit::Cut | Edit::KeyBackground)
                        && lines[j].chans.iter().any(|ch| lines[i].chans.contains(ch))
                });
                if let Some(j) = j {
                    from_of[i] = Some(j);
                    is_from[j] = true;
                }
            }
        }
        let any_from = is_from.iter().any(|f| *f);
        let has_to = c.to_name.is_some() || c.to_media.is_some();
        let froms_are_generators = (0..n)
            .filter(|&j| is_from[j])
            .all(|j| is_generator(&lines[j].reel));
        let main_uses_from = !any_from || (!has_to && froms_are_generators);
        let (main_name, main_media) = if main_uses_from {
            (
                c.from_name.clone().or(c.to_name.clone()),
                c.from_media.clone().or(c.to_media.clone()),
            )
        } else {
            (c.to_name.clone(), c.to_media.clone())
        };
        let name_of = |i: usize| -> Option<&str> {
            if is_from[i] {
                c.from_name.as_deref()
            } else {
                main_name.as_deref()
            }
        };
        // Each M2 line's event line.
        let mut pace = vec![Pace::Normal; n];
        if let Some(at) = c.freeze {
            for (i, p) in pace.iter_mut().enumerate() {
                if !is_from[i] {
                    *p = Pace::Freeze(at);
                }
            }
        }
        let usable: Vec<usize> = (0..n)
            .filter(|&i| !matches!(lines[i].edit, Edit::Key(_)))
            .collect();
        for m in &c.motions {
            let wanted = m.name.trim();
            let mut set: Vec<usize> = usable
                .iter()
                .copied()
                .filter(|&i| lines[i].reel.eq_ignore_ascii_case(wanted))
                .collect();
            if set.is_empty() {
                set = usable
                    .iter()
                    .copied()
                    .filter(|&i| name_of(i).is_some_and(|nm| nm.eq_ignore_ascii_case(wanted)))
                    .collect();
            }
            let fallback = set.is_empty();
            if fallback {
                set.clone_from(&usable);
            }
            let mixed = set.iter().any(|&i| is_from[i]) && set.iter().any(|&i| !is_from[i]);
            if mixed {
                let exact: Vec<usize> = set
                    .iter()
                    .copied()
                    .filter(|&i| Some(lines[i].src_in) == m.tc)
                    .collect();
                set = if !exact.is_empty() {
                    exact
                } else {
                    set.into_iter()
                        .filter(|&i| is_from[i] != fallback)
                        .collect()
                };
            }
            for i in set {
                pace[i] = Pace::Motion {
                    fps: m.fps,
                    no: m.no,
                };
            }
        }
        for i in 0..n {
            let line = &lines[i];
            if let Edit::Key(k) = &line.edit {
                self.note(
                    line.no,
                    format!(
                        "a key ({k}) of {} over event {:03}: the model has no keyed layers, so the foreground is not read",
                        line.reel, ev.number
                    ),
                );
                continue;
            }
            if line.chans.is_empty() {
                self.note(
                    line.no,
                    format!("event {:03} names no channel; skipped", ev.number),
                );
                continue;
            }
            if line.record_frames() == 0 {
                if !is_from[i] {
                    self.note(
                        line.no,
                        format!(
                            "event {:03} ({}) takes no record time; skipped",
                            ev.number, line.reel
                        ),
                    );
                }
                continue;
            }
            for ch in &line.chans {
                if ch.audio && ch.n > 4 {
                    self.note(
                        line.no,
                        format!(
                            "audio channel {} is beyond CMX3600's four: read onto track {} (the EDL writer writes four)",
                            ch.name(),
                            ch.name()
                        ),
                    );
                }
            }
            let clip = if is_from[i] {
                self.clip(
                    ev.number,
                    line,
                    c.from_name.as_deref(),
                    c.from_media.as_deref(),
                    None,
                    pace[i],
                )?
            } else {
                self.clip(
                    ev.number,
                    line,
                    main_name.as_deref(),
                    main_media.as_deref(),
                    Some(&c),
                    pace[i],
                )?
            };
            let into = match &line.edit {
                Edit::Dissolve(f) => Some((DISSOLVE, "D".to_string(), *f)),
                Edit::Wipe(code, f) => {
                    self.note(
                        line.no,
                        format!(
                            "wipe {code} ({f} frames) read as a transition of kind {WIPE}; only the OTIO writer keeps that kind, the others write a dissolve"
                        ),
                    );
                    Some((WIPE, code.clone(), *f))
                }
                _ => None,
            }
            .filter(|(_, _, f)| *f > 0)
            .map(|(kind, code, frames)| Entry {
                kind,
                code,
                frames,
                from_black: from_of[i].is_some_and(|j| is_black(&lines[j].reel)),
                no: line.no,
            });
            for ch in &line.chans {
                out.push(Placed {
                    chan: *ch,
                    no: line.no,
                    number: ev.number,
                    reel: line.reel.to_ascii_uppercase(),
                    rec_in: line.rec_in,
                    rec_out: line.rec_out,
                    clip: clip.clone(),
                    into: into.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The representative of `i`'s set in a union-find forest.
fn root(g: &mut [usize], mut i: usize) -> usize {
    while g[i] != i {
        g[i] = g[g[i]];
        i = g[i];
    }
    i
}

/// Give the clips of one event number and reel that overlap in record time on different tracks
/// one link id.
fn link(placed: &mut [Placed]) {
    let mut by_key: HashMap<(u64, String), Vec<usize>> = HashMap::new();
    for (i, p) in placed.iter().enumerate() {
        by_key
            .entry((p.number, p.reel.clone()))
            .or_default()
            .push(i);
    }
    let mut keys: Vec<&(u64, String)> = by_key.keys().collect();
    keys.sort();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for key in keys {
        let members = &by_key[key];
        // Union by overlap (small sets: the lines of one event number).
        let mut group_of: Vec<usize> = (0..members.len()).collect();
        for a in 0..members.len() {
            for b in a + 1..members.len() {
                let (pa, pb) = (&placed[members[a]], &placed[members[b]]);
                if pa.chan != pb.chan && pa.rec_in < pb.rec_out && pb.rec_in < pa.rec_out {
                    let (ra, rb) = (root(&mut group_of, a), root(&mut group_of, b));
                    group_of[ra] = rb;
                }
            }
        }
        let mut sets: HashMap<usize, Vec<usize>> = HashMap::new();
        for (k, member) in members.iter().enumerate() {
            let r = root(&mut group_of, k);
            sets.entry(r).or_default().push(*member);
        }
        let mut sets: Vec<Vec<usize>> = sets.into_values().filter(|s| s.len() > 1).collect();
        sets.sort();
        groups.extend(sets);
    }
    groups.sort();
    for g in groups {
        let base = format!("edl-{:03}", placed[g[0]].number);
        let count = used.entry(base.clone()).or_insert(0);
        *count += 1;
        let id = if *count == 1 {
            base
        } else {
            format!("{base}-{count}")
        };
        for i in g {
            placed[i].clip.link = Some(id.clone());
        }
    }
}

/// Record `new` on a track as a tape machine would: it replaces whatever was there.
fn record(segs: &mut Vec<Placed>, new: Placed, track: &str, notes: &mut Vec<String>) {
    let (a, b) = (new.rec_in, new.rec_out);
    let first = segs.partition_point(|s| s.rec_out <= a);
    let mut last = first;
    while last < segs.len() && segs[last].rec_in < b {
        last += 1;
    }
    if first == last {
        segs.insert(first, new);
        return;
    }
    let mut before = Vec::new();
    let mut after = Vec::new();
    for s in segs.drain(first..last) {
        let overlap = s.rec_out.min(b) - s.rec_in.max(a);
        let into_dissolve = new
            .into
            .as_ref()
            .is_some_and(|t| s.rec_in < a && s.rec_out <= a + t.frames);
        if !into_dissolve {
            let what = if s.rec_in >= a && s.rec_out <= b {
                "replaces".to_string()
            } else {
                format!("is recorded over {overlap} frames of")
            };
            notes.push(format!(
                "line {}: event {:03} on {track} {what} event {:03} (line {}): the later event wins, as on tape",
                new.no, new.number, s.number, s.no
            ));
        }
        if s.rec_in < a {
            before.push(s.head(a));
        }
        if s.rec_out > b {
            after.push(s.tail(b));
        }
    }
    let pieces: Vec<Placed> = before
        .into_iter()
        .chain(std::iter::once(new))
        .chain(after)
        .collect();
    segs.splice(first..first, pieces);
}

/// The items of a track from its placed clips, record time counted from `start`.
fn items(segs: Vec<Placed>, start: i64, track: &str, notes: &mut Vec<String>) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut pos = start;
    for s in segs {
        if s.rec_in > pos {
            items.push(Item::Gap(Gap {
                duration: s.rec_in - pos,
                extra: Map::new(),
            }));
        }
        if let Some(t) = &s.into {
            let what = if t.kind == DISSOLVE {
                "dissolve"
            } else {
                "wipe"
            };
            match items.last() {
                None => notes.push(format!(
                    "line {}: the {what} at the start of {track} has nothing before it to come from: read as a cut",
                    t.no
                )),
                Some(prev) => {
                    let after_clip = matches!(prev, Item::Clip(c) if c.media.kind() != MediaKind::Generator("black"));
                    if t.from_black && after_clip {
                        notes.push(format!(
                            "line {}: the {what} from black follows a clip directly on {track}: read as a {what} from that clip",
                            t.no
                        ));
                    }
                    let frames = t.frames.min(s.clip.source.duration);
                    if frames < t.frames {
                        notes.push(format!(
                            "line {}: the {what} of {} frames is longer than its clip on {track}: shortened to {frames}",
                            t.no, t.frames
                        ));
                    }
                    items.push(Item::Transition(Transition {
                        name: String::new(),
                        kind: t.kind.to_string(),
                        in_offset: 0,
                        out_offset: frames,
                        metadata: {
                            let mut m = Map::new();
                            m.insert(
                                "cmx_3600".into(),
                                json!({"transition": t.code, "transition_duration": t.frames}),
                            );
                            m
                        },
                        extra: Map::new(),
                    }));
                }
            }
        }
        pos = s.rec_out;
        items.push(Item::Clip(s.clip));
    }
    items
}

/// The line number a note starts with.
fn line_of(note: &str) -> usize {
    note.strip_prefix("line ")
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Read a CMX3600 EDL at `rate` (the file does not say its rate).
pub fn read_str(text: &str, rate: Rate) -> Result<Reading, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = if text.contains('\n') {
        text.lines().collect()
    } else {
        text.split('\r').collect()
    };
    let mut r = Reader {
        rate,
        drop: false,
        record_drop: None,
        first_rec: None,
        notes: Vec::new(),
    };
    let mut title: Option<String> = None;
    let mut header: Vec<String> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut drop_frame: Option<bool> = None;
    for (i, raw) in lines.iter().enumerate() {
        let no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let head = |n: usize| {
            line.get(..n)
                .map(str::to_ascii_uppercase)
                .unwrap_or_default()
        };
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            let (number, l) = r.event_line(line, no)?;
            drop_frame.get_or_insert(l.record_drop);
            match events.last_mut() {
                Some(e) if e.number == number => e.lines.push(l),
                _ => events.push(Event {
                    number,
                    lines: vec![l],
                    comments: Vec::new(),
                }),
            }
        } else if head(6) == "TITLE:" && title.is_none() && events.is_empty() {
            title = Some(line.get(6..).unwrap_or_default().trim().to_string());
        } else if head(3) == "FCM" {
            r.fcm(line, no);
        } else if head(5) == "SPLIT" {
            r.note(
                no,
                format!(
                    "a split edit ({}): the event's lines are read at the record times they give, without the delay",
                    line.get(5..).unwrap_or_default().trim_start_matches(':').trim()
                ),
            );
        } else if let Some(e) = events.last_mut() {
            e.comments.push((no, line.to_string()));
        } else {
            header.push(
                line.trim_start_matches(|c: char| c == '*' || c.is_whitespace())
                    .to_string(),
            );
        }
    }
    if events.is_empty() {
        return Err(invalid(
            lines.len().max(1),
            "the EDL has no events (lines `001  REEL  V  C  srcIn srcOut recIn recOut`)",
        ));
    }
    let mut placed = Vec::new();
    for ev in events {
        r.event(ev, &mut placed)?;
    }
    let Some(start) = placed.iter().map(|p| p.rec_in).min() else {
        return Err(invalid(
            lines.len().max(1),
            "no event of the EDL takes record time",
        ));
    };
    link(&mut placed);
    let mut by_track: Vec<(Chan, Vec<Placed>)> = Vec::new();
    for p in placed {
        let track = p.chan;
        let at = match by_track.iter().position(|(c, _)| *c == track) {
            Some(at) => at,
            None => {
                by_track.push((track, Vec::new()));
                by_track.len() - 1
            }
        };
        record(&mut by_track[at].1, p, &track.name(), &mut r.notes);
    }
    by_track.sort_by_key(|(c, _)| *c);
    let mut notes = std::mem::take(&mut r.notes);

    let tracks: Vec<Track> = by_track
        .into_iter()
        .map(|(chan, segs)| Track {
            name: chan.name(),
            kind: if chan.audio {
                TrackKind::Audio
            } else {
                TrackKind::Video
            },
            items: items(segs, start, &chan.name(), &mut notes),
            markers: Vec::new(),
            enabled: true,
            metadata: Map::new(),
            extra: Map::new(),
        })
        .collect();
    notes.sort_by_key(|n| line_of(n));
    let mut metadata = Map::new();
    if !header.is_empty() {
        metadata.insert("cmx_3600".into(), json!({ "comments": header }));
    }
    Ok(Reading {
        timeline: Timeline {
            name: title.unwrap_or_default(),
            rate,
            start_frame: start,
            drop_frame: drop_frame.unwrap_or(false) && rate.supports_drop_frame(),
            tracks,
            markers: Vec::new(),
            subtitles: Vec::new(),
            metadata,
            extra: Map::new(),
        },
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chans(token: &str) -> Vec<String> {
        parse_channel(token, 1)
            .expect("a channel")
            .into_iter()
            .map(Chan::name)
            .collect()
    }

    #[test]
    fn channels_name_their_tracks() {
        assert_eq!(chans("V"), ["V1"]);
        assert_eq!(chans("A"), ["A1"]);
        assert_eq!(chans("a2"), ["A2"]);
        assert_eq!(chans("AA"), ["A1", "A2"]);
        assert_eq!(chans("B"), ["V1", "A1"]);
        assert_eq!(chans("AA/V"), ["A1", "A2", "V1"]);
        assert_eq!(chans("A3/A4"), ["A3", "A4"]);
        assert!(chans("NONE").is_empty());
        for bad in ["X", "A0", "A123", "AAA", "/"] {
            assert!(parse_channel(bad, 7).is_err(), "{bad}");
        }
    }

    #[test]
    fn edit_types() {
        assert_eq!(parse_edit(&["C"], 1).ok(), Some(Edit::Cut));
        assert_eq!(parse_edit(&["D", "030"], 1).ok(), Some(Edit::Dissolve(30)));
        assert_eq!(parse_edit(&["D030"], 1).ok(), Some(Edit::Dissolve(30)));
        assert_eq!(
            parse_edit(&["W001", "012"], 1).ok(),
            Some(Edit::Wipe("W001".into(), 12))
        );
        assert_eq!(parse_edit(&["K", "B"], 1).ok(), Some(Edit::KeyBackground));
        assert_eq!(parse_edit(&["KO"], 1).ok(), Some(Edit::Key("KO".into())));
        let e = parse_edit(&["D", "3x"], 4)
            .expect_err("not a length")
            .to_string();
        assert!(e.starts_with("line 4: "), "{e}");
    }

    #[test]
    fn labels_are_whole_words() {
        assert_eq!(
            after_label("FROM CLIP NAME:  a b", "FROM CLIP NAME"),
            Some("a b")
        );
        assert_eq!(
            after_label("from clip: /x.mov", "FROM CLIP"),
            Some("/x.mov")
        );
        assert_eq!(after_label("FROM CLIPS: x", "FROM CLIP"), None);
        assert_eq!(after_label("LOC", "LOC"), Some(""));
        assert_eq!(after_label("é", "LOC"), None);
    }

    #[test]
    fn field_marks_and_fcm_decide_drop_frame() {
        let r = Reader {
            rate: Rate::FPS_29_97,
            drop: false,
            record_drop: None,
            first_rec: None,
            notes: vec![],
        };
        assert_eq!(r.tc("00:01:00.00", "x", 1, false).ok(), Some((1800, false)));
        assert_eq!(r.tc("00:01:00,02", "x", 1, false).ok(), Some((1800, true)));
        assert_eq!(r.tc("00:01:00:02", "x", 1, true).ok(), Some((1800, true)));
        assert_eq!(r.tc("1800", "x", 1, false).ok(), Some((1800, false)));
        assert!(
            r.tc("00:01:00:00", "x", 1, true).is_err(),
            "a dropped number"
        );
    }

    #[test]
    fn a_later_event_is_recorded_over_an_earlier_one() {
        let clip = |start| Clip {
            name: String::new(),
            media: Media::default(),
            source: FrameRange::new(start, 100),
            speed: 2.0,
            markers: vec![],
            enabled: true,
            link: None,
            metadata: Map::new(),
            effects: vec![],
            extra: Map::new(),
        };
        let placed = |number, rec_in, rec_out, start| Placed {
            chan: Chan::V1,
            no: number as usize,
            number,
            reel: String::new(),
            rec_in,
            rec_out,
            clip: Clip {
                source: FrameRange::new(start, rec_out - rec_in),
                ..clip(start)
            },
            into: None,
        };
        let mut segs = Vec::new();
        let mut notes = Vec::new();
        record(&mut segs, placed(1, 0, 100, 1000), "V1", &mut notes);
        record(&mut segs, placed(2, 40, 60, 5000), "V1", &mut notes);
        let got: Vec<(i64, i64, i64)> = segs
            .iter()
            .map(|s| (s.rec_in, s.rec_out, s.clip.source.start))
            .collect();
        // The tail of event 1 resumes 60 record frames (120 media frames at 2x) in.
        assert_eq!(got, [(0, 40, 1000), (40, 60, 5000), (60, 100, 1120)]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        record(&mut segs, placed(3, 0, 100, 7000), "V1", &mut notes);
        assert_eq!(segs.len(), 1);
        assert_eq!(notes.len(), 4, "{notes:?}");
    }
}
