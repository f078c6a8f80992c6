//! Rules that hold across the repository:
//! - every copy of the token-path rule (`protocol::paths`) finds the same file for the same
//!   environment: the Resolve scripts' Python (`cutbridge_resolve/paths.py`) and the Premiere
//!   panels' JavaScript (`extendscript/js/token-path.js`), run as their own interpreters with
//!   that environment (the daemon, `ask` and the OpenFX node call `protocol::paths` itself);
//! - every Rust file says what it is in a `//!` doc before its first item.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use protocol::paths::{Os, token_file};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Run `program args` with exactly `vars` (plus PATH) and return its one line of output.
fn run(program: &str, args: &[&str], cwd: &Path, vars: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(cwd).env_clear();
    if let Some(p) = std::env::var_os("PATH") {
        cmd.env("PATH", p);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn python_and_javascript_follow_the_rule() {
    let cases: [&[(&str, &str)]; 4] = [
        &[
            ("HOME", "/home/ed"),
            ("CUTBRIDGE_TOKEN_FILE", "/run/cutbridge/t"),
        ],
        &[("HOME", "/home/ed"), ("XDG_CONFIG_HOME", "/srv/xdg")],
        &[("HOME", "/home/ed")],
        &[
            ("HOME", "/home/ed"),
            ("XDG_CONFIG_HOME", ""),
            ("CUTBRIDGE_TOKEN_FILE", ""),
        ],
    ];
    for vars in cases {
        let env = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        };
        let want = token_file(&env, Os::Unix)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let python = run(
            "python3",
            &[
                "-c",
                "import cutbridge_resolve.paths as p; print(p.token_file())",
            ],
            &repo().join("resolve-scripts"),
            vars,
        );
        assert_eq!(python, want, "paths.py with {vars:?}");
        let js = run(
            "node",
            &[
                "-e",
                "const { tokenPath } = require('./extendscript/js/token-path'); \
                 console.log(tokenPath(process.env, 'linux', require('os').homedir()))",
            ],
            &repo(),
            vars,
        );
        assert_eq!(js, want, "token-path.js with {vars:?}");
    }
}

#[test]
fn javascript_follows_the_rule_on_macos_and_windows() {
    // The panels run on macOS and Windows: their branches, against the rule's.
    for (os, platform, vars) in [
        (Os::MacOs, "darwin", vec![("HOME", "/Users/ed")]),
        (
            Os::Windows,
            "win32",
            vec![("APPDATA", r"C:\Users\ed\AppData\Roaming")],
        ),
        (Os::Windows, "win32", vec![("USERPROFILE", r"C:\Users\ed")]),
    ] {
        let env = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        };
        let want = token_file(&env, os).unwrap();
        let script = format!(
            "const {{ tokenPath }} = require('./extendscript/js/token-path'); \
             console.log(tokenPath(process.env, '{platform}', ''))"
        );
        let js = run("node", &["-e", &script], &repo(), &vars);
        // Compare component by component: this test runs on Linux, where `\` is no separator.
        let parts = |s: &str| -> Vec<String> {
            s.split(['/', '\\'])
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        };
        let want_parts: Vec<String> = want
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .flat_map(|c| parts(&c))
            .collect();
        assert_eq!(parts(&js), want_parts, "{platform} with {vars:?}");
    }
}

/// The Rust files of the repository (not build outputs, not installed packages).
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !(name.starts_with('.')
                || name == "target"
                || name == "node_modules"
                || name == "corpus"
                || name == "artifacts")
            {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_begins_with_a_module_doc() {
    let mut files = Vec::new();
    rust_files(&repo(), &mut files);
    assert!(files.len() > 100, "found only {} Rust files", files.len());
    let mut missing = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // Before the first line of code, only comments, attributes and blank lines; one `//!`.
        let head: Vec<&str> = text
            .lines()
            .map(str::trim)
            .take_while(|l| {
                l.is_empty() || l.starts_with("//") || l.starts_with("/*") || l.starts_with("#![")
            })
            .collect();
        if !head.iter().any(|l| l.starts_with("//!")) {
            missing.push(f.strip_prefix(repo()).unwrap_or(f).display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "no //! doc at the top of: {}",
        missing.join(", ")
    );
}

/// The modules of a library each file or folder of its `src/` holds (not a binary's).
fn library_modules(src: &Path) -> Vec<(String, Vec<PathBuf>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if matches!(name.as_str(), "main.rs" | "lib.rs" | "cli") {
            continue;
        }
        let (module, files) = if p.is_dir() {
            let mut files = Vec::new();
            rust_files(&p, &mut files);
            (name, files)
        } else {
            (name.trim_end_matches(".rs").to_string(), vec![p])
        };
        out.push((module, files));
    }
    out.sort();
    out
}

/// The crates split by role (issue 15): each library's modules import each other in one
/// direction only; between crates, Cargo itself refuses a cycle.
#[test]
fn no_module_of_a_library_imports_one_that_imports_it_back() {
    for krate in [
        "engine",
        "bridge-daemon",
        "interchange",
        "voice",
        "protocol",
    ] {
        no_module_cycles(&repo().join(krate).join("src"));
    }
}

fn no_module_cycles(src: &Path) {
    let modules = library_modules(src);
    assert!(modules.len() > 1, "{}: no modules found", src.display());
    let names: Vec<&str> = modules.iter().map(|(m, _)| m.as_str()).collect();
    let mut uses: Vec<(String, String)> = Vec::new();
    for (m, files) in &modules {
        for f in files {
            let text = std::fs::read_to_string(f).unwrap();
            // Test code may reach anywhere: only what is compiled into the library counts.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let is_test_module = f
                .file_name()
                .is_some_and(|n| n == "tests.rs" || n == "paraphrases.rs");
            if is_test_module {
                continue;
            }
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let dep: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if dep != *m
                    && names.contains(&dep.as_str())
                    && !uses.contains(&(m.clone(), dep.clone()))
                {
                    uses.push((m.clone(), dep));
                }
            }
        }
    }
    let mut cycles: Vec<(String, String)> = uses
        .iter()
        .filter(|(a, b)| a < b && uses.contains(&(b.clone(), a.clone())))
        .cloned()
        .collect();
    cycles.sort();
    assert!(
        cycles.is_empty(),
        "{}: modules that import each other: {cycles:?}",
        src.display()
    );
}

/// The crates `cargo tree` lists under `package` (normal and build dependencies), given `flags`.
fn dependency_tree(package: &str, flags: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Where cargo finds its registry and toolchain (`run` starts from an empty environment).
    let keep: Vec<(&str, String)> = ["HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k, v)))
        .collect();
    let mut args = vec![
        "tree",
        "--offline",
        "-p",
        package,
        "-e",
        "normal,build",
        "--prefix",
        "none",
    ];
    args.extend_from_slice(flags);
    let vars: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let tree = run(&cargo, &args, &repo(), &vars);
    let mut crates: Vec<String> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

/// The engine is the meaning of an instruction, not its transport: nothing it builds on, however
/// deep, is an async runtime or a WebSocket (issue 15). `cargo tree` answers from the lock file.
/// Without its `chatglm` feature it builds without candle, so its tests do too.
#[test]
fn the_engine_depends_on_no_runtime_and_no_websocket() {
    let full = dependency_tree("cutbridge-engine", &[]);
    let bare = dependency_tree("cutbridge-engine", &["--no-default-features"]);
    for crates in [&full, &bare] {
        assert!(
            crates.iter().any(|c| c == "cutbridge-interchange")
                && crates.iter().any(|c| c == "cutbridge-voice"),
            "not the engine's tree: {crates:?}"
        );
        for banned in ["tokio", "tokio-tungstenite", "tungstenite", "futures-util"] {
            assert!(
                !crates.iter().any(|c| c == banned),
                "cutbridge-engine depends on {banned}: {crates:?}"
            );
        }
    }
    assert!(full.iter().any(|c| c == "candle-core"), "{full:?}");
    for model in [
        "candle-core",
        "cutbridge-inference",
        "tokenizers",
        "llguidance",
    ] {
        assert!(
            !bare.iter().any(|c| c == model),
            "cutbridge-engine --no-default-features still builds {model}: {bare:?}"
        );
    }
}
