//! `bridge-daemon edit`: one instruction on a timeline file → the edited timeline.

use super::*;
use engine::pipeline::InstructRequest;

#[derive(clap::Args, Debug)]
pub(crate) struct EditArgs {
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

pub(crate) fn edit(args: &EditArgs) -> Result<(), Exit> {
    let format = output_format(args.output.as_deref())?;
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
    let mut scope = engine::task::Scope::new(Some(progress_printer()))
        .with_media_root(args.timeline.parent().map(Path::to_path_buf));
    if args.transcribe {
        let dir = args.whisper.as_deref().ok_or_else(|| {
            Exit(
                1,
                "--transcribe needs a Whisper model folder: --whisper DIR".into(),
            )
        })?;
        let language =
            voice::parse_language(args.language.as_deref()).map_err(|e| Exit(1, e.to_string()))?;
        let model = voice::transcriber(Some(dir)).map_err(|e| Exit(1, e.to_string()))?;
        scope = scope.with_transcriber(model, language);
    }
    let plan = scope.run(|| {
        engine::pipeline::plan(
            &InstructRequest::new(&timeline, &args.instruction, &*backend)
                .with_preferences(&standing),
        )
    });
    let refused = |refusal: engine::pipeline::Refusal| {
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
        refused(engine::pipeline::Refusal::new(
            engine::pipeline::RefusalKind::Impossible,
            e.to_string(),
        ))
    })?;
    if args.explain {
        for n in &notes {
            println!("{n}");
        }
        print!("{}", engine::pipeline::explain_plan(&header, &plan));
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
