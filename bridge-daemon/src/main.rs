//! `bridge-daemon`: the CutBridge command line. Errors become one stderr line and an exit code:
//! 0 changed, 2 nothing to change (not understood, no match, unsupported), 1 bad input.
//! `serve` runs the resident daemon; `ask` sends one instruction to it (or runs it offline).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use bridge_daemon::interchange::{self, Format};
use bridge_daemon::prefs;
use bridge_daemon::understand::Understand;
use bridge_daemon::understand::backend::{self, BackendKind, BackendOptions};
use bridge_daemon::understand::openai::SchemaMode;
use bridge_daemon::understand::rules::Rules;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "bridge-daemon",
    version,
    about = "CutBridge: edit timelines by saying what you want"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply one instruction to a timeline file and write the edited timeline.
    Edit(EditArgs),
    /// Write the protocol's JSON Schemas into a folder (and the reference part of
    /// docs/protocol.md with --doc).
    Schema {
        #[arg(long, default_value = "protocol/schema")]
        out: PathBuf,
        /// docs/protocol.md: regenerate everything after its "generated" marker line.
        #[arg(long)]
        doc: Option<PathBuf>,
    },
    /// Run the daemon: JSON-RPC 2.0 over WebSocket, for the NLE adapters.
    Serve(ServeArgs),
    /// Send one instruction to the running daemon (offline when none answers).
    Ask(AskArgs),
    /// Write an HTML report (and a Markdown summary beside it) of what a cut list or
    /// instructions do to a timeline.
    Report(ReportArgs),
    /// Assemble a timeline from a script: each line matched to the take in a bin that says it.
    Assemble(AssembleArgs),
    /// A project's standing preferences (protected lines and ranges, margins around cuts, the
    /// default transition, words that are not filler): show, set or clear them.
    Prefs {
        #[command(subcommand)]
        action: PrefsAction,
    },
    /// Install an adapter where its host looks for it: the Resolve scripts, the Premiere panel,
    /// or the OpenFX bundle.
    Install(InstallArgs),
    /// Find the utterances in a recording (voice activity detection) and transcribe them: the
    /// offline twin of the daemon's voice path. Exit 0 when every utterance has its text (or with
    /// --vad-only), 2 when there is speech but no text (no Whisper model), 1 on bad input.
    Listen(ListenArgs),
    /// A local language model folder: `model check DIR` loads it, answers one instruction with
    /// the daemon's prompt and schema, and prints load time, speed and memory.
    Model {
        #[command(subcommand)]
        action: ModelAction,
    },
}

#[derive(clap::Args, Debug)]
struct ListenArgs {
    /// A WAV file: 16-bit, 24-bit, 32-bit or float PCM, mono or stereo, 8 to 48 kHz.
    #[arg(long)]
    file: PathBuf,
    /// Only find the utterances; no transcription.
    #[arg(long)]
    vad_only: bool,
    /// Print one JSON document instead of lines.
    #[arg(long)]
    json: bool,
    /// The language spoken: zh, en or auto.
    #[arg(long, default_value = "auto")]
    language: String,
    /// A Whisper model folder from Hugging Face (config.json, model.safetensors, tokenizer.json).
    #[arg(long)]
    whisper: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Adapter {
    /// The Resolve scripts (Workspace ▸ Scripts) and their Python package.
    Resolve,
    /// Premiere Pro: the UXP plug-in for 25.6 and later (a .ccx through Adobe's installer), the
    /// CEP panel for older versions (Window ▸ Extensions ▸ CutBridge); says which it did.
    Premiere,
    /// The OpenFX node (CutBridge.ofx.bundle).
    Ofx,
}

#[derive(clap::Args, Debug)]
struct InstallArgs {
    adapter: Adapter,
    /// Install into this folder instead of the host's standard one.
    #[arg(long)]
    dest: Option<PathBuf>,
    /// Where CutBridge's files are: the source checkout (found from this binary's location or the
    /// current folder when not given), or for `ofx` the built `CutBridge.ofx.bundle`.
    #[arg(long)]
    from: Option<PathBuf>,
    /// Print what would be done and change nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(clap::Args, Debug)]
struct AssembleArgs {
    /// The script: one line of dialogue per line (blank lines and `#` comments skipped).
    #[arg(long)]
    script: PathBuf,
    /// The bin: an OTIO (or protocol JSON) timeline whose V1 clips are the takes.
    #[arg(long)]
    clips: PathBuf,
    /// A folder of SRT transcripts, one per clip, named after the clip (`NAME.srt`) or its media
    /// file (`FILE.srt` for `FILE.mov`), timed from the clip's first frame.
    #[arg(long)]
    subtitles: PathBuf,
    /// The assembled timeline; the format follows the extension. Its transcript is written
    /// beside it as SRT (same name, `.srt`).
    #[arg(long)]
    output: PathBuf,
    /// A coverage report as HTML: each script line, the chosen take and why, the alternates with
    /// their scores, the lines no take says, the runtime.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum PrefsAction {
    /// Print a project's preferences as JSON.
    Show(PrefsProject),
    /// Add to or change a project's preferences.
    Set(PrefsSet),
    /// Forget a project's preferences.
    Clear(PrefsProject),
}

#[derive(clap::Args, Debug)]
struct PrefsProject {
    /// The project: the timeline's name.
    #[arg(long)]
    project: String,
    #[command(flatten)]
    dir: PrefsDir,
}

#[derive(clap::Args, Debug, Clone, Default)]
struct PrefsDir {
    /// Where preferences are kept [default: $CUTBRIDGE_PREFS_DIR, else <data dir>/cutbridge/prefs].
    #[arg(long)]
    prefs_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct PrefsSet {
    #[command(flatten)]
    project: PrefsProject,
    /// Seconds kept on each side of every cut.
    #[arg(long)]
    margin: Option<f64>,
    /// Seconds of a transition whose instruction names no length.
    #[arg(long)]
    transition: Option<f64>,
    /// A span never cut, in seconds from the first frame: FROM-TO (repeatable).
    #[arg(long, value_name = "FROM-TO")]
    protect_range: Vec<String>,
    /// A line never cut: SPEAKER:first, SPEAKER:last or SPEAKER:N (repeatable).
    #[arg(long, value_name = "SPEAKER:WHICH")]
    protect_line: Vec<String>,
    /// Lines containing this text are never cut (repeatable).
    #[arg(long)]
    protect_text: Vec<String>,
    /// A word never counted as filler (repeatable).
    #[arg(long)]
    keep_word: Vec<String>,
    /// A preference said as an instruction ("always keep 0.2 s of air around every cut").
    #[arg(long)]
    say: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// The timeline: OpenTimelineIO JSON (.otio) or the protocol's timeline JSON (.json).
    #[arg(long)]
    timeline: PathBuf,
    /// The transcript as SRT, timed from the timeline's first frame.
    #[arg(long)]
    subtitles: Option<PathBuf>,
    /// An instruction to run (rules backend); repeat for several, each applied after the last.
    #[arg(long)]
    instruction: Vec<String>,
    /// A cut list (JSON, `{"operations": [...]}`) to report on instead of instructions.
    #[arg(long, conflicts_with = "instruction")]
    cut_list: Option<PathBuf>,
    /// The HTML page to write; the Markdown summary goes beside it (same name, `.md`).
    #[arg(long)]
    output: PathBuf,
    #[command(flatten)]
    prefs: PrefsDir,
}

/// The understanding backend's options, shared by `edit`, `serve` and `ask` (offline).
#[derive(clap::Args, Debug, Clone, Default)]
struct BackendArgs {
    /// Who understands instructions: rules (the default: no model), chatglm (--model DIR),
    /// openai (an OpenAI-compatible server: --openai-url, --openai-model) or auto (chatglm when a
    /// model folder is given and loads, else rules).
    #[arg(long, value_name = "BACKEND")]
    backend: Option<BackendKind>,
    /// The ChatGLM model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json or tokenizer.model).
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Quantize the ChatGLM model on load: q8_0 (8 bits) or q4k (about 4.5 bits, for 6–8 GB
    /// cards) [default: as the files hold it].
    #[arg(long, value_name = "QUANT")]
    quant: Option<inference::Quant>,
    /// The OpenAI-compatible server's base URL (http://gpu-box:8000); the API key, if it needs
    /// one, is read from $CUTBRIDGE_OPENAI_API_KEY.
    #[arg(long, value_name = "URL")]
    openai_url: Option<String>,
    /// The model name that server serves (vllm serve NAME).
    #[arg(long, value_name = "NAME")]
    openai_model: Option<String>,
    /// How the intent schema is sent: response_format, guided_json (vLLM) or both.
    #[arg(long, value_name = "MODE")]
    openai_schema_mode: Option<SchemaMode>,
    /// Seconds one request to the server may take, retries included [default: 30].
    #[arg(long, value_name = "SECONDS")]
    openai_timeout: Option<f64>,
}

impl BackendArgs {
    /// These flags over `base` (a config file's settings, or the defaults).
    fn options(&self, mut base: BackendOptions) -> Result<BackendOptions, Exit> {
        if let Some(k) = self.backend {
            base.kind = k;
        }
        if self.model.is_some() {
            base.model_dir = self.model.clone();
        }
        if self.quant.is_some() {
            base.quant = self.quant;
        }
        if let Some(u) = &self.openai_url {
            base.openai.url = u.clone();
        }
        if let Some(m) = &self.openai_model {
            base.openai.model = m.clone();
        }
        if let Some(m) = self.openai_schema_mode {
            base.openai.schema_mode = m;
        }
        if let Some(t) = self.openai_timeout {
            if !(t.is_finite() && t > 0.0 && t <= 86_400.0) {
                return Err(Exit(
                    1,
                    format!("--openai-timeout {t}: give a number of seconds above 0"),
                ));
            }
            base.openai.timeout_ms = ((t * 1000.0).round() as u64).max(1);
        }
        Ok(base)
    }
}

/// Set up the backend, printing a model's loading progress on stderr; the choice is said once
/// when it is not the plain rules.
fn select_backend(opts: &BackendOptions) -> Result<std::sync::Arc<dyn Understand>, Exit> {
    let progress = |f: f32, msg: &str| {
        eprintln!(
            "bridge-daemon: loading the model: {:>3.0}% {msg}",
            f * 100.0
        );
    };
    let selected = backend::select(opts, &progress).map_err(|e| Exit(1, e.to_string()))?;
    if opts.kind != BackendKind::Rules {
        eprintln!("bridge-daemon: {}", selected.note);
    }
    Ok(selected.backend)
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:7717]; port 0 picks a free port.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// A JSON config file (see docs/protocol.md); flags override it [default:
    /// <config dir>/cutbridge/config.json, when it exists].
    #[arg(long)]
    config: Option<PathBuf>,
    /// A browser origin that may connect besides clients that send none (repeatable): an exact
    /// origin, `file://` (pages loaded from files: the Premiere CEP panel) or `null`.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// The token file [default: <config dir>/cutbridge/token, created with mode 0600].
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Allow a non-loopback --listen address (no TLS: use a trusted network or a tunnel).
    #[arg(long)]
    allow_remote: bool,
    /// The audit log, JSON lines [default: <state dir>/cutbridge/audit.jsonl].
    #[arg(long)]
    audit_log: Option<PathBuf>,
    #[command(flatten)]
    backend: BackendArgs,
    /// A Whisper model folder from Hugging Face (config.json, model.safetensors, tokenizer.json)
    /// for voice commands; without it voice streams get utterances but no text.
    #[arg(long)]
    whisper: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct AskArgs {
    /// The daemon.
    #[arg(long, default_value_t = format!("ws://127.0.0.1:{}", bridge_daemon::server::DEFAULT_PORT))]
    url: String,
    /// The daemon's token file [default: <config dir>/cutbridge/token].
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// The timeline: OpenTimelineIO JSON (.otio) or the protocol's timeline JSON (.json).
    #[arg(long)]
    timeline: PathBuf,
    /// The transcript as SRT, timed from the timeline's first frame.
    #[arg(long)]
    subtitles: Option<PathBuf>,
    /// Write the edited timeline here; the format follows the extension.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Seconds to wait for the daemon to answer the connection.
    #[arg(long, default_value_t = 3.0)]
    connect_timeout: f64,
    /// The backend used when no daemon answers (the daemon uses its own).
    #[command(flatten)]
    backend: BackendArgs,
    /// What to do, in Chinese or English.
    text: String,
}

#[derive(clap::Args, Debug)]
struct EditArgs {
    /// The timeline: OpenTimelineIO (.otio, .otioz), a CMX3600 EDL (.edl, with --rate), FCP7 XML
    /// from Premiere (.xml), FCPXML (.fcpxml) or the protocol's timeline JSON (.json); the
    /// content decides where it is unmistakable, else the extension.
    #[arg(long)]
    timeline: PathBuf,
    /// The frame rate of a timeline whose file does not say it (an EDL): 24, 25, 29.97, 23.976…
    #[arg(long)]
    rate: Option<f64>,
    /// The transcript: SRT or WebVTT, in any common encoding (UTF-8/16/32, GB18030), timed from
    /// the timeline's first frame or from its start timecode (said in --explain).
    #[arg(long)]
    subtitles: Option<PathBuf>,
    /// What to do, in Chinese or English.
    #[arg(long)]
    instruction: String,
    /// Without a transcript, make one from the media (with --whisper) when the instruction needs
    /// lines (speakers, what is said, emotions, filler); it is cached per media file.
    #[arg(long)]
    transcribe: bool,
    /// A Whisper model folder from Hugging Face (config.json, model.safetensors, tokenizer.json).
    #[arg(long, value_name = "DIR")]
    whisper: Option<PathBuf>,
    /// The language spoken in the media: zh, en or auto [default: auto].
    #[arg(long)]
    language: Option<String>,
    /// Where to write the result; the format follows the extension: .otio (OpenTimelineIO),
    /// .json (the protocol's timeline), .edl (CMX3600), .fcpxml (FCPXML 1.10) or .xml (FCP7 XML,
    /// for Premiere).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Print the intent and cut list as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Print how the instruction was understood and what it matched.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    prefs: PrefsDir,
    #[command(flatten)]
    backend: BackendArgs,
}

/// An error with the exit code it maps to.
struct Exit(u8, String);

#[derive(Subcommand, Debug)]
enum ModelAction {
    /// Load a ChatGLM3 / GLM-4 folder and measure one constrained answer.
    Check(ModelCheckArgs),
    /// Print the token ids of TEXT as a JSON array (no special tokens added), with the folder's
    /// tokenizer.json or tokenizer.model, or a GGUF file's vocabulary.
    Tokenize {
        /// The model folder, or a .gguf file.
        dir: PathBuf,
        /// The text to encode.
        text: String,
    },
}

#[derive(clap::Args, Debug)]
struct ModelCheckArgs {
    /// The model folder (config.json, *.safetensors with their index, tokenizer.json or
    /// tokenizer.model), or a GGUF file as llama.cpp's converter writes it.
    dir: PathBuf,
    /// auto (CUDA, then Metal, when built in), cpu, cuda or metal.
    #[arg(long, default_value = "auto")]
    device: String,
    /// f32, bf16 or f16 [default: bf16 on a GPU, f32 on the CPU].
    #[arg(long)]
    dtype: Option<String>,
    /// Quantize the linear layers on load: q8_0 or q4k.
    #[arg(long, value_name = "QUANT")]
    quant: Option<inference::Quant>,
    /// The instruction to answer (on the prompt's example timeline).
    #[arg(long, default_value = "删除所有悲伤情绪片段")]
    instruction: String,
    /// Sample at temperature 1 with this seed instead of greedy decoding.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the figures as one JSON document.
    #[arg(long)]
    json: bool,
}

fn model_check(args: &ModelCheckArgs) -> Result<(), Exit> {
    use bridge_daemon::understand::chatglm;
    let device = inference::device(&args.device).map_err(|e| Exit(1, e.to_string()))?;
    let dtype = match args.dtype.as_deref() {
        None => None,
        Some("f32") => Some(candle_core::DType::F32),
        Some("bf16") => Some(candle_core::DType::BF16),
        Some("f16") => Some(candle_core::DType::F16),
        Some(other) => return Err(Exit(1, format!("--dtype {other:?}: f32, bf16 or f16"))),
    };
    let opts = inference::LoadOptions {
        device,
        dtype,
        quant: args.quant,
        ..inference::LoadOptions::default()
    };
    let mut last = -1.0f32;
    let mut progress = |f: f32, m: &str| {
        // One line per tenth, so a 40-layer model does not print 40 lines.
        if f >= 1.0 || f - last >= 0.1 {
            eprintln!("loading: {:3.0}% {m}", f * 100.0);
            last = f;
        }
    };
    let r = chatglm::check(&args.dir, opts, &args.instruction, args.seed, &mut progress)
        .map_err(|e| Exit(1, format!("{e:#}")))?;
    if args.json {
        let doc = serde_json::to_string_pretty(&r).map_err(|e| Exit(1, e.to_string()))?;
        println!("{doc}");
        return Ok(());
    }
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "model     {} ({} parameters, {:.1} MB of weights)",
        r.folder,
        r.parameters,
        mb(r.weight_bytes)
    );
    match r.quant {
        Some(q) => println!("device    {} {}, linear layers {q}", r.device, r.dtype),
        None => println!("device    {} {}", r.device, r.dtype),
    }
    println!("tokenizer {} (weights: {})", r.tokenizer, r.weights);
    println!("load      {:.0} ms", r.load_ms);
    if let (Some(now), Some(peak)) = (r.rss_bytes, r.peak_rss_bytes) {
        println!(
            "memory    {:.0} MB resident, {:.0} MB peak",
            mb(now),
            mb(peak)
        );
    }
    for (name, f) in [("cold", &r.cold), ("warm", &r.warm)] {
        println!(
            "{name}      prompt {} tokens ({} cached), prefill {:.1} ms; {} tokens ({} forced by the schema) in {:.1} ms = {:.1} tokens/s; {} masks, {:.0} µs each; total {:.1} ms",
            f.prompt_tokens,
            f.reused_tokens,
            f.prefill_ms,
            f.generated_tokens,
            f.forced_tokens,
            f.decode_ms,
            f.decode_tokens_per_s,
            f.masks,
            f.mask_us_per_mask,
            f.total_ms
        );
    }
    println!("answer    {}", r.answer);
    match &r.intent {
        Ok(_) => println!("intent    usable"),
        Err(why) => println!("intent    not usable: {why}"),
    }
    Ok(())
}

fn model_tokenize(model: &std::path::Path, text: &str) -> Result<(), Exit> {
    let tok =
        inference::chat::ChatTokenizer::for_model(model).map_err(|e| Exit(1, e.to_string()))?;
    let ids = tok.encode_text(text).map_err(|e| Exit(1, e.to_string()))?;
    println!("{}", serde_json::Value::from(ids));
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Edit(args) => edit(&args),
        Command::Schema { out, doc } => {
            schema(&out, doc.as_deref()).map_err(|e| Exit(1, format!("{e:#}")))
        }
        Command::Serve(args) => serve(args),
        Command::Ask(args) => ask(&args),
        Command::Report(args) => report(&args),
        Command::Prefs { action } => prefs(&action),
        Command::Assemble(args) => assemble(&args),
        Command::Install(args) => install(&args),
        Command::Listen(args) => listen(&args),
        Command::Model {
            action: ModelAction::Check(args),
        } => model_check(&args),
        Command::Model {
            action: ModelAction::Tokenize { dir, text },
        } => model_tokenize(&dir, &text),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit(code, msg)) => {
            eprintln!("bridge-daemon: {msg}");
            ExitCode::from(code)
        }
    }
}

/// Bad input in the instruction and a backend that could not answer are exit 1; every other
/// refusal is "nothing to change", exit 2.
fn refusal_exit_code(kind: bridge_daemon::RefusalKind) -> u8 {
    use bridge_daemon::RefusalKind;
    match kind {
        RefusalKind::BadInput | RefusalKind::Backend => 1,
        _ => 2,
    }
}

fn listen(args: &ListenArgs) -> Result<(), Exit> {
    use bridge_daemon::voice::{self, VadConfig, VadEvent};
    use serde_json::json;
    let language =
        voice::parse_language(Some(&args.language)).map_err(|e| Exit(1, e.to_string()))?;
    let (samples, rate, channels) =
        voice::read_wav(&args.file).map_err(|e| Exit(1, e.to_string()))?;
    let events = voice::utterances_of(&samples, rate, channels, VadConfig::default())
        .map_err(|e| Exit(1, format!("{}: {e}", args.file.display())))?;
    let seconds = samples.len() as f64 / channels.max(1) as f64 / rate as f64;
    // The model is loaded only when there is something to transcribe.
    let has_speech = events.iter().any(|e| matches!(e, VadEvent::Utterance(_)));
    let model = if args.vad_only || !has_speech {
        None
    } else {
        if args.whisper.is_some() {
            // Loading a model takes seconds: its progress lines on stderr, as `serve` shows them.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("CUTBRIDGE_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .try_init();
        }
        Some(voice::transcriber(args.whisper.as_deref()))
    };
    let mut missing: Option<String> = None;
    let mut rows = Vec::new();
    for e in &events {
        match e {
            VadEvent::Utterance(u) => {
                let text = match &model {
                    Some(Ok(m)) => match m.transcribe(&u.samples, language.as_deref()) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            missing.get_or_insert(e.to_string());
                            None
                        }
                    },
                    Some(Err(e)) => {
                        missing.get_or_insert(e.to_string());
                        None
                    }
                    None => None,
                };
                rows.push(json!({"start_s": round_ms(u.start_s), "end_s": round_ms(u.end_s), "text": text}));
            }
            VadEvent::TooLong {
                start_s,
                at_s,
                max_s,
            } => {
                rows.push(
                    json!({"start_s": round_ms(*start_s), "end_s": round_ms(*at_s), "text": null,
                                 "error": format!("longer than {max_s} s: not transcribed")}),
                );
            }
            VadEvent::SpeechStart { .. } => {}
        }
    }
    if args.json {
        let doc = json!({
            "file": args.file.display().to_string(),
            "rate": rate,
            "channels": channels,
            "seconds": round_ms(seconds),
            "utterances": rows,
            "transcription": missing,
        });
        println!("{doc}");
    } else {
        for r in &rows {
            let text = r["text"].as_str().unwrap_or("");
            let error = r["error"]
                .as_str()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            println!(
                "{:.3}\t{:.3}\t{text}{error}",
                r["start_s"].as_f64().unwrap_or(0.0),
                r["end_s"].as_f64().unwrap_or(0.0)
            );
        }
    }
    match missing {
        Some(why) => Err(Exit(2, why)),
        None => Ok(()),
    }
}

fn round_ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

fn read_text(path: &Path) -> Result<String, Exit> {
    std::fs::read_to_string(path).map_err(|e| Exit(1, format!("{}: {e}", path.display())))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, Exit> {
    std::fs::read(path).map_err(|e| Exit(1, format!("{}: {e}", path.display())))
}

/// A timeline file and its transcript as the commands read them, with what the readers noted.
struct Loaded {
    timeline: protocol::Timeline,
    /// "read cut.edl as a CMX3600 EDL at 25 fps", then each reader's notes.
    notes: Vec<String>,
}

/// Read a timeline in any format CutBridge reads and, when given, its transcript.
fn load_timeline(path: &Path, rate: Option<f64>, subtitles: Option<&Path>) -> Result<Loaded, Exit> {
    let rate = match rate {
        Some(r) => {
            Some(protocol::Rate::from_f64(r).map_err(|e| Exit(1, format!("--rate {r}: {e}")))?)
        }
        None => None,
    };
    let (source, reading) = interchange::read_timeline_file(path, rate)
        .map_err(|e| Exit(1, format!("{}: {e}", path.display())))?
        .map_err(|e| Exit(1, format!("{}: {e}", path.display())))?;
    let mut timeline = reading.timeline;
    let mut notes = vec![format!(
        "read {} as {} at {} fps",
        path.display(),
        source.label(),
        timeline.rate
    )];
    notes.extend(reading.notes);
    if let Some(sub) = subtitles {
        let bytes = read_bytes(sub)?;
        let name = sub.file_name().and_then(|n| n.to_str());
        let t =
            interchange::transcript::read_bytes(&bytes, name, timeline.rate, timeline.start_frame)
                .map_err(|e| Exit(1, format!("{}: {e}", sub.display())))?;
        timeline.subtitles = t.lines;
        notes.extend(
            t.notes
                .into_iter()
                .map(|n| format!("{}: {n}", sub.display())),
        );
    }
    Ok(Loaded { timeline, notes })
}

/// Progress of long work on stderr: a line when a stage starts, then at most every half second,
/// and when it is done; nothing for work that ends within half a second.
fn progress_printer() -> bridge_daemon::task::ProgressFn {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    let started = Instant::now();
    let last: Mutex<Option<(String, Instant)>> = Mutex::new(None);
    std::sync::Arc::new(move |stage: &str, fraction: f64| {
        if started.elapsed() < Duration::from_millis(500) && fraction < 1.0 {
            return;
        }
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        let due = match &*last {
            Some((s, at)) => {
                s != stage || at.elapsed() >= Duration::from_millis(500) || fraction >= 1.0
            }
            None => true,
        };
        if due {
            let what = match stage {
                "audio" => "listening to the media",
                "transcribe" => "transcribing the media",
                other => other,
            };
            eprintln!("bridge-daemon: {what}: {:.0}%", fraction * 100.0);
            *last = Some((stage.to_string(), Instant::now()));
        }
    })
}

fn edit(args: &EditArgs) -> Result<(), Exit> {
    let format = match &args.output {
        Some(out) => Some(Format::from_path(out).ok_or_else(|| {
            Exit(
                1,
                format!(
                    "{}: unknown output format (use one of: {})",
                    out.display(),
                    Format::NAMES
                ),
            )
        })?),
        None => None,
    };
    if format.is_none() && !args.json && !args.explain {
        return Err(Exit(
            1,
            "nothing to do: give --output FILE, --json or --explain".into(),
        ));
    }
    let Loaded { timeline, notes } =
        load_timeline(&args.timeline, args.rate, args.subtitles.as_deref())?;
    // What a reader could not hold exactly is said, whatever else is asked for.
    for n in notes.iter().skip(1) {
        eprintln!("bridge-daemon: note: {n}");
    }
    // A standing preference said as an instruction is saved (exit 0) and edits nothing.
    let store = pref_store(&args.prefs);
    if let Some(change) = prefs::parse_preference(&args.instruction, timeline.rate) {
        return save_preference(&store?, &timeline.name, change, args.json);
    }
    let standing = load_prefs(store, &timeline.name)?;
    let backend = select_backend(&args.backend.options(BackendOptions::default())?)?;
    // Media named by relative paths are found beside the timeline file; hearing long media
    // shows its progress.
    let mut scope = bridge_daemon::task::Scope::new(Some(progress_printer()))
        .with_media_root(args.timeline.parent().map(Path::to_path_buf));
    if args.transcribe {
        let dir = args.whisper.as_deref().ok_or_else(|| {
            Exit(
                1,
                "--transcribe needs a Whisper model folder: --whisper DIR".into(),
            )
        })?;
        let language = bridge_daemon::voice::parse_language(args.language.as_deref())
            .map_err(|e| Exit(1, e.to_string()))?;
        let model =
            bridge_daemon::voice::transcriber(Some(dir)).map_err(|e| Exit(1, e.to_string()))?;
        scope = scope.with_transcriber(model, language);
    }
    let plan = scope.run(|| {
        bridge_daemon::pipeline::plan_with_prefs(&timeline, &args.instruction, &*backend, &standing)
    });
    let refused = |refusal: bridge_daemon::pipeline::Refusal| {
        if args.json {
            println!("{}", serde_json::json!({"refusal": refusal}));
        }
        let code = refusal_exit_code(refusal.kind);
        Exit(code, refusal.message)
    };
    let plan = plan.map_err(refused)?;
    // The cut list is applied to the timeline itself: it is not needed as it was, and a
    // feature-length timeline is then never held twice.
    let header = protocol::Timeline {
        tracks: Vec::new(),
        subtitles: Vec::new(),
        markers: Vec::new(),
        metadata: Default::default(),
        extra: Default::default(),
        name: String::new(),
        ..timeline
    };
    let mut edited = timeline;
    protocol::apply_in_place(&mut edited, &plan.cut_list.operations).map_err(|e| {
        refused(bridge_daemon::pipeline::Refusal::new(
            bridge_daemon::pipeline::RefusalKind::Impossible,
            e.to_string(),
        ))
    })?;
    if args.explain {
        for n in &notes {
            println!("{n}");
        }
        print!("{}", bridge_daemon::pipeline::explain_plan(&header, &plan));
    }
    if args.json {
        let v = serde_json::json!({"intent": plan.intent, "cut_list": plan.cut_list, "explanation": plan.explanation});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    if let (Some(out), Some(format)) = (&args.output, format) {
        interchange::write_file(out, &edited, format)
            .with_context(|| format!("{}: cannot write", out.display()))
            .map_err(|e| Exit(1, format!("{e:#}")))?;
    }
    // The process ends here: freeing a feature-length timeline piece by piece is work the
    // operating system does at once.
    std::mem::forget(edited);
    Ok(())
}

/// Read `--timeline` and `--subtitles` as `edit` does.
fn read_timeline_args(path: &Path, subtitles: Option<&Path>) -> Result<protocol::Timeline, Exit> {
    let loaded = load_timeline(path, None, subtitles)?;
    for n in loaded.notes.iter().skip(1) {
        eprintln!("bridge-daemon: note: {n}");
    }
    Ok(loaded.timeline)
}

fn report(args: &ReportArgs) -> Result<(), Exit> {
    use bridge_daemon::index::Index;
    use bridge_daemon::report::{self, InstructionReport, Report};
    let timeline = read_timeline_args(&args.timeline, args.subtitles.as_deref())?;
    let mut ops = Vec::new();
    let mut instructions = Vec::new();
    if let Some(path) = &args.cut_list {
        let text = read_text(path)?;
        let list: protocol::CutList = serde_json::from_str(&text)
            .map_err(|e| Exit(1, format!("{}: not a cut list: {e}", path.display())))?;
        ops = list.operations;
    }
    let standing = load_prefs(pref_store(&args.prefs), &timeline.name)?;
    let mut current = timeline.clone();
    for text in &args.instruction {
        let outcome = bridge_daemon::pipeline::instruct_with_prefs(
            &current,
            text,
            &Rules as &dyn Understand,
            &standing,
        );
        let outcome = match outcome {
            Ok(o) => o,
            Err(refusal) => {
                instructions.push(InstructionReport {
                    text: text.clone(),
                    outcome: Err(refusal.message),
                });
                continue;
            }
        };
        ops.extend(outcome.cut_list.operations);
        instructions.push(InstructionReport {
            text: text.clone(),
            outcome: Ok(outcome.explanation),
        });
        current = outcome.timeline;
    }
    let index = Index::build(&timeline);
    let mut model = Report::build(&timeline, &index, &ops, instructions);
    if let Some(secs) = standing.transition_seconds {
        model = model.with_crossfade_seconds(secs);
    }
    let html = report::render_html(&model);
    let md_path = args.output.with_extension("md");
    let write = |path: &Path, body: &str| {
        interchange::write_atomically(path, body.as_bytes())
            .map_err(|e| Exit(1, format!("{}: cannot write: {e}", path.display())))
    };
    write(&args.output, &html)?;
    write(&md_path, &report::render_markdown(&model))?;
    println!("wrote {}", args.output.display());
    println!("wrote {}", md_path.display());
    Ok(())
}

fn assemble(args: &AssembleArgs) -> Result<(), Exit> {
    use bridge_daemon::assemble;
    let format = Format::from_path(&args.output).ok_or_else(|| {
        Exit(
            1,
            format!(
                "{}: unknown output format (use one of: {})",
                args.output.display(),
                Format::NAMES
            ),
        )
    })?;
    let script = assemble::script_lines(&read_text(&args.script)?);
    if script.is_empty() {
        return Err(Exit(
            1,
            format!("{}: the script has no lines", args.script.display()),
        ));
    }
    let mut bin = read_timeline_args(&args.clips, None)?;
    let bin_rate = bin.rate;
    if !args.subtitles.is_dir() {
        return Err(Exit(
            1,
            format!("{}: not a folder", args.subtitles.display()),
        ));
    }
    // Each clip's transcript, moved from the clip's own time to the bin's record time.
    let mut failure = None;
    let untranscribed = assemble::place_transcripts(&mut bin, |clip| {
        let path = assemble::transcript_names(clip)
            .into_iter()
            .map(|n| args.subtitles.join(format!("{n}.srt")))
            .find(|p| p.is_file())?;
        let read = read_bytes(&path).and_then(|bytes| {
            let name = path.file_name().and_then(|n| n.to_str());
            interchange::transcript::read_bytes(&bytes, name, bin_rate, 0)
                .map_err(|e| Exit(1, format!("{}: {e}", path.display())))
        });
        match read {
            Ok(t) => {
                for n in &t.notes {
                    eprintln!("bridge-daemon: note: {}: {n}", path.display());
                }
                Some(t.lines)
            }
            Err(e) => {
                failure.get_or_insert(e);
                None
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    for clip in &untranscribed {
        eprintln!(
            "bridge-daemon: no transcript for clip {clip:?} in {}",
            args.subtitles.display()
        );
    }
    let name = args
        .output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "assembly".into());
    let result = assemble::assemble(&bin, &script, &name);
    if result.chosen().next().is_none() {
        return Err(Exit(
            2,
            "no script line is said in any clip of the bin".into(),
        ));
    }
    for l in &result.lines {
        match &l.chosen {
            Some(t) => println!(
                "line {}: clip {} {:?} ({:.2}, {}{}): {}",
                l.line + 1,
                t.clip,
                t.clip_name,
                t.score,
                t.said.reasons(),
                match l.alternates.len() {
                    0 => String::new(),
                    n => format!("; {n} alternate{}", if n == 1 { "" } else { "s" }),
                },
                t.text
            ),
            None => {
                let closest = l.closest.as_ref().map_or_else(String::new, |t| {
                    format!(
                        " (closest: clip {:?} \"{}\" says {:.0}% of it)",
                        t.clip_name,
                        t.text,
                        t.said.coverage * 100.0
                    )
                });
                eprintln!(
                    "bridge-daemon: line {} is said in no take, left as a slug: {}{closest}",
                    l.line + 1,
                    l.text
                );
            }
        }
    }
    interchange::write_file(&args.output, &result.timeline, format)
        .map_err(|e| Exit(1, format!("{}: cannot write: {e}", args.output.display())))?;
    // The assembled transcript beside it (OTIO holds no subtitles).
    let srt_path = args.output.with_extension("srt");
    let srt = interchange::srt::write_string(&result.timeline.subtitles, result.timeline.rate);
    interchange::write_atomically(&srt_path, srt.as_bytes())
        .map_err(|e| Exit(1, format!("{}: cannot write: {e}", srt_path.display())))?;
    if let Some(report) = &args.report {
        let script_name = args
            .script
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let html = assemble::render_report(&result, &script_name);
        interchange::write_atomically(report, html.as_bytes())
            .map_err(|e| Exit(1, format!("{}: cannot write: {e}", report.display())))?;
    }
    // Some lines were not found: the assembly is written, and the exit code says it is partial.
    let missing = result.unmatched().count();
    if missing > 0 {
        return Err(Exit(
            2,
            format!(
                "{missing} of {} script lines are said in no take: the assembly has a red-marked slug for each",
                result.lines.len()
            ),
        ));
    }
    Ok(())
}

fn pref_store(dir: &PrefsDir) -> Result<prefs::PrefStore, Exit> {
    match &dir.prefs_dir {
        Some(d) => Ok(prefs::PrefStore::at(d)),
        None => prefs::PrefStore::default_location().map_err(|e| Exit(1, e.to_string())),
    }
}

/// A project's preferences; none when this system has no folder for them.
fn load_prefs(
    store: Result<prefs::PrefStore, Exit>,
    project: &str,
) -> Result<prefs::Preferences, Exit> {
    match store {
        Ok(s) => s.load(project).map_err(|e| Exit(1, e.to_string())),
        Err(_) => Ok(prefs::Preferences::default()),
    }
}

fn save_preference(
    store: &prefs::PrefStore,
    project: &str,
    change: prefs::PrefChange,
    json: bool,
) -> Result<(), Exit> {
    let (said, path, p) =
        prefs::save_change(store, project, change).map_err(|e| Exit(1, e.to_string()))?;
    if json {
        let v = serde_json::json!({"preference_saved": said, "project": project,
                                   "file": path.display().to_string(), "preferences": p});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "bridge-daemon: preference of project {project:?} saved: {said} ({})",
            path.display()
        );
    }
    Ok(())
}

fn prefs(action: &PrefsAction) -> Result<(), Exit> {
    use prefs::{LineRef, PrefChange, SecondsRange};
    let bad = |what: &str, v: &str, why: &str| Exit(1, format!("{what} {v:?}: {why}"));
    match action {
        PrefsAction::Show(p) => {
            let store = pref_store(&p.dir)?;
            let prefs = store.load(&p.project).map_err(|e| Exit(1, e.to_string()))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&prefs).unwrap_or_default()
            );
            Ok(())
        }
        PrefsAction::Clear(p) => {
            let store = pref_store(&p.dir)?;
            let had = store
                .clear(&p.project)
                .map_err(|e| Exit(1, e.to_string()))?;
            println!(
                "bridge-daemon: {} of project {:?}",
                if had {
                    "cleared the preferences"
                } else {
                    "no preferences to clear"
                },
                p.project
            );
            Ok(())
        }
        PrefsAction::Set(s) => {
            let store = pref_store(&s.project.dir)?;
            let mut changes = Vec::new();
            if let Some(m) = s.margin {
                if !(0.0..=60.0).contains(&m) {
                    return Err(bad("--margin", &m.to_string(), "give 0 to 60 seconds"));
                }
                changes.push(PrefChange::Margin(m));
            }
            if let Some(t) = s.transition {
                if !(t > 0.0 && t <= 60.0) {
                    return Err(bad("--transition", &t.to_string(), "give 0 to 60 seconds"));
                }
                changes.push(PrefChange::Transition(t));
            }
            for r in &s.protect_range {
                let (a, b) = r
                    .split_once('-')
                    .ok_or_else(|| bad("--protect-range", r, "write FROM-TO in seconds"))?;
                let from: f64 = a
                    .trim()
                    .parse()
                    .map_err(|_| bad("--protect-range", r, "FROM is not a number"))?;
                let to: f64 = b
                    .trim()
                    .parse()
                    .map_err(|_| bad("--protect-range", r, "TO is not a number"))?;
                if !(from >= 0.0 && to > from) {
                    return Err(bad("--protect-range", r, "TO must come after FROM"));
                }
                changes.push(PrefChange::ProtectRange(SecondsRange { from, to }));
            }
            for l in &s.protect_line {
                let (who, which) = l
                    .rsplit_once(':')
                    .ok_or_else(|| bad("--protect-line", l, "write SPEAKER:first|last|N"))?;
                let position = match which.trim().to_ascii_lowercase().as_str() {
                    "first" => 1,
                    "last" => -1,
                    n => n.parse::<i64>().ok().filter(|n| *n != 0).ok_or_else(|| {
                        bad("--protect-line", l, "WHICH is first, last or a line number")
                    })?,
                };
                changes.push(PrefChange::ProtectLine(LineRef {
                    speaker: Some(who.trim().to_string()),
                    position: Some(position),
                    text: None,
                }));
            }
            for t in &s.protect_text {
                changes.push(PrefChange::ProtectLine(LineRef {
                    text: Some(t.clone()),
                    ..LineRef::default()
                }));
            }
            for w in &s.keep_word {
                changes.push(PrefChange::KeepWord(w.clone()));
            }
            for said in &s.say {
                // Frames in a spoken preference are counted at 25 fps: no timeline is given.
                let c = prefs::parse_preference(said, protocol::Rate::FPS_25)
                    .ok_or_else(|| bad("--say", said, "not understood as a standing preference"))?;
                changes.push(c);
            }
            if changes.is_empty() {
                return Err(Exit(1, "nothing to set: give --margin, --transition, --protect-range, --protect-line, --protect-text, --keep-word or --say".into()));
            }
            for c in changes {
                save_preference(&store, &s.project.project, c, false)?;
            }
            Ok(())
        }
    }
}

fn schema(out: &Path, doc: Option<&Path>) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let exported = protocol::schema::all();
    for (name, value) in &exported {
        let path = out.join(name);
        let body = serde_json::to_string_pretty(value)? + "\n";
        interchange::write_atomically(&path, body.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
        println!("wrote {}", path.display());
    }
    // Files of types no longer exported would mislead the adapters.
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".schema.json") && !exported.iter().any(|(n, _)| *n == name) {
            std::fs::remove_file(entry.path())?;
            println!("removed {}", entry.path().display());
        }
    }
    if let Some(doc) = doc {
        let text = std::fs::read_to_string(doc)
            .with_context(|| format!("{}: cannot read", doc.display()))?;
        let fresh = protocol::schema::splice_reference(&text).with_context(|| {
            format!(
                "{}: no line {:?} to generate after",
                doc.display(),
                protocol::schema::DOC_MARKER
            )
        })?;
        interchange::write_atomically(doc, fresh.as_bytes())
            .with_context(|| format!("{}: cannot write", doc.display()))?;
        println!("wrote {}", doc.display());
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, Exit> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Exit(1, format!("cannot start the async runtime: {e}")))
}

fn serve(args: ServeArgs) -> Result<(), Exit> {
    use bridge_daemon::server::{self, Config, Server, auth, config};
    let bad = |e: server::ServerError| Exit(1, e.to_string());
    let config_file = args
        .config
        .clone()
        .or_else(|| config::default_config_path().filter(|p| p.exists()));
    let mut cfg = match &config_file {
        Some(p) => Config::load(p).map_err(bad)?,
        None => Config::default(),
    };
    for o in &args.allow_origin {
        if !cfg
            .allowed_origins
            .iter()
            .any(|a| a.eq_ignore_ascii_case(o))
        {
            cfg.allowed_origins.push(o.clone());
        }
    }
    if let Some(listen) = args.listen {
        cfg.listen = listen;
    }
    cfg.allow_remote |= args.allow_remote;
    if args.token_file.is_some() {
        cfg.token_file = args.token_file;
    }
    if args.audit_log.is_some() {
        cfg.audit_log = args.audit_log;
    }
    if cfg.audit_log.is_none() {
        cfg.audit_log = config::default_audit_path();
    }
    if args.whisper.is_some() {
        cfg.whisper_dir = args.whisper;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CUTBRIDGE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    cfg.check().map_err(bad)?;
    let token_path = cfg.token_path().map_err(bad)?;
    let (token, created) = auth::load_or_create_token(&token_path).map_err(bad)?;
    // The model loads before the port is bound: an adapter that connects gets the backend the
    // daemon keeps (progress lines on stderr meanwhile).
    let opts = args.backend.options(cfg.backend_options())?;
    let selected = backend::select(&opts, &|f, msg| {
        tracing::info!("loading the model: {:.0}% {msg}", f * 100.0);
    })
    .map_err(|e| Exit(1, e.to_string()))?;
    tracing::info!("{}", selected.note);
    let rt = runtime()?;
    rt.block_on(async {
        let signals = server::shutdown_signal().map_err(|e| {
            Exit(
                1,
                format!("cannot install the SIGINT/SIGTERM handlers: {e}"),
            )
        })?;
        let server = Server::bind_with_backend(cfg, token, selected.backend)
            .await
            .map_err(bad)?;
        println!("bridge-daemon: listening on {}", server.url());
        println!(
            "bridge-daemon: token file {}{}",
            token_path.display(),
            if created { " (created)" } else { "" }
        );
        if let Some(p) = &config_file {
            println!("bridge-daemon: config file {}", p.display());
        }
        match server.audit_path() {
            Some(p) => println!("bridge-daemon: audit log {}", p.display()),
            None => println!("bridge-daemon: no audit log (no state folder on this system)"),
        }
        server.run(signals).await.map_err(bad)
    })?;
    // Work a cancelled request left on the blocking pool stops at its next stage; the process
    // does not wait for it (dropping the runtime would).
    rt.shutdown_timeout(std::time::Duration::from_millis(500));
    Ok(())
}

/// What `ask` sends: the timeline as the daemon takes it, and the same read locally for the
/// offline fallback.
fn ask_input(args: &AskArgs) -> Result<(protocol::wire::TimelineInput, protocol::Timeline), Exit> {
    use protocol::wire::{NativeSnapshot, OtioSnapshot, TimelineInput};
    let Loaded { timeline, notes } =
        load_timeline(&args.timeline, None, args.subtitles.as_deref())?;
    for n in notes.iter().skip(1) {
        eprintln!("bridge-daemon: note: {n}");
    }
    // OTIO JSON goes as it is (the daemon keeps what it does not model); anything else as the
    // timeline read here, its transcript in it.
    let bytes = read_bytes(&args.timeline)?;
    let name = args.timeline.file_name().and_then(|n| n.to_str());
    let srt = match &args.subtitles {
        Some(p) => std::fs::read_to_string(p).ok().map(Some),
        None => Some(None),
    };
    let input = match (
        interchange::Source::sniff(&bytes, name),
        String::from_utf8(bytes),
        srt,
    ) {
        (Some(interchange::Source::Otio), Ok(text), Some(srt)) => {
            TimelineInput::Otio(OtioSnapshot { otio: text, srt })
        }
        _ => TimelineInput::Native(NativeSnapshot {
            timeline: timeline.clone(),
            srt: None,
        }),
    };
    Ok((input, timeline))
}

fn ask(args: &AskArgs) -> Result<(), Exit> {
    use bridge_daemon::client::{Client, ClientError, Hello};
    use protocol::wire::{CutListRef, ExportParams, InstructParams, code};

    let format = match &args.output {
        Some(out) => Some(Format::from_path(out).ok_or_else(|| {
            Exit(
                1,
                format!(
                    "{}: unknown output format (use one of: {})",
                    out.display(),
                    Format::NAMES
                ),
            )
        })?),
        None => None,
    };
    let (input, timeline) = ask_input(args)?;
    let token_path = args
        .token_file
        .clone()
        .or_else(bridge_daemon::server::config::default_token_path);
    let token = token_path
        .as_ref()
        .ok_or_else(|| "no token file (give --token-file)".to_string())
        .and_then(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.trim().to_string())
                .map_err(|e| format!("cannot read the token file {}: {e}", p.display()))
        });
    let token = match token {
        Ok(t) => t,
        Err(why) => {
            eprintln!("bridge-daemon: {why}: running the instruction offline");
            return ask_offline(args, &timeline, format);
        }
    };
    let rt = runtime()?;
    let timeout = std::time::Duration::from_secs_f64(args.connect_timeout.clamp(0.1, 60.0));
    let online = rt.block_on(async {
        let mut client =
            match Client::connect(&args.url, Hello::new(token, "bridge-daemon ask"), timeout).await
            {
                Ok(c) => c,
                Err(e @ (ClientError::Connect { .. } | ClientError::Timeout { .. })) => {
                    return Err(e);
                }
                Err(e) => return Ok(Err(e)),
            };
        let params = InstructParams {
            text: args.text.clone(),
            timeline: Some(input),
            fingerprint: None,
            selection: None,
        };
        let result = match client.instruct(&params).await {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let exported = match format {
            Some(_) => {
                let name = args
                    .output
                    .as_ref()
                    .and_then(|o| o.extension())
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                let p = ExportParams {
                    cut_list: Some(CutListRef::Id(result.cut_list.id.clone())),
                    fingerprint: None,
                    format: name,
                };
                match client.export(&p).await {
                    Ok(x) => Some(x.text),
                    Err(e) => return Ok(Err(e)),
                }
            }
            None => None,
        };
        client.close().await;
        Ok(Ok((result, exported)))
    });
    match online {
        Err(e) => {
            eprintln!("bridge-daemon: no daemon answered ({e}): running the instruction offline");
            ask_offline(args, &timeline, format)
        }
        Ok(Err(ClientError::Rpc(e))) => {
            // A refusal exits as it does offline: by its kind (bad input and backend failures 1,
            // the rest 2); any other error is 1.
            let exit = if e.code == code::REFUSED {
                e.data_str("kind")
                    .and_then(|k| {
                        serde_json::from_value::<bridge_daemon::RefusalKind>(
                            serde_json::Value::from(k),
                        )
                        .ok()
                    })
                    .map_or(2, refusal_exit_code)
            } else {
                1
            };
            Err(Exit(exit, e.message))
        }
        Ok(Err(e)) => Err(Exit(1, e.to_string())),
        Ok(Ok((result, exported))) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&result).unwrap_or_default()
            );
            if let (Some(out), Some(body)) = (&args.output, exported) {
                interchange::write_atomically(out, body.as_bytes())
                    .map_err(|e| Exit(1, format!("{}: cannot write: {e}", out.display())))?;
            }
            Ok(())
        }
    }
}

/// `ask` without a daemon: the same pipeline, the same reply printed.
fn ask_offline(
    args: &AskArgs,
    timeline: &protocol::Timeline,
    format: Option<Format>,
) -> Result<(), Exit> {
    use protocol::wire::{InstructResult, Timings};
    let started = std::time::Instant::now();
    // A standing preference said as an instruction is saved, as the daemon and `edit` do.
    let store = pref_store(&PrefsDir::default()).ok();
    if let Some(saved) =
        bridge_daemon::pipeline::spoken_preference(timeline, &args.text, store.as_ref())
    {
        let result = saved.map_err(|r| Exit(refusal_exit_code(r.kind), r.message))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
        return Ok(());
    }
    let standing = load_prefs(pref_store(&PrefsDir::default()), &timeline.name)?;
    let backend = select_backend(&args.backend.options(BackendOptions::default())?)?;
    let outcome =
        bridge_daemon::pipeline::instruct_with_prefs(timeline, &args.text, &*backend, &standing)
            .map_err(|r| Exit(refusal_exit_code(r.kind), r.message))?;
    let summary = bridge_daemon::pipeline::explain_text(timeline, &outcome);
    let mut cut_list = outcome.cut_list;
    cut_list.id = "offline".into();
    let result = InstructResult {
        cut_list,
        intent: outcome.intent,
        explanation: bridge_daemon::server::wire_explanation(outcome.explanation),
        summary,
        result_fingerprint: outcome.timeline.fingerprint(),
        timings: Timings {
            total_us: started.elapsed().as_micros() as u64,
            ..Timings::default()
        },
        preference_saved: None,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&result).unwrap_or_default()
    );
    if let (Some(out), Some(format)) = (&args.output, format) {
        interchange::write_file(out, &outcome.timeline, format)
            .map_err(|e| Exit(1, format!("{}: cannot write: {e}", out.display())))?;
    }
    Ok(())
}

/// The source checkout: `--from`, else the first folder above this binary or the current folder
/// that holds the adapters.
fn checkout(from: Option<&Path>) -> Result<PathBuf, Exit> {
    let looks_right =
        |d: &Path| d.join("resolve-scripts").is_dir() && d.join("extendscript").is_dir();
    if let Some(d) = from {
        return if looks_right(d) {
            Ok(d.to_path_buf())
        } else {
            Err(Exit(
                1,
                format!(
                    "{}: not a CutBridge checkout (no resolve-scripts/ and extendscript/)",
                    d.display()
                ),
            ))
        };
    }
    let mut starts = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    if let Ok(cwd) = std::env::current_dir() {
        starts.push(cwd);
    }
    starts
        .iter()
        .flat_map(|s| s.ancestors())
        .find(|d| looks_right(d))
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Exit(
                1,
                "cannot find CutBridge's files: run from the checkout or give --from DIR".into(),
            )
        })
}

/// The standard OpenFX plug-in folder: the first entry of `OFX_PLUGIN_PATH`, else the system's.
fn ofx_folder() -> PathBuf {
    if let Some(first) =
        std::env::var_os("OFX_PLUGIN_PATH").and_then(|p| std::env::split_paths(&p).next())
    {
        return first;
    }
    if cfg!(target_os = "windows") {
        PathBuf::from(r"C:\Program Files\Common Files\OFX\Plugins")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/OFX/Plugins")
    } else {
        PathBuf::from("/usr/OFX/Plugins")
    }
}

fn copy_tree(from: &Path, to: &Path, dry_run: bool) -> std::io::Result<usize> {
    let mut n = 0;
    if from.is_dir() {
        if !dry_run {
            std::fs::create_dir_all(to)?;
        }
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            n += copy_tree(&entry.path(), &to.join(entry.file_name()), dry_run)?;
        }
    } else {
        println!(
            "{} {} -> {}",
            if dry_run { "would copy" } else { "copy" },
            from.display(),
            to.display()
        );
        if !dry_run {
            interchange::write_atomically(to, &std::fs::read(from)?)?;
        }
        n += 1;
    }
    Ok(n)
}

/// `install`: the Resolve and Premiere adapters carry their own installers (they know each
/// operating system's folders and, for Premiere, the PlayerDebugMode switch); this runs them.
/// The OpenFX bundle is copied here.
fn install(args: &InstallArgs) -> Result<(), Exit> {
    let run = |mut cmd: std::process::Command, what: &str| -> Result<(), Exit> {
        let status = cmd
            .status()
            .map_err(|e| Exit(1, format!("cannot run {what}: {e}")))?;
        match status.code() {
            Some(0) => Ok(()),
            Some(2) => Err(Exit(
                2,
                format!("{what} had nothing to install here (see above)"),
            )),
            _ => Err(Exit(1, format!("{what} failed (see above)"))),
        }
    };
    match args.adapter {
        Adapter::Resolve => {
            let root = checkout(args.from.as_deref())?;
            let mut cmd = std::process::Command::new("python3");
            cmd.arg(root.join("resolve-scripts/install.py"));
            if let Ok(exe) = std::env::current_exe() {
                cmd.arg("--daemon").arg(exe);
            }
            if let Some(d) = &args.dest {
                cmd.arg("--dest").arg(d);
            }
            if args.dry_run {
                cmd.arg("--dry-run");
            }
            run(cmd, "resolve-scripts/install.py")
        }
        Adapter::Premiere => {
            let root = checkout(args.from.as_deref())?;
            let mut cmd = std::process::Command::new("node");
            cmd.arg(root.join("extendscript/install.js"));
            if let Some(d) = &args.dest {
                cmd.arg("--dest").arg(d);
            }
            if args.dry_run {
                // install.js has no dry run: say what would run.
                println!("would run: {cmd:?}");
                return Ok(());
            }
            run(cmd, "extendscript/install.js")
        }
        Adapter::Ofx => {
            let bundle = match &args.from {
                Some(b) => b.clone(),
                None => {
                    let exe = std::env::current_exe().map_err(|e| Exit(1, e.to_string()))?;
                    let candidates: Vec<PathBuf> = exe
                        .ancestors()
                        .flat_map(|d| {
                            [
                                d.join("CutBridge.ofx.bundle"),
                                d.join("ofx/CutBridge.ofx.bundle"),
                            ]
                        })
                        .collect();
                    candidates.into_iter().find(|c| c.is_dir()).ok_or_else(|| {
                        Exit(1, "no CutBridge.ofx.bundle found: build it with scripts/package-ofx.sh and give --from BUNDLE".into())
                    })?
                }
            };
            if bundle.file_name().and_then(|n| n.to_str()) != Some("CutBridge.ofx.bundle")
                || !bundle.join("Contents").is_dir()
            {
                return Err(Exit(
                    1,
                    format!("{}: not a CutBridge.ofx.bundle", bundle.display()),
                ));
            }
            let dest = args
                .dest
                .clone()
                .unwrap_or_else(ofx_folder)
                .join("CutBridge.ofx.bundle");
            let n = copy_tree(&bundle, &dest, args.dry_run)
                .map_err(|e| Exit(1, format!("{}: {e} (the system folder may need administrator rights; --dest DIR installs elsewhere, then add DIR to OFX_PLUGIN_PATH)", dest.display())))?;
            println!(
                "{} {n} files of the OpenFX bundle in {}",
                if args.dry_run {
                    "would install"
                } else {
                    "installed"
                },
                dest.display()
            );
            Ok(())
        }
    }
}
