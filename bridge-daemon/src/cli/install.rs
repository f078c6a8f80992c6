//! `bridge-daemon install`: the adapters into their hosts' folders, through each adapter's own installer.

use super::*;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Adapter {
    /// The Resolve scripts (Workspace ▸ Scripts) and their Python package.
    Resolve,
    /// Premiere Pro: the UXP plug-in for 25.6 and later (a .ccx through Adobe's installer), the
    /// CEP panel for older versions (Window ▸ Extensions ▸ CutBridge); says which it did.
    Premiere,
    /// The OpenFX node (CutBridge.ofx.bundle).
    Ofx,
}

#[derive(clap::Args, Debug)]
pub(crate) struct InstallArgs {
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

/// The source checkout: `--from`, else the first folder above this binary or the current folder
/// that holds the adapters.
pub(crate) fn checkout(from: Option<&Path>) -> Result<PathBuf, Exit> {
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
pub(crate) fn ofx_folder() -> PathBuf {
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

pub(crate) fn copy_tree(from: &Path, to: &Path, dry_run: bool) -> std::io::Result<usize> {
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
pub(crate) fn install(args: &InstallArgs) -> Result<(), Exit> {
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
