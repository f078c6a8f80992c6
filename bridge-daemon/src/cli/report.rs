//! `bridge-daemon report`: instructions or a cut list → an HTML report and its Markdown summary.

use super::*;

#[derive(clap::Args, Debug)]
pub(crate) struct ReportArgs {
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

pub(crate) fn report(args: &ReportArgs) -> Result<(), Exit> {
    use engine::index::Index;
    use engine::report::{self, InstructionReport, Report};
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
        let outcome = engine::pipeline::run(
            &engine::pipeline::InstructRequest::new(&current, text, &Rules)
                .with_preferences(&standing),
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
