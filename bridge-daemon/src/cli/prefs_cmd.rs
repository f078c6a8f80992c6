//! `bridge-daemon prefs`: show, set and clear a project's standing preferences.

use super::*;

#[derive(Subcommand, Debug)]
pub(crate) enum PrefsAction {
    /// Print a project's preferences as JSON.
    Show(PrefsProject),
    /// Add to or change a project's preferences.
    Set(PrefsSet),
    /// Forget a project's preferences.
    Clear(PrefsProject),
}

#[derive(clap::Args, Debug)]
pub(crate) struct PrefsProject {
    /// The project: the timeline's name.
    #[arg(long)]
    project: String,
    #[command(flatten)]
    dir: PrefsDir,
}

#[derive(clap::Args, Debug)]
pub(crate) struct PrefsSet {
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

pub(crate) fn prefs(action: &PrefsAction) -> Result<(), Exit> {
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
