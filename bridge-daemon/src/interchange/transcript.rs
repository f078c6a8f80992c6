//! Transcripts as editors get them: SRT or WebVTT, in whatever encoding the tool wrote.

use protocol::{Rate, SubtitleLine};

use super::ReadError;

/// A transcript read for a timeline: its lines in record time, and what the reader did that the
/// editor should know (the encoding it decoded, an hour offset it subtracted, cues it reordered).
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub lines: Vec<SubtitleLine>,
    pub notes: Vec<String>,
}

/// Read a transcript file's bytes for a timeline at `rate` whose first frame has the record
/// timecode `start_frame`. `name` (the file name) hints at the format; the content decides.
/// Not written yet: this module is being built; it reads UTF-8 SRT only.
pub fn read_bytes(
    bytes: &[u8],
    name: Option<&str>,
    rate: Rate,
    start_frame: i64,
) -> Result<Transcript, ReadError> {
    let _ = (name, start_frame);
    let text = std::str::from_utf8(bytes).map_err(|e| ReadError::Invalid {
        place: "byte ".to_string() + &e.valid_up_to().to_string(),
        why: "not UTF-8".into(),
    })?;
    Ok(Transcript {
        lines: super::srt::read_str(text, rate)?,
        notes: Vec::new(),
    })
}
