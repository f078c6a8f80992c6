//! Silence heard in the timeline's media, in record time: what "remove silences longer than 1
//! second" means on a timeline without a transcript.
//!
//! ```text
//! clips of the audio tracks (V1's when there are none) ─► levels::of_file (decode, cached)
//!   ─► each record frame: silent when every 10 ms window it plays is below the clip's threshold
//!   ─► runs of silent frames per track (gaps are silent) ─► intersected over the tracks
//! ```
//!
//! A clip's threshold is relative to its media's own loudness (the 95th percentile of its window
//! levels, minus [`BELOW_LOUD_DB`]), never below the absolute floor [`FLOOR_DB`]: a quiet
//! recording's speech is not taken for silence, and room tone under the floor always is. A clip
//! whose media has no sound, and a compound clip, are never silent (nothing is cut on no
//! information).
//!
//! Safety: only the media files the timeline references are read, read-only, regular files only,
//! within a size budget per request ([`MediaAccess`]); a relative path resolves against the
//! request's media root (the timeline file's folder for `edit`; none for the daemon, which takes
//! only absolute paths). A file that cannot be read is named in the error.

pub mod levels;
pub mod transcribe;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use protocol::{FrameRange, Item, Timeline, TrackKind};

pub use levels::Levels;

/// How far under its media's loud level a window counts as silent.
pub const BELOW_LOUD_DB: f32 = 24.0;
/// Windows under this level are silent whatever the media's loudness.
pub const FLOOR_DB: f32 = -60.0;

/// Why the audio could not be heard.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("{0} is not a regular file")]
    NotAFile(PathBuf),
    #[error("{path} is {bytes} bytes, more than the {limit} bytes one request may read")]
    TooLarge {
        path: PathBuf,
        bytes: u64,
        limit: u64,
    },
    #[error("{path}: its audio cannot be decoded here ({why})")]
    Unsupported { path: PathBuf, why: String },
    #[error("{location:?} is not a local file (a relative path or another URL scheme)")]
    NotLocal { location: String },
    #[error("the analysis was cancelled")]
    Cancelled,
}

impl AudioError {
    pub(crate) fn read(path: &Path, e: impl std::fmt::Display) -> AudioError {
        AudioError::Read {
            path: path.to_path_buf(),
            why: e.to_string(),
        }
    }
}

/// An error about one clip.
#[derive(Debug, thiserror::Error)]
pub enum HearError {
    #[error("cannot hear clip {clip:?} on {track}: {source}")]
    Clip {
        clip: String,
        track: String,
        source: AudioError,
    },
    #[error("clip {clip:?} on {track} has no media file to listen to")]
    NoMedia { clip: String, track: String },
    #[error(
        "the timeline's media add up to {bytes} bytes, more than the {limit} bytes one request may read"
    )]
    Budget { bytes: u64, limit: u64 },
    #[error("the analysis was cancelled")]
    Cancelled,
}

/// What a request may read: defined with the request's scope ([`crate::task`], which carries it
/// into the work), its limits and lookups here.
pub use crate::task::MediaAccess;

impl Default for MediaAccess {
    fn default() -> Self {
        MediaAccess {
            root: None,
            max_file_bytes: 64 << 30,
            max_total_bytes: 256 << 30,
            cache_dir: levels::default_cache_dir(),
        }
    }
}

impl MediaAccess {
    /// The local file a media location names, under this access.
    fn file(&self, location: &str) -> Result<PathBuf, AudioError> {
        let path = interchange::media_url_path(location);
        let local = |p: &str| !p.contains("://");
        if !local(&path) {
            return Err(AudioError::NotLocal {
                location: location.to_string(),
            });
        }
        let p = PathBuf::from(&path);
        if p.is_absolute() {
            return Ok(p);
        }
        match &self.root {
            Some(root) => Ok(root.join(p)),
            None => Err(AudioError::NotLocal {
                location: location.to_string(),
            }),
        }
    }
}

/// Silence heard in the timeline, in record frames.
#[derive(Clone, Debug, Default)]
pub struct Heard {
    /// Silent record ranges, sorted, disjoint (any length: the caller picks the long ones).
    pub silent: Vec<FrameRange>,
    /// What was listened to ("A1, A2", or "V1's media").
    pub tracks: String,
    /// Media files read.
    pub files: usize,
    /// Clips that could not be heard and so are never silent.
    pub notes: Vec<String>,
}

/// The loud level of a media file: the 95th percentile of its windows.
fn loud_db(levels: &Levels) -> f32 {
    let mut v: Vec<f32> = levels
        .db
        .iter()
        .copied()
        .filter(|d| *d > levels::FLOOR_DB)
        .collect();
    if v.is_empty() {
        return levels::FLOOR_DB;
    }
    let k = ((v.len() as f64 * 0.95) as usize).min(v.len() - 1);
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    *x
}

/// Silent runs of a clip in record frames, `r0` its record start.
fn clip_silence(tl: &Timeline, clip: &protocol::Clip, r0: i64, levels: &Levels) -> Vec<FrameRange> {
    let threshold = (loud_db(levels) - BELOW_LOUD_DB).max(FLOOR_DB);
    let rate = tl.rate.as_f64();
    let media_start = clip.media.available.map_or(0, |a| a.start);
    let speed = if clip.speed.is_finite() && clip.speed != 0.0 {
        clip.speed
    } else {
        1.0
    };
    let window = |t: f64| (t / levels::WINDOW_S).floor() as i64;
    let silent_frame = |k: i64| {
        let a = (clip.source.start - media_start) as f64 + k as f64 * speed;
        let b = a + speed;
        let (t0, t1) = if a <= b { (a, b) } else { (b, a) };
        let (w0, w1) = (
            window(t0 / rate),
            window(t1 / rate).max(window(t0 / rate) + 1),
        );
        (w0..w1).all(|w| {
            usize::try_from(w)
                .ok()
                .and_then(|w| levels.db.get(w))
                .is_none_or(|d| *d < threshold)
        })
    };
    let mut out: Vec<FrameRange> = Vec::new();
    let mut run: Option<i64> = None;
    for k in 0..clip.source.duration {
        match (silent_frame(k), run) {
            (true, None) => run = Some(k),
            (false, Some(s)) => {
                out.push(FrameRange::from_bounds(r0 + s, r0 + k));
                run = None;
            }
            _ => {}
        }
    }
    if let Some(s) = run {
        out.push(FrameRange::from_bounds(r0 + s, r0 + clip.source.duration));
    }
    out
}

/// Intersect two sorted lists of disjoint ranges.
fn intersect(a: &[FrameRange], b: &[FrameRange]) -> Vec<FrameRange> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let s = a[i].start.max(b[j].start);
        let e = a[i].end().min(b[j].end());
        if s < e {
            out.push(FrameRange::from_bounds(s, e));
        }
        if a[i].end() < b[j].end() {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Listen to the timeline: silent record ranges of its audio tracks (every enabled audio track
/// with clips must be silent at once), or of its first video track's media when it has no audio
/// track.
pub fn hear(tl: &Timeline, access: &MediaAccess) -> Result<Heard, HearError> {
    let audio: Vec<usize> = tl
        .tracks
        .iter()
        .enumerate()
        .filter(|(_, t)| heard_track(t))
        .map(|(i, _)| i)
        .collect();
    let (tracks, label): (Vec<usize>, String) = if audio.is_empty() {
        let v1 = tl
            .tracks
            .iter()
            .position(|t| t.kind == TrackKind::Video)
            .into_iter()
            .collect();
        (v1, "V1's media".to_string())
    } else {
        let names: Vec<String> = audio.iter().map(|&i| track_name(tl, i)).collect();
        (audio, names.join(", "))
    };
    // The files, and the budget, before any decoding.
    // (track, item) → file.
    let mut files: BTreeMap<(usize, usize), PathBuf> = BTreeMap::new();
    let mut notes = Vec::new();
    for &ti in &tracks {
        for (ii, item) in tl.tracks[ti].items.iter().enumerate() {
            let Item::Clip(c) = item else { continue };
            if c.media.nested.is_some() {
                notes.push(format!(
                    "{:?} is a compound clip: its sound is not analysed, so it is never cut as silence",
                    c.name
                ));
                continue;
            }
            let Some(location) = interchange::media_location(&c.media) else {
                return Err(HearError::NoMedia {
                    clip: c.name.clone(),
                    track: track_name(tl, ti),
                });
            };
            let path = access.file(&location).map_err(|source| HearError::Clip {
                clip: c.name.clone(),
                track: track_name(tl, ti),
                source,
            })?;
            files.insert((ti, ii), path);
        }
    }
    let mut distinct: Vec<&PathBuf> = files.values().collect();
    distinct.sort();
    distinct.dedup();
    let total: u64 = distinct
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    if total > access.max_total_bytes {
        return Err(HearError::Budget {
            bytes: total,
            limit: access.max_total_bytes,
        });
    }
    let count = distinct.len();
    let duration = tl.duration();
    let mut combined: Option<Vec<FrameRange>> = None;
    let mut done = 0usize;
    for &ti in &tracks {
        let track = &tl.tracks[ti];
        let mut silent = Vec::new();
        let mut at = 0i64;
        for (ii, item) in track.items.iter().enumerate() {
            let len = item.duration();
            match item {
                Item::Gap(_) => silent.push(FrameRange::new(at, len)),
                Item::Clip(c) => {
                    if let Some(path) = files.get(&(ti, ii)) {
                        if crate::task::cancelled() {
                            return Err(HearError::Cancelled);
                        }
                        let levels =
                            levels::of_file(path, access).map_err(|source| match source {
                                AudioError::Cancelled => HearError::Cancelled,
                                source => HearError::Clip {
                                    clip: c.name.clone(),
                                    track: track_name(tl, ti),
                                    source,
                                },
                            })?;
                        done += 1;
                        crate::task::progress("audio", done as f64 / files.len().max(1) as f64);
                        match levels.as_ref() {
                            Some(l) => silent.extend(clip_silence(tl, c, at, l)),
                            None => notes.push(format!(
                                "{:?} ({}) has no sound: it is never cut as silence",
                                c.name,
                                path.display()
                            )),
                        }
                    }
                }
                Item::Transition(_) => {}
            }
            at += len;
        }
        if at < duration {
            silent.push(FrameRange::from_bounds(at, duration));
        }
        let silent = protocol::merge_ranges(silent);
        combined = Some(match combined {
            None => silent,
            Some(c) => intersect(&c, &silent),
        });
    }
    Ok(Heard {
        silent: combined.unwrap_or_default(),
        tracks: label,
        files: count,
        notes,
    })
}

/// An enabled audio track with clips: a track whose sound is listened to.
fn heard_track(t: &protocol::Track) -> bool {
    t.kind == TrackKind::Audio && t.enabled && t.items.iter().any(|i| matches!(i, Item::Clip(_)))
}

fn track_name(tl: &Timeline, i: usize) -> String {
    let t = &tl.tracks[i];
    if !t.name.is_empty() {
        return t.name.clone();
    }
    let kind = if t.kind == TrackKind::Audio { "A" } else { "V" };
    let n = tl.tracks[..=i].iter().filter(|x| x.kind == t.kind).count();
    format!("{kind}{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: i64, b: i64) -> FrameRange {
        FrameRange::from_bounds(a, b)
    }

    #[test]
    fn ranges_intersect() {
        assert_eq!(
            intersect(&[r(0, 10), r(20, 30)], &[r(5, 25), r(28, 40)]),
            [r(5, 10), r(20, 25), r(28, 30)]
        );
    }

    #[test]
    fn the_threshold_follows_the_media_loudness_above_a_floor() {
        // Speech at −20 dBFS half the time, room tone at −50 between.
        let mut db = vec![-50.0; 100];
        db.extend(vec![-20.0; 100]);
        let l = Levels { db };
        assert_eq!(loud_db(&l), -20.0);
        // A quiet recording: speech at −52, hiss at −75: the floor of −60 still parts them.
        let mut db = vec![-75.0; 100];
        db.extend(vec![-52.0; 100]);
        assert_eq!(loud_db(&Levels { db }), -52.0);
        assert_eq!(
            loud_db(&Levels {
                db: vec![levels::FLOOR_DB; 10]
            }),
            levels::FLOOR_DB
        );
    }
}
