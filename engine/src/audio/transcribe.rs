//! A transcript made from the media, for a timeline that has none: the speech of the clips of its
//! first audio track (V1's media when it has no audio track) found from the cached levels, cut
//! into pieces of at most [`MAX_PIECE_S`] (Whisper's window) at silences, each piece decoded to
//! 16 kHz mono and transcribed, and placed in record time as a transcript line.
//!
//! Only the ranges the timeline uses are transcribed. The text of each piece is cached per media
//! file (path, size, modification time), model and language, in memory and on disk, so a second
//! instruction costs nothing. Progress is reported (stage `transcribe`) and the work stops at the
//! next piece once its request is cancelled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use protocol::{FrameRange, Item, SubtitleLine, Timeline, TrackKind};

use super::levels::{self, Levels, Sink, WINDOW_S};
use super::{AudioError, BELOW_LOUD_DB, FLOOR_DB, HearError, MediaAccess, loud_db, track_name};
use voice::{SampleFormat, StreamDecoder, Transcribe};

/// The longest piece given to the model at once (Whisper hears 30 s).
pub const MAX_PIECE_S: f64 = 28.0;
/// Quiet shorter than this does not end a piece of speech.
const JOIN_GAP_S: f64 = 0.3;
/// Kept around each piece, so that soft onsets and endings are heard.
const PAD_S: f64 = 0.15;
/// Speech shorter than this is not transcribed (a click, a breath).
const MIN_PIECE_S: f64 = 0.2;

/// What was made.
#[derive(Debug, Default)]
pub struct Made {
    pub lines: Vec<SubtitleLine>,
    /// Pieces transcribed now, and found in the cache.
    pub transcribed: usize,
    pub cached: usize,
    pub tracks: String,
    pub notes: Vec<String>,
}

/// Pieces of speech (media seconds) of `levels` within `[from, to)`.
fn speech_pieces(levels: &Levels, from: f64, to: f64) -> Vec<(f64, f64)> {
    let threshold = (loud_db(levels) - BELOW_LOUD_DB).max(FLOOR_DB);
    let w0 = (from / WINDOW_S).floor().max(0.0) as usize;
    let w1 = ((to / WINDOW_S).ceil() as usize).min(levels.db.len());
    let mut runs: Vec<(f64, f64)> = Vec::new();
    let mut start: Option<usize> = None;
    for w in w0..=w1 {
        let loud = w < w1 && levels.db[w] >= threshold;
        match (loud, start) {
            (true, None) => start = Some(w),
            (false, Some(s)) => {
                let (a, b) = (s as f64 * WINDOW_S, w as f64 * WINDOW_S);
                match runs.last_mut() {
                    Some(last) if a - last.1 < JOIN_GAP_S => last.1 = b,
                    _ => runs.push((a, b)),
                }
                start = None;
            }
            _ => {}
        }
    }
    let mut pieces = Vec::new();
    for (a, b) in runs {
        let (a, b) = ((a - PAD_S).max(from), (b + PAD_S).min(to));
        if b - a < MIN_PIECE_S {
            continue;
        }
        let n = ((b - a) / MAX_PIECE_S).ceil().max(1.0);
        let step = (b - a) / n;
        for i in 0..n as usize {
            pieces.push((a + i as f64 * step, a + (i + 1) as f64 * step));
        }
    }
    pieces
}

/// The cache key of one piece's text.
fn piece_key(file: &str, model: &str, language: Option<&str>, piece: (f64, f64)) -> String {
    format!(
        "{file}\u{0}{model}\u{0}{}\u{0}{:.0}-{:.0}",
        language.unwrap_or("auto"),
        piece.0 * 1000.0,
        piece.1 * 1000.0
    )
}

fn memory() -> &'static Mutex<HashMap<String, String>> {
    static M: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    M.get_or_init(Default::default)
}

fn disk_file(dir: Option<&Path>, key: &str) -> Option<PathBuf> {
    Some(dir?.join("transcripts").join(levels::stable_hash(key)))
}

fn cached(dir: Option<&Path>, key: &str) -> Option<String> {
    if let Some(t) = memory().lock().unwrap_or_else(|p| p.into_inner()).get(key) {
        return Some(t.clone());
    }
    let text = std::fs::read_to_string(disk_file(dir, key)?).ok()?;
    // The file holds the key on its first line: a hash collision is not a hit.
    let (k, t) = text.split_once('\n')?;
    (k == key.replace('\n', " ")).then(|| t.to_string())
}

fn remember(dir: Option<&Path>, key: &str, text: &str) {
    memory()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.to_string(), text.to_string());
    if let Some(p) = disk_file(dir, key)
        && let Some(dir) = p.parent()
        && std::fs::create_dir_all(dir).is_ok()
        && let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir)
    {
        use std::io::Write;
        let body = format!("{}\n{text}", key.replace('\n', " "));
        if tmp.write_all(body.as_bytes()).is_ok() {
            let _ = tmp.persist(p);
        }
    }
}

/// Takes each whole piece: its index and its 16 kHz samples.
type OnPiece<'a> = dyn FnMut(usize, &[f32]) -> Result<(), AudioError> + 'a;

/// Collects the 16 kHz samples of the pieces as the file is decoded, and hands each piece over
/// as soon as it is whole.
struct Pieces<'a> {
    decoder: Option<StreamDecoder>,
    channels: usize,
    /// 16 kHz samples seen so far (the media time).
    at: u64,
    pieces: &'a [(f64, f64)],
    next: usize,
    current: Vec<f32>,
    done: &'a mut OnPiece<'a>,
    path: &'a Path,
}

impl Pieces<'_> {
    fn take(&mut self, pcm: &[f32]) -> Result<(), AudioError> {
        for &s in pcm {
            let t = self.at as f64 / 16_000.0;
            self.at += 1;
            while let Some(&(a, b)) = self.pieces.get(self.next) {
                if t >= b {
                    let piece = std::mem::take(&mut self.current);
                    (self.done)(self.next, &piece)?;
                    self.next += 1;
                    continue;
                }
                if t >= a {
                    self.current.push(s);
                }
                break;
            }
        }
        Ok(())
    }

    /// The end of the file: the rest of the decoder, and the pieces still open.
    fn finish(&mut self) -> Result<(), AudioError> {
        if let Some(d) = self.decoder.as_mut() {
            let tail = d.finish().map_err(|e| AudioError::read(self.path, e))?;
            self.take(&tail)?;
        }
        while self.next < self.pieces.len() {
            let piece = std::mem::take(&mut self.current);
            (self.done)(self.next, &piece)?;
            self.next += 1;
        }
        Ok(())
    }
}

impl Sink for Pieces<'_> {
    fn start(&mut self, rate: u32, channels: usize) -> Result<(), AudioError> {
        self.channels = channels.max(1);
        self.decoder = Some(
            StreamDecoder::new(SampleFormat::F32le, rate, 1).map_err(|e| {
                AudioError::Unsupported {
                    path: self.path.to_path_buf(),
                    why: format!("{e} (transcription takes 8 to 48 kHz media)"),
                }
            })?,
        );
        Ok(())
    }

    fn push(&mut self, interleaved: &[f32]) -> Result<bool, AudioError> {
        let ch = self.channels;
        let mono: Vec<f32> = if ch == 1 {
            interleaved.to_vec()
        } else {
            interleaved
                .chunks_exact(ch)
                .map(|f| f.iter().sum::<f32>() / ch as f32)
                .collect()
        };
        let Some(d) = self.decoder.as_mut() else {
            return Ok(false);
        };
        let pcm = d
            .push_samples(&mono)
            .map_err(|e| AudioError::read(self.path, e))?;
        self.take(&pcm)?;
        Ok(self.next < self.pieces.len())
    }
}

/// Transcribe the speech the timeline uses. Lines come out in record order.
pub fn transcribe(
    tl: &Timeline,
    access: &MediaAccess,
    model: &dyn Transcribe,
    language: Option<&str>,
) -> Result<Made, HearError> {
    let track = tl
        .tracks
        .iter()
        .position(super::heard_track)
        .or_else(|| tl.tracks.iter().position(|t| t.kind == TrackKind::Video));
    let Some(ti) = track else {
        return Ok(Made::default());
    };
    let name = track_name(tl, ti);
    let rate = tl.rate.as_f64();
    let clip_err = |clip: &str, source: AudioError| match source {
        AudioError::Cancelled => HearError::Cancelled,
        source => HearError::Clip {
            clip: clip.to_string(),
            track: name.clone(),
            source,
        },
    };
    // Each clip: its file, the media seconds it plays, where it sits.
    struct Use {
        clip: usize,
        path: PathBuf,
        from: f64,
        to: f64,
        record: FrameRange,
        media_start: i64,
        source_start: i64,
        speed: f64,
    }
    let mut uses = Vec::new();
    let mut made = Made {
        tracks: name.clone(),
        ..Made::default()
    };
    let mut at = 0i64;
    for (ii, item) in tl.tracks[ti].items.iter().enumerate() {
        let len = item.duration();
        if let Item::Clip(c) = item {
            if c.media.nested.is_some() {
                made.notes
                    .push(format!("{:?} is a compound clip: not transcribed", c.name));
            } else {
                let location =
                    interchange::media_location(&c.media).ok_or_else(|| HearError::NoMedia {
                        clip: c.name.clone(),
                        track: name.clone(),
                    })?;
                let path = access.file(&location).map_err(|e| clip_err(&c.name, e))?;
                let media_start = c.media.available.map_or(0, |a| a.start);
                let speed = if c.speed.is_finite() && c.speed > 0.0 {
                    c.speed
                } else {
                    1.0
                };
                let from = (c.source.start - media_start) as f64 / rate;
                let to = from + c.source.duration as f64 * speed / rate;
                uses.push(Use {
                    clip: ii,
                    path,
                    from,
                    to,
                    record: FrameRange::new(at, len),
                    media_start,
                    source_start: c.source.start,
                    speed,
                });
            }
        }
        at += len;
    }
    let total: usize = uses.len().max(1);
    let cache = access.cache_dir.as_deref();
    for (k, u) in uses.iter().enumerate() {
        let Item::Clip(c) = &tl.tracks[ti].items[u.clip] else {
            continue;
        };
        let levels = levels::of_file(&u.path, access).map_err(|e| clip_err(&c.name, e))?;
        let Some(levels) = levels.as_ref() else {
            made.notes
                .push(format!("{:?} has no sound: not transcribed", c.name));
            continue;
        };
        let pieces = speech_pieces(levels, u.from, u.to);
        let file = levels::file_key(&u.path).map_err(|e| clip_err(&c.name, e))?;
        let keys: Vec<String> = pieces
            .iter()
            .map(|p| piece_key(&file, model.name(), language, *p))
            .collect();
        let mut texts: Vec<Option<String>> = keys.iter().map(|k| cached(cache, k)).collect();
        made.cached += texts.iter().filter(|t| t.is_some()).count();
        let todo: Vec<(f64, f64)> = pieces
            .iter()
            .zip(&texts)
            .filter(|(_, t)| t.is_none())
            .map(|(p, _)| *p)
            .collect();
        if !todo.is_empty() {
            let index_of: Vec<usize> = texts
                .iter()
                .enumerate()
                .filter(|(_, t)| t.is_none())
                .map(|(i, _)| i)
                .collect();
            let n = todo.len();
            let mut heard: Vec<(usize, String)> = Vec::new();
            let mut done = |j: usize, pcm: &[f32]| -> Result<(), AudioError> {
                if crate::task::cancelled() {
                    return Err(AudioError::Cancelled);
                }
                let text = if pcm.is_empty() {
                    String::new()
                } else {
                    model
                        .transcribe(pcm, language)
                        .map_err(|e| AudioError::read(&u.path, e))?
                };
                let text = text.trim().to_string();
                // Kept at once: a request cancelled half way leaves its pieces for the next.
                remember(cache, &keys[index_of[j]], &text);
                heard.push((j, text));
                crate::task::progress(
                    "transcribe",
                    (k as f64 + (j + 1) as f64 / n as f64) / total as f64,
                );
                Ok(())
            };
            let mut sink = Pieces {
                decoder: None,
                channels: 1,
                at: 0,
                pieces: &todo,
                next: 0,
                current: Vec::new(),
                done: &mut done,
                path: &u.path,
            };
            let size = std::fs::metadata(&u.path).map(|m| m.len()).unwrap_or(0);
            levels::stream(&u.path, size, 16_000, &mut sink).map_err(|e| clip_err(&c.name, e))?;
            sink.finish().map_err(|e| clip_err(&c.name, e))?;
            for (j, text) in heard {
                texts[index_of[j]] = Some(text);
            }
            made.transcribed += n;
        }
        for (p, text) in pieces.iter().zip(texts) {
            let Some(text) = text.filter(|t| !t.is_empty()) else {
                continue;
            };
            // Media seconds → record frames of this clip.
            let frame = |t: f64| {
                let played = (t * rate - (u.source_start - u.media_start) as f64) / u.speed;
                (u.record.start + played.round() as i64).clamp(u.record.start, u.record.end())
            };
            let range = FrameRange::from_bounds(frame(p.0), frame(p.1));
            if !range.is_empty() {
                made.lines.push(SubtitleLine {
                    range,
                    speaker: None,
                    text,
                });
            }
        }
    }
    made.lines.sort_by_key(|l| l.range.start);
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Scope;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use voice::VoiceError;

    /// Says how long each piece it hears is; counts its calls.
    struct Counting(AtomicUsize);

    impl Transcribe for Counting {
        fn name(&self) -> &str {
            "counting"
        }
        fn transcribe(&self, pcm: &[f32], _language: Option<&str>) -> Result<String, VoiceError> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            Ok(format!(" piece {n}: {:.2} s ", pcm.len() as f64 / 16_000.0))
        }
    }

    /// 22.05 kHz stereo: 1 s tone bursts after each of `gaps` seconds of hiss (none after the last).
    fn bursts(path: &Path, gaps: &[f64]) {
        crate::synthetic::tone_bursts_wav(path, 22_050, 2, gaps, 1.0).unwrap();
    }

    /// A1 plays media seconds [0, 4.5) then, after a one-second gap, [5.5, 9.5); 25 fps, the
    /// media's timecode starting at 01:00:00:00.
    fn timeline(media: &Path) -> Timeline {
        let clip = |name: &str, from_s: f64, secs: f64| {
            serde_json::json!({"type": "clip", "name": name,
                "media": {"url": format!("file://{}", media.display()),
                          "available": {"start": 90_000, "duration": 300}},
                "source": {"start": 90_000 + (from_s * 25.0) as i64, "duration": (secs * 25.0) as i64}})
        };
        serde_json::from_value(serde_json::json!({
            "name": "t", "rate": {"num": 25, "den": 1}, "start_frame": 0,
            "tracks": [{"name": "A1", "kind": "audio", "items": [
                clip("a", 0.0, 4.5), {"type": "gap", "duration": 25}, clip("b", 5.5, 4.0)]}]
        }))
        .unwrap()
    }

    #[test]
    fn the_speech_a_timeline_plays_becomes_lines_in_record_time_and_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("bursts.wav");
        // Bursts at media 0.5–1.5, 3.0–4.0, 6.0–7.0 and 8.0–9.0 s.
        bursts(&wav, &[0.5, 1.5, 2.0, 1.0, 0.5]);
        let tl = timeline(&wav);
        let access = MediaAccess {
            cache_dir: Some(dir.path().join("cache")),
            ..MediaAccess::default()
        };
        let model = Counting(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let scope = Scope::new(Some(Arc::new(move |stage: &str, f| {
            sink.lock().unwrap().push((stage.to_string(), f))
        })));
        let made = scope
            .run(|| transcribe(&tl, &access, &model, Some("en")))
            .unwrap();
        assert_eq!(made.transcribed, 4, "{made:?}");
        assert_eq!(made.cached, 0);
        // Record frames: clip a plays media 0–4.5 s at 0–112; clip b media 5.5–9.5 s at 137–237.
        let want = [(0.5, 1.5), (3.0, 4.0), (6.0, 7.0), (8.0, 9.0)];
        assert_eq!(made.lines.len(), 4, "{:?}", made.lines);
        for (line, (a, b)) in made.lines.iter().zip(want) {
            let to_record = |t: f64| {
                if t < 5.0 {
                    t * 25.0
                } else {
                    (t - 5.5) * 25.0 + 137.0
                }
            };
            let (ra, rb) = (to_record(a), to_record(b));
            assert!(
                (line.range.start as f64 - ra).abs() <= 6.0,
                "{line:?} vs {ra}–{rb}"
            );
            assert!(
                (line.range.end() as f64 - rb).abs() <= 6.0,
                "{line:?} vs {ra}–{rb}"
            );
            assert!(
                line.text.starts_with("piece ") && line.text.ends_with(" s"),
                "{line:?}"
            );
        }
        // Each piece is about its burst (1 s) plus the padding.
        assert!(made.lines[0].text.contains(": 1.3"), "{:?}", made.lines[0]);
        let stages = seen.lock().unwrap().clone();
        assert!(
            stages.iter().any(|(s, f)| s == "transcribe" && *f >= 0.999),
            "{stages:?}"
        );
        // Again: nothing is transcribed, from memory; and from disk alone (memory cleared).
        let again = transcribe(&tl, &access, &model, Some("en")).unwrap();
        assert_eq!((again.transcribed, again.cached), (0, 4));
        memory().lock().unwrap().clear();
        let disk = transcribe(&tl, &access, &model, Some("en")).unwrap();
        assert_eq!((disk.transcribed, disk.cached), (0, 4));
        assert_eq!(disk.lines, made.lines);
        assert_eq!(
            model.0.load(Ordering::SeqCst),
            4,
            "the model was asked again"
        );
        // Another language is another transcript.
        let zh = transcribe(&tl, &access, &model, Some("zh")).unwrap();
        assert_eq!(zh.transcribed, 4);
    }

    #[test]
    fn a_cancelled_request_stops_transcribing() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("bursts.wav");
        bursts(&wav, &[0.5, 1.5, 2.0, 1.0, 0.5]);
        let tl = timeline(&wav);
        let access = MediaAccess {
            cache_dir: None,
            ..MediaAccess::default()
        };
        let model = Counting(AtomicUsize::new(0));
        let scope = Scope::new(None);
        scope.cancel();
        let r = scope.run(|| transcribe(&tl, &access, &model, None));
        assert!(matches!(r, Err(HearError::Cancelled)), "{r:?}");
        assert_eq!(model.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn speech_is_cut_into_pieces_at_silences_and_whisper_windows() {
        // 1 s quiet, 2 s speech with a 0.2 s dip, 1 s quiet, 70 s speech, quiet.
        let mut db = vec![-70.0f32; 100];
        db.extend(vec![-20.0; 90]);
        db.extend(vec![-70.0; 20]);
        db.extend(vec![-20.0; 90]);
        db.extend(vec![-70.0; 100]);
        db.extend(vec![-20.0; 7000]);
        db.extend(vec![-70.0; 100]);
        let l = Levels { db };
        let p = speech_pieces(&l, 0.0, l.seconds());
        // The dip does not split the first piece; the 70 s one is cut into three.
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(
            (p[0].0 - 0.85).abs() < 1e-9 && (p[0].1 - 3.15).abs() < 1e-9,
            "{p:?}"
        );
        for w in &p[1..] {
            assert!(w.1 - w.0 <= MAX_PIECE_S + 1e-9, "{w:?}");
        }
        assert!((p[3].1 - 74.15).abs() < 1e-6, "{p:?}");
        // Only the range the clip plays.
        let p = speech_pieces(&l, 2.0, 3.0);
        assert_eq!(p, [(2.0, 3.0)]);
    }
}
