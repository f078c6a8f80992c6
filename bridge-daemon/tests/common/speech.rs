//! Speech fixtures made at test time: sentences spoken by espeak-ng, joined with sox between
//! silences of known lengths. The true boundaries of each sentence come from its own samples
//! (first and last sample over 2 % of full scale) before it is joined, so the tests know where
//! the speech is to the sample.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Per-sample level that counts as speech when measuring the truth.
const TRUTH_LEVEL: f32 = 0.02;
/// espeak-ng writes 22.05 kHz mono.
const ESPEAK_RATE: u32 = 22050;

/// Why the speech tests cannot run here (a missing tool), or `None`. CI installs both
/// (scripts/test.sh), so there they always run.
pub fn missing_tools() -> Option<String> {
    for (tool, arg) in [("espeak-ng", "--version"), ("sox", "--version")] {
        let ok = Command::new(tool)
            .arg(arg)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Some(format!(
                "{tool} is not installed (apt-get install espeak-ng sox; scripts/test.sh does)"
            ));
        }
    }
    None
}

/// Skip the calling test with a printed reason when espeak-ng or sox is missing.
#[macro_export]
macro_rules! need_speech_tools {
    () => {
        if let Some(why) = common::speech::missing_tools() {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

pub fn run(cmd: &mut Command) {
    let out = cmd.output().expect("the tool runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn sox(args: &[&str]) {
    run(Command::new("sox").args(["-q"]).args(args));
}

fn samples(path: &Path) -> Vec<f32> {
    let r = hound::WavReader::open(path).expect("a WAV file");
    r.into_samples::<i16>()
        .map(|s| s.expect("a sample") as f32 / 32768.0)
        .collect()
}

/// An assembled recording: its path (22.05 kHz mono s16) and the true speech spans in seconds.
#[derive(Debug)]
pub struct Recording {
    pub wav: PathBuf,
    pub truth: Vec<(f64, f64)>,
    pub seconds: f64,
}

/// `gaps[0]` seconds of silence, then each sentence `(voice, text)` followed by `gaps[i + 1]`.
pub fn assemble(dir: &Path, name: &str, sentences: &[(&str, &str)], gaps: &[f64]) -> Recording {
    assert_eq!(gaps.len(), sentences.len() + 1);
    let mut parts = Vec::new();
    let mut truth = Vec::new();
    let mut at = 0usize;
    let silence = |i: usize, secs: f64| {
        let p = dir.join(format!("{name}-sil{i}.wav"));
        let n = (secs * ESPEAK_RATE as f64).round() as usize;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: ESPEAK_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&p, spec).unwrap();
        for _ in 0..n {
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        (p, n)
    };
    let (p, n) = silence(0, gaps[0]);
    parts.push(p);
    at += n;
    for (i, (voice, text)) in sentences.iter().enumerate() {
        let p = dir.join(format!("{name}-s{i}.wav"));
        run(Command::new("espeak-ng")
            .args(["-v", voice, "-w"])
            .arg(&p)
            .arg(text));
        let s = samples(&p);
        let first = s.iter().position(|x| x.abs() > TRUTH_LEVEL).unwrap();
        let last = s.iter().rposition(|x| x.abs() > TRUTH_LEVEL).unwrap();
        let secs = |k: usize| k as f64 / ESPEAK_RATE as f64;
        truth.push((secs(at + first), secs(at + last + 1)));
        at += s.len();
        parts.push(p);
        let (p, n) = silence(i + 1, gaps[i + 1]);
        parts.push(p);
        at += n;
    }
    let wav = dir.join(format!("{name}.wav"));
    let mut args: Vec<&str> = parts.iter().map(|p| p.to_str().unwrap()).collect();
    args.push(wav.to_str().unwrap());
    sox(&args);
    Recording {
        wav,
        truth,
        seconds: at as f64 / ESPEAK_RATE as f64,
    }
}

/// Two English and two Chinese commands between pauses of 0.6 to 1.2 s.
pub fn commands(dir: &Path) -> Recording {
    assemble(
        dir,
        "commands",
        &[
            ("en", "cut the last clip"),
            ("zh", "把刚才那段加速两倍"),
            ("en", "delete everything Maya says"),
            ("zh", "撤销"),
        ],
        &[0.7, 1.0, 0.8, 1.2, 1.0],
    )
}

/// `rec` with white noise of amplitude `vol` (sox's `vol`, of full scale) mixed under it, written
/// to `name` in `dir`: room tone. The noise is repeatable (`-R`), the same every run.
pub fn under_noise(rec: &Recording, dir: &Path, name: &str, vol: f64) -> PathBuf {
    let noise = dir.join(format!("{name}.noise.wav"));
    let rate = ESPEAK_RATE.to_string();
    sox(&[
        "-R",
        "-n",
        "-r",
        &rate,
        "-c",
        "1",
        "-b",
        "16",
        noise.to_str().unwrap(),
        "synth",
        &format!("{:.3}", rec.seconds),
        "whitenoise",
        "vol",
        &vol.to_string(),
    ]);
    let mixed = dir.join(name);
    sox(&[
        "-m",
        rec.wav.to_str().unwrap(),
        noise.to_str().unwrap(),
        mixed.to_str().unwrap(),
    ]);
    mixed
}
