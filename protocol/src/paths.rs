//! The one rule for where the daemon's token lives, which every client follows (the daemon,
//! `ask`, the OpenFX node; the Resolve scripts' `paths.py` and the CEP panel's
//! `js/token-path.js` in their own languages, checked against this by `tests/e2e/token_path.rs`):
//!
//! 1. `--token-file` (or the config's `token_file`), where a program takes one;
//! 2. `$CUTBRIDGE_TOKEN_FILE`, when set and not empty;
//! 3. `<config dir>/cutbridge/token`, the config dir being `%APPDATA%` on Windows,
//!    `~/Library/Application Support` on macOS, and `$XDG_CONFIG_HOME` (when set and not empty)
//!    or `~/.config` elsewhere.
//!
//! The UXP plug-in cannot read the environment: it uses step 3.

use std::ffi::OsString;
use std::path::PathBuf;

/// The operating systems whose config folders differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Windows,
    MacOs,
    Unix,
}

impl Os {
    pub const fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Unix
        }
    }
}

/// `<config dir>` (without `cutbridge`), from the environment `env` reads; `None` when the
/// variables it needs are unset.
pub fn config_dir(env: &dyn Fn(&str) -> Option<OsString>, os: Os) -> Option<PathBuf> {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match os {
        Os::Windows => set("APPDATA").map(PathBuf::from).or_else(|| {
            set("USERPROFILE").map(|h| PathBuf::from(h).join("AppData").join("Roaming"))
        }),
        Os::MacOs => {
            set("HOME").map(|h| PathBuf::from(h).join("Library").join("Application Support"))
        }
        Os::Unix => set("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| set("HOME").map(|h| PathBuf::from(h).join(".config"))),
    }
}

/// The token file when no `--token-file` is given: steps 2 and 3 above.
pub fn token_file(env: &dyn Fn(&str) -> Option<OsString>, os: Os) -> Option<PathBuf> {
    if let Some(p) = env("CUTBRIDGE_TOKEN_FILE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    Some(config_dir(env, os)?.join("cutbridge").join("token"))
}

/// [`token_file`] for this process's environment and OS.
pub fn default_token_file() -> Option<PathBuf> {
    token_file(&|k| std::env::var_os(k), Os::current())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_variable_wins_then_each_systems_config_folder() {
        let all = [
            ("CUTBRIDGE_TOKEN_FILE", "/run/t"),
            ("HOME", "/home/ed"),
            ("XDG_CONFIG_HOME", "/xdg"),
            ("APPDATA", r"C:\Users\ed\AppData\Roaming"),
        ];
        for os in [Os::Unix, Os::MacOs, Os::Windows] {
            assert_eq!(token_file(&env(&all), os), Some(PathBuf::from("/run/t")));
        }
        let rest = &all[1..];
        assert_eq!(
            token_file(&env(rest), Os::Unix),
            Some(PathBuf::from("/xdg/cutbridge/token"))
        );
        assert_eq!(
            token_file(
                &env(&[("HOME", "/home/ed"), ("XDG_CONFIG_HOME", "")]),
                Os::Unix
            ),
            Some(PathBuf::from("/home/ed/.config/cutbridge/token"))
        );
        assert_eq!(
            token_file(&env(rest), Os::MacOs),
            Some(PathBuf::from(
                "/home/ed/Library/Application Support/cutbridge/token"
            ))
        );
        assert_eq!(
            token_file(&env(rest), Os::Windows),
            Some(
                PathBuf::from(r"C:\Users\ed\AppData\Roaming")
                    .join("cutbridge")
                    .join("token")
            )
        );
        // An empty variable is unset.
        assert_eq!(
            token_file(
                &env(&[("CUTBRIDGE_TOKEN_FILE", ""), ("HOME", "/h")]),
                Os::Unix
            ),
            Some(PathBuf::from("/h/.config/cutbridge/token"))
        );
        assert_eq!(token_file(&env(&[]), Os::Unix), None);
    }
}
