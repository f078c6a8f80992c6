//! `bridge-daemon assemble`: takes and a script → a rough cut.

use super::*;

#[derive(clap::Args, Debug)]
pub(crate) struct AssembleArgs {
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

pub(crate) fn assemble(args: &AssembleArgs) -> Result<(), Exit> {
    use engine::assemble;
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
