//! A media file's loudness over time: its first audio track decoded (symphonia: WAV, AIFF, CAF,
//! MP4/MOV with AAC, ALAC or PCM, MP3, FLAC, Matroska; `ffmpeg` on the PATH as a fallback for
//! what symphonia cannot read, MXF among them), folded to mono, as the RMS level in dBFS of each
//! 10 ms window. Cached per file (path, size, modification time) in memory and on disk, so a
//! second instruction on the same media does not decode it again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::UNIX_EPOCH;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::AudioError;

/// The length of one level window.
pub const WINDOW_S: f64 = 0.01;
/// The level of digital silence (a window of zeros).
pub const FLOOR_DB: f32 = -120.0;

/// A file's levels: one dBFS value per 10 ms window from the start of its first audio track.
#[derive(Clone, Debug, PartialEq)]
pub struct Levels {
    pub db: Vec<f32>,
}

impl Levels {
    /// Seconds of audio.
    pub fn seconds(&self) -> f64 {
        self.db.len() as f64 * WINDOW_S
    }
}

/// Where decoded audio goes, block by block.
pub(crate) trait Sink {
    /// The stream's format, before its first block.
    fn start(&mut self, rate: u32, channels: usize) -> Result<(), AudioError>;
    /// Interleaved samples; `false` stops the decoding (the sink has what it needs).
    fn push(&mut self, interleaved: &[f32]) -> Result<bool, AudioError>;
}

/// Folds samples into windows: mean square of every sample (every channel) of each window.
struct Windows {
    per_window: usize,
    sum: f64,
    n: usize,
    db: Vec<f32>,
}

impl Windows {
    fn new(rate: u32, channels: usize) -> Windows {
        Windows {
            per_window: ((rate as f64 * WINDOW_S).round() as usize).max(1) * channels.max(1),
            sum: 0.0,
            n: 0,
            db: Vec::new(),
        }
    }

    fn push(&mut self, samples: &[f32]) {
        for &s in samples {
            let s = if s.is_finite() { f64::from(s) } else { 0.0 };
            self.sum += s * s;
            self.n += 1;
            if self.n == self.per_window {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if self.n > 0 {
            let ms = self.sum / self.n as f64;
            let db = if ms <= 1e-12 {
                FLOOR_DB
            } else {
                ((10.0 * ms.log10()) as f32).max(FLOOR_DB)
            };
            self.db.push(db);
        }
        self.sum = 0.0;
        self.n = 0;
    }

    fn finish(mut self) -> Levels {
        self.flush();
        Levels { db: self.db }
    }
}

impl Sink for Windows {
    fn start(&mut self, rate: u32, channels: usize) -> Result<(), AudioError> {
        *self = Windows::new(rate, channels);
        Ok(())
    }

    fn push(&mut self, interleaved: &[f32]) -> Result<bool, AudioError> {
        Windows::push(self, interleaved);
        Ok(true)
    }
}

/// Decode `path` with symphonia into `sink`. `Ok(false)` when the file has no audio track.
fn stream_symphonia(path: &Path, size: u64, sink: &mut dyn Sink) -> Result<bool, AudioError> {
    let unsupported = |why: String| AudioError::Unsupported {
        path: path.to_path_buf(),
        why,
    };
    let file = File::open(path).map_err(|e| AudioError::read(path, e))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| unsupported(e.to_string()))?;
    let mut format = probed.format;
    let Some(track) = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL && t.codec_params.sample_rate.is_some())
    else {
        return Ok(false);
    };
    let track_id = track.id;
    let frames = track.codec_params.n_frames;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| unsupported(e.to_string()))?;
    let mut started = false;
    let mut buf: Option<SampleBuffer<f32>> = None;
    let mut decoded: u64 = 0;
    let mut packets = 0u64;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(AudioError::read(path, e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        packets += 1;
        if packets % 256 == 0 {
            if crate::task::cancelled() {
                return Err(AudioError::Cancelled);
            }
            let done = match frames {
                Some(n) if n > 0 => decoded as f64 / n as f64,
                _ => packet.ts() as f64 / (size as f64).max(1.0),
            };
            crate::task::progress("audio", done);
        }
        match decoder.decode(&packet) {
            Ok(audio) => {
                let spec = *audio.spec();
                decoded += audio.frames() as u64;
                if !started {
                    sink.start(spec.rate, spec.channels.count())?;
                    started = true;
                }
                let b = match &mut buf {
                    Some(b) if b.capacity() >= audio.capacity() * spec.channels.count() => b,
                    _ => buf.insert(SampleBuffer::new(audio.capacity() as u64, spec)),
                };
                b.copy_interleaved_ref(audio);
                if !sink.push(b.samples())? {
                    break;
                }
            }
            // A damaged packet: skip it, as players do.
            Err(SymError::DecodeError(_)) => continue,
            Err(e) => return Err(unsupported(e.to_string())),
        }
    }
    if !started {
        let rate = track_rate(format.as_ref(), track_id);
        sink.start(rate, 1)?;
    }
    Ok(true)
}

fn track_rate(format: &dyn symphonia::core::formats::FormatReader, id: u32) -> u32 {
    format
        .tracks()
        .iter()
        .find(|t| t.id == id)
        .and_then(|t| t.codec_params.sample_rate)
        .unwrap_or(48_000)
}

/// Decode with `ffmpeg` (when it is installed) into `sink`: mono float samples at `rate`.
/// `None` when ffmpeg cannot be run.
fn stream_ffmpeg(path: &Path, rate: u32, sink: &mut dyn Sink) -> Option<Result<bool, AudioError>> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-vn",
            "-ac",
            "1",
            "-ar",
            &rate.to_string(),
            "-f",
            "f32le",
            "-",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let stop = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    if let Err(e) = sink.start(rate, 1) {
        stop(&mut child);
        return Some(Err(e));
    }
    let mut chunk = vec![0u8; 64 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut any = false;
    loop {
        if crate::task::cancelled() {
            stop(&mut child);
            return Some(Err(AudioError::Cancelled));
        }
        let n = match out.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                stop(&mut child);
                return Some(Err(AudioError::read(path, e)));
            }
        };
        any = true;
        carry.extend_from_slice(&chunk[..n]);
        let whole = carry.len() / 4 * 4;
        let samples: Vec<f32> = carry[..whole]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        carry.drain(..whole);
        match sink.push(&samples) {
            Ok(true) => {}
            Ok(false) => {
                stop(&mut child);
                return Some(Ok(true));
            }
            Err(e) => {
                stop(&mut child);
                return Some(Err(e));
            }
        }
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status = child.wait().ok()?;
    if !status.success() {
        return Some(Err(AudioError::Unsupported {
            path: path.to_path_buf(),
            why: format!("ffmpeg: {}", err.trim()),
        }));
    }
    // ffmpeg writes nothing for a file without sound.
    Some(Ok(any))
}

/// Decode a file into `sink`: symphonia, then ffmpeg (at `ffmpeg_rate`) for what symphonia
/// cannot read. `Ok(false)`: the file has no sound.
pub(crate) fn stream(
    path: &Path,
    size: u64,
    ffmpeg_rate: u32,
    sink: &mut dyn Sink,
) -> Result<bool, AudioError> {
    match stream_symphonia(path, size, sink) {
        Err(AudioError::Unsupported { why, .. }) => match stream_ffmpeg(path, ffmpeg_rate, sink) {
            Some(r) => r,
            None => Err(AudioError::Unsupported {
                path: path.to_path_buf(),
                why: format!("{why} (and ffmpeg is not installed to try)"),
            }),
        },
        other => other,
    }
}

/// Decode a file to its levels (`None`: it has no sound).
pub fn decode(path: &Path, size: u64) -> Result<Option<Levels>, AudioError> {
    let mut w = Windows::new(48_000, 1);
    let has = stream(path, size, 8_000, &mut w)?;
    Ok(has.then(|| w.finish()).filter(|l| !l.db.is_empty()))
}

/// What identifies a file's contents without reading them.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Key {
    path: PathBuf,
    size: u64,
    mtime_ns: u128,
}

impl Key {
    fn of(path: &Path) -> Result<(Key, std::fs::Metadata), AudioError> {
        let meta = std::fs::metadata(path).map_err(|e| AudioError::read(path, e))?;
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let key = Key {
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            size: meta.len(),
            mtime_ns,
        };
        Ok((key, meta))
    }

    fn text(&self) -> String {
        format!("{}\0{}\0{}", self.path.display(), self.size, self.mtime_ns)
    }

    fn hex(&self) -> String {
        stable_hash(&self.text())
    }
}

/// FNV-1a of `text` in hex: stable across runs and builds (the standard hasher is not).
pub(crate) fn stable_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// What identifies a file's contents (its path, size and modification time), as text.
pub(crate) fn file_key(path: &Path) -> Result<String, AudioError> {
    Ok(Key::of(path)?.0.text())
}

/// The levels analysed in this process, by file (at most this many kept).
const MEMORY_ENTRIES: usize = 512;

fn memory() -> &'static Mutex<HashMap<Key, Arc<Option<Levels>>>> {
    static M: OnceLock<Mutex<HashMap<Key, Arc<Option<Levels>>>>> = OnceLock::new();
    M.get_or_init(Default::default)
}

/// Forget the levels held in memory (the disk cache stays): for measuring the disk cache.
pub fn clear_memory_cache() {
    memory().lock().unwrap_or_else(|p| p.into_inner()).clear();
}

/// `<cache dir>/cutbridge/audio-levels`, or `$CUTBRIDGE_CACHE_DIR/audio-levels`.
/// `$CUTBRIDGE_CACHE_DIR`, else `<cache dir>/cutbridge`: where analyses are kept by default.
pub fn default_cache_dir() -> Option<PathBuf> {
    match std::env::var_os("CUTBRIDGE_CACHE_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => Some(dirs::cache_dir()?.join("cutbridge")),
    }
}

const MAGIC: &[u8; 8] = b"CBLEVEL1";

fn read_disk(dir: Option<&Path>, key: &Key) -> Option<Option<Levels>> {
    let p = dir?.join("audio-levels").join(key.hex());
    let bytes = std::fs::read(p).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (&has, rest) = rest.split_first()?;
    if has == 0 {
        return Some(None);
    }
    if rest.len() % 4 != 0 {
        return None;
    }
    let db = rest
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some(Some(Levels { db }))
}

fn write_disk(dir: Option<&Path>, key: &Key, levels: &Option<Levels>) {
    let Some(dir) = dir.map(|d| d.join("audio-levels")) else {
        return;
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let mut bytes = MAGIC.to_vec();
    match levels {
        None => bytes.push(0),
        Some(l) => {
            bytes.push(1);
            bytes.reserve(l.db.len() * 4);
            for v in &l.db {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    // A whole file or none: written beside, then renamed over.
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&dir) else {
        return;
    };
    if tmp.write_all(&bytes).is_ok() {
        let _ = tmp.persist(dir.join(key.hex()));
    }
}

/// The levels of a media file (`None`: it has no sound), from the caches (memory, then
/// `access.cache_dir`) when its path, size and modification time are unchanged. Only regular
/// files are read, and only up to `access.max_file_bytes`.
pub fn of_file(
    path: &Path,
    access: &super::MediaAccess,
) -> Result<Arc<Option<Levels>>, AudioError> {
    let max_bytes = access.max_file_bytes;
    let dir = access.cache_dir.as_deref();
    let (key, meta) = Key::of(path)?;
    if !meta.is_file() {
        return Err(AudioError::NotAFile(path.to_path_buf()));
    }
    if meta.len() > max_bytes {
        return Err(AudioError::TooLarge {
            path: path.to_path_buf(),
            bytes: meta.len(),
            limit: max_bytes,
        });
    }
    if let Some(l) = memory().lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(l.clone());
    }
    let levels = match read_disk(dir, &key) {
        Some(l) => l,
        None => {
            let l = decode(path, meta.len())?;
            write_disk(dir, &key, &l);
            l
        }
    };
    let levels = Arc::new(levels);
    let mut mem = memory().lock().unwrap_or_else(|p| p.into_inner());
    if mem.len() >= MEMORY_ENTRIES {
        mem.clear();
    }
    mem.insert(key, levels.clone());
    Ok(levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_rms_in_dbfs() {
        let mut w = Windows::new(1000, 1);
        // A full-scale square wave (RMS 1 = 0 dBFS), then a tenth of it (−20 dB), then zeros.
        let loud: Vec<f32> = (0..10)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        w.push(&loud);
        w.push(&[0.1; 10]);
        w.push(&[0.0; 10]);
        w.push(&[0.5; 3]);
        let l = w.finish();
        assert_eq!(l.db.len(), 4, "three whole windows and a partial one");
        assert!(l.db[0].abs() < 1e-4);
        assert!((l.db[1] + 20.0).abs() < 1e-3);
        assert_eq!(l.db[2], FLOOR_DB);
        assert!((l.db[3] + 6.0206).abs() < 1e-3);
        // Stereo: a window holds its frames of every channel.
        let mut w = Windows::new(1000, 2);
        w.push(&[0.1; 20]);
        assert_eq!(w.finish().db.len(), 1);
    }
}
