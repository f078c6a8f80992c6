//! Timeline interchange: reading and writing the files NLEs exchange.
//!
//! | format | read | write | extension |
//! | --- | --- | --- | --- |
//! | OpenTimelineIO JSON | yes (`otio`) | yes | `.otio` |
//! | OpenTimelineIO bundle | yes (its `content.otio`) | no | `.otioz` |
//! | SubRip / WebVTT transcripts | yes (`transcript`) | SRT | `.srt`, `.vtt` |
//! | the protocol's own JSON | yes | yes | `.json` |
//! | CMX3600 EDL | yes (`edl_read`, with a rate) | yes | `.edl` |
//! | FCPXML 1.8–1.11 | yes (`fcpxml_read`) | 1.10 | `.fcpxml` |
//! | FCP7 XML (xmeml, Premiere) | yes (`xmeml_read`) | yes | `.xml` |
//!
//! [`read_timeline_bytes`] picks the reader by content, else by extension ([`Source::sniff`]);
//! every reader returns a [`Reading`]: the timeline and a line for each thing the model could
//! not hold exactly. Every writer is a pure function from a [`Timeline`] to text; what a format
//! cannot carry is listed in its module's documentation. `tests/interchange/readback.py` reads
//! each written format back with OpenTimelineIO's own adapters (the `interchange_readback` and
//! `roundtrip_formats` tests run it), and the readers are checked against files those adapters
//! wrote (`read_edl`, `read_xml`, `otio_fidelity`, `read_transcripts` with the srt and pysrt
//! libraries).

pub mod edl;
pub mod edl_read;
pub mod fcpxml;
pub mod fcpxml_read;
mod media_url;
pub mod otio;
pub mod srt;
pub mod transcript;
pub mod xmeml;
pub mod xmeml_read;
mod xml;

use std::ops::RangeInclusive;
use std::path::Path;

use protocol::{FrameRange, Item, Timeline};

/// Where a clip's media lives as one file (see `media_url::location`).
pub fn media_location(m: &protocol::Media) -> Option<String> {
    media_url::location(m)
}

/// A media location as a plain path (`file://` URLs decoded).
pub fn media_url_path(location: &str) -> String {
    media_url::to_path(location)
}

/// The largest frame number or duration a reader accepts (about 1,270 years at 25 fps): anything
/// bigger is corrupt, and the bound keeps every sum of frames far from `i64`'s limits.
pub const MAX_FRAMES: i64 = 1_000_000_000_000;

/// The clip speeds a reader accepts (0.1 % to 100 000 %).
pub const SPEEDS: RangeInclusive<f64> = 0.001..=1000.0;

/// What went wrong reading a file; `place` is a JSON path (`$.tracks.children[0]`) or a line.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("line {line}, column {column}: {why}")]
    Syntax {
        line: usize,
        column: usize,
        why: String,
    },
    #[error("{place}: {why}")]
    Invalid { place: String, why: String },
}

/// What a reader made of a file: the timeline, and one line for each thing in the file that the
/// timeline model could not hold exactly (naming its place: `line 12`, an XML path), so nothing is
/// lost silently.
#[derive(Debug, Clone)]
pub struct Reading {
    pub timeline: Timeline,
    pub notes: Vec<String>,
}

impl Reading {
    pub fn new(timeline: Timeline) -> Self {
        Reading {
            timeline,
            notes: Vec::new(),
        }
    }

    /// The same reading with a transcript as the timeline's lines: SRT or WebVTT bytes (`name`,
    /// the file's name, is a hint), read in the timeline's record time (its rate and start
    /// timecode). The transcript reader's notes follow the timeline's. The one way every front
    /// end (the command line, the daemon's `timeline.sync`) joins a timeline and its transcript.
    pub fn with_transcript(mut self, bytes: &[u8], name: Option<&str>) -> Result<Self, ReadError> {
        let tl = &self.timeline;
        let t = transcript::read_bytes(bytes, name, tl.rate, tl.start_frame)?;
        self.timeline.subtitles = t.lines;
        self.notes.extend(t.notes);
        Ok(self)
    }
}

/// A format CutBridge writes, chosen from a file name's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenTimelineIO JSON (`.otio`).
    Otio,
    /// The protocol's own timeline JSON (`.json`).
    Json,
    /// CMX3600 EDL (`.edl`).
    Edl,
    /// FCPXML 1.10 (`.fcpxml`).
    Fcpxml,
    /// Final Cut Pro 7 XML, xmeml (`.xml`): what Premiere Pro imports.
    Xmeml,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::from_name(&ext)
    }

    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "otio" => Some(Format::Otio),
            "json" => Some(Format::Json),
            "edl" => Some(Format::Edl),
            "fcpxml" => Some(Format::Fcpxml),
            "xml" | "xmeml" => Some(Format::Xmeml),
            _ => None,
        }
    }

    pub const NAMES: &'static str = "otio, json, edl, fcpxml, xml";
}

/// Render a timeline in a format.
pub fn write_string(tl: &Timeline, format: Format) -> String {
    match format {
        Format::Otio => otio::write_string(tl),
        Format::Json => serde_json::to_string_pretty(tl).expect("a timeline always serializes"),
        Format::Edl => edl::write_string(tl),
        Format::Fcpxml => fcpxml::write_string(tl),
        Format::Xmeml => xmeml::write_string(tl),
    }
}

/// The formats a timeline is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Otio,
    Otioz,
    Json,
    Edl,
    Xmeml,
    Fcpxml,
}

impl Source {
    /// What an editor calls it.
    pub fn label(self) -> &'static str {
        match self {
            Source::Otio => "OpenTimelineIO JSON",
            Source::Otioz => "an OpenTimelineIO bundle (.otioz)",
            Source::Json => "CutBridge timeline JSON",
            Source::Edl => "a CMX3600 EDL",
            Source::Xmeml => "FCP7 XML (xmeml)",
            Source::Fcpxml => "FCPXML",
        }
    }

    /// The format of a file: by its content where that is unmistakable (a zip archive, an
    /// `xmeml` or `fcpxml` root, JSON), else by its extension; `None` when neither says.
    pub fn sniff(bytes: &[u8], name: Option<&str>) -> Option<Source> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Some(Source::Otioz);
        }
        let head = &bytes[..bytes.len().min(4096)];
        let head = String::from_utf8_lossy(head);
        let head = head.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with('<') {
            if head.contains("<fcpxml") {
                return Some(Source::Fcpxml);
            }
            if head.contains("<xmeml") {
                return Some(Source::Xmeml);
            }
        }
        let ext = name
            .and_then(|n| Path::new(n).extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if head.starts_with('{') {
            return Some(
                if head.contains("\"OTIO_SCHEMA\"") || ext.as_deref() == Some("otio") {
                    Source::Otio
                } else {
                    Source::Json
                },
            );
        }
        match ext.as_deref() {
            Some("otio") => Some(Source::Otio),
            Some("otioz") => Some(Source::Otioz),
            Some("json") => Some(Source::Json),
            Some("edl") => Some(Source::Edl),
            Some("xml" | "xmeml") => Some(Source::Xmeml),
            Some("fcpxml") => Some(Source::Fcpxml),
            _ => {
                let edl_like = head.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with("TITLE:") || l.starts_with("FCM:")
                });
                edl_like.then_some(Source::Edl)
            }
        }
    }
}

/// The largest `content.otio` an `.otioz` bundle may unpack to (a zip bomb stops here).
pub const MAX_BUNDLED_OTIO: u64 = 1 << 30;

/// Text of a timeline file: UTF-8 (a byte-order mark dropped), UTF-16 with its mark, or, for
/// the files older tools write (Avid EDLs), Windows-1252, said in a note.
fn decode<'a>(bytes: &'a [u8], notes: &mut Vec<String>) -> std::borrow::Cow<'a, str> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return text;
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            notes.push(format!(
                "line {line}: the file is not UTF-8; read as Windows-1252 (Western)"
            ));
            encoding_rs::WINDOWS_1252.decode(bytes).0
        }
    }
}

/// `content.otio` of an `.otioz` bundle (OpenTimelineIO's zip: `content.otio`, `version.txt`,
/// `media/`).
fn unbundle(bytes: &[u8]) -> Result<String, ReadError> {
    use std::io::Read;
    let bad = |why: String| ReadError::Invalid {
        place: "content.otio".into(),
        why,
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable .otioz (zip) bundle: {e}")))?;
    let entry = zip
        .by_name("content.otio")
        .map_err(|_| bad("the bundle has no content.otio".into()))?;
    let mut text = String::new();
    entry
        .take(MAX_BUNDLED_OTIO + 1)
        .read_to_string(&mut text)
        .map_err(|e| bad(format!("cannot be unpacked: {e}")))?;
    if text.len() as u64 > MAX_BUNDLED_OTIO {
        return Err(bad(format!(
            "unpacks to more than {} MiB",
            MAX_BUNDLED_OTIO >> 20
        )));
    }
    Ok(text)
}

/// Read a timeline file in whichever format it is ([`read_timeline_bytes`]); an OTIO JSON file
/// in UTF-8 is read as a stream from the file, never held whole in memory.
pub fn read_timeline_file(
    path: &Path,
    rate: Option<protocol::Rate>,
) -> std::io::Result<Result<(Source, Reading), ReadError>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)?
        .take(4096)
        .read_to_end(&mut head)?;
    let name = path.file_name().and_then(|n| n.to_str());
    let plain_json = head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if plain_json && Source::sniff(&head, name) == Some(Source::Otio) {
        if let Some(r) = otio::read_file(path) {
            return Ok(r.map(|r| (Source::Otio, r)));
        }
    }
    let bytes = std::fs::read(path)?;
    Ok(read_timeline_bytes(&bytes, name, rate))
}

/// Read a timeline file's bytes in whichever format it is ([`Source::sniff`]); `name` is the
/// file's name, `rate` the frame rate for formats that do not carry one (an EDL).
pub fn read_timeline_bytes(
    bytes: &[u8],
    name: Option<&str>,
    rate: Option<protocol::Rate>,
) -> Result<(Source, Reading), ReadError> {
    let source = Source::sniff(bytes, name).ok_or_else(|| ReadError::Invalid {
        place: "line 1".into(),
        why: "not a timeline CutBridge reads: OTIO (.otio, .otioz), an EDL (.edl), FCP7 XML \
              (.xml), FCPXML (.fcpxml) or CutBridge JSON (.json)"
            .into(),
    })?;
    let mut notes = Vec::new();
    let mut reading = match source {
        Source::Otioz => {
            let text = unbundle(bytes)?;
            let mut r = otio::read(&text)?;
            r.notes
                .push("read content.otio of the bundle; its media/ folder is not unpacked".into());
            r
        }
        Source::Otio => otio::read(&decode(bytes, &mut notes))?,
        Source::Json => Reading::new(read_timeline_str(&decode(bytes, &mut notes))?),
        Source::Edl => {
            let rate = rate.ok_or_else(|| ReadError::Invalid {
                place: "line 1".into(),
                why: "an EDL does not say its frame rate: give it (--rate 25, 24, 23.976, 29.97…)"
                    .into(),
            })?;
            edl_read::read_str(&decode(bytes, &mut notes), rate)?
        }
        Source::Xmeml => xmeml_read::read_str(&decode(bytes, &mut notes))?,
        Source::Fcpxml => fcpxml_read::read_str(&decode(bytes, &mut notes))?,
    };
    notes.append(&mut reading.notes);
    reading.notes = notes;
    Ok((source, reading))
}

/// Read a timeline from text: OTIO JSON, or the protocol's own timeline JSON.
pub fn read_timeline_str(text: &str) -> Result<Timeline, ReadError> {
    let probe: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let is_otio = probe
        .as_ref()
        .is_none_or(|v| v.get("OTIO_SCHEMA").is_some());
    if is_otio {
        otio::read_str(text)
    } else {
        let tl: Timeline = serde_json::from_str(text).map_err(|e| ReadError::Syntax {
            line: e.line(),
            column: e.column(),
            why: e.to_string(),
        })?;
        if tl.tracks.iter().all(|t| t.items.is_empty()) {
            return Err(ReadError::Invalid {
                place: "$.tracks".into(),
                why: "the timeline is empty".into(),
            });
        }
        check_bounds(&tl)?;
        Ok(tl)
    }
}

/// A number for an error message: plain when it reads well, else in exponent form (`1e300`).
pub(crate) fn num(x: f64) -> String {
    if x == 0.0 || (1e-4..1e9).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Check what JSON deserialisation alone does not bound: frame numbers within ±[`MAX_FRAMES`],
/// no negative durations or transition offsets, speeds within [`SPEEDS`]. The OTIO reader checks
/// the same as it reads; the protocol's JSON is checked here, naming the place as a JSON path.
pub fn check_bounds(tl: &Timeline) -> Result<(), ReadError> {
    let bad = |place: String, why: String| Err(ReadError::Invalid { place, why });
    let frame = |place: String, f: i64| {
        if f.abs() > MAX_FRAMES {
            bad(place, format!("{f} frames is out of range"))
        } else {
            Ok(())
        }
    };
    let range = |place: String, r: &FrameRange| {
        frame(format!("{place}.start"), r.start)?;
        frame(format!("{place}.duration"), r.duration)?;
        if r.duration < 0 {
            return bad(place, format!("negative duration {}", r.duration));
        }
        Ok(())
    };
    frame("$.start_frame".into(), tl.start_frame)?;
    for (i, m) in tl.markers.iter().enumerate() {
        range(format!("$.markers[{i}].range"), &m.range)?;
    }
    for (i, s) in tl.subtitles.iter().enumerate() {
        range(format!("$.subtitles[{i}].range"), &s.range)?;
    }
    for (t, track) in tl.tracks.iter().enumerate() {
        for (i, m) in track.markers.iter().enumerate() {
            range(format!("$.tracks[{t}].markers[{i}].range"), &m.range)?;
        }
        for (i, item) in track.items.iter().enumerate() {
            let here = format!("$.tracks[{t}].items[{i}]");
            match item {
                Item::Clip(c) => {
                    range(format!("{here}.source"), &c.source)?;
                    if let Some(a) = &c.media.available {
                        range(format!("{here}.media.available"), a)?;
                    }
                    if !SPEEDS.contains(&c.speed) {
                        return bad(
                            format!("{here}.speed"),
                            format!(
                                "speed {} is outside {}–{}",
                                num(c.speed),
                                SPEEDS.start(),
                                SPEEDS.end()
                            ),
                        );
                    }
                    for (k, m) in c.markers.iter().enumerate() {
                        range(format!("{here}.markers[{k}].range"), &m.range)?;
                    }
                }
                Item::Gap(g) => {
                    range(here, &FrameRange::new(0, g.duration))?;
                }
                Item::Transition(tr) => {
                    for (name, f) in [("in_offset", tr.in_offset), ("out_offset", tr.out_offset)] {
                        frame(format!("{here}.{name}"), f)?;
                        if f < 0 {
                            return bad(format!("{here}.{name}"), format!("negative offset {f}"));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Write `contents` to `path` whole or not at all: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    write_atomically_with(path, |f| f.write_all(contents))
}

/// [`write_atomically`] with the contents written by `write` into the temporary file (a
/// failure there leaves nothing behind).
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".cutbridge-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Write a timeline file in `format`, whole or not at all; OTIO is written as a stream, never
/// held whole in memory.
pub fn write_file(path: &Path, tl: &Timeline, format: Format) -> std::io::Result<()> {
    use std::io::Write;
    write_atomically_with(path, |f| match format {
        Format::Otio => otio::write_to(tl, f),
        _ => f.write_all(write_string(tl, format).as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{Clip, FrameRange, Media, Rate};

    /// A timeline at 01:00:00:00 and the SRT its NLE wrote (timed from that timecode): the
    /// lines land in record time, the offset is said, and a bad transcript names its place.
    #[test]
    fn a_transcript_joins_its_timeline_in_record_time() {
        let clip = Clip::new("a", Media::at("file:///m/a.mov"), FrameRange::new(0, 250));
        let tl = Timeline::mirrored("t", Rate::FPS_25, vec![clip.into()]).with_start_frame(90_000);
        let srt = "1\n01:00:02,000 --> 01:00:04,000\nHello there.\n";
        let r = Reading::new(tl.clone())
            .with_transcript(srt.as_bytes(), Some("t.srt"))
            .unwrap();
        assert_eq!(r.timeline.subtitles.len(), 1);
        assert_eq!(r.timeline.subtitles[0].range, FrameRange::new(50, 50));
        assert_eq!(r.timeline.subtitles[0].text, "Hello there.");
        assert!(
            r.notes.iter().any(|n| n.contains("01:00:00")),
            "the subtracted start timecode is said: {:?}",
            r.notes
        );
        // The timeline is otherwise untouched.
        assert_eq!(r.timeline.tracks, tl.tracks);
        let bad = "1\n00:00:01,5 --> 00:00:02,000\nHi\n";
        let e = Reading::new(tl).with_transcript(bad.as_bytes(), None);
        assert!(matches!(
            e,
            Err(ReadError::Invalid { .. }) | Err(ReadError::Syntax { .. })
        ));
    }
}
