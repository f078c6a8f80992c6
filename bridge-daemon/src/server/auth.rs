//! Who may talk to the daemon: the token every session must present, and the browser `Origin`s
//! allowed at the handshake (a web page must never drive the editor).

use std::fmt;
use std::io::Write;
use std::path::Path;

use super::ServerError;

/// The shared secret, 32 random bytes as 64 hex digits. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// A fresh random token.
    pub fn generate() -> Result<Token, ServerError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ServerError::Random(e.to_string()))?;
        Ok(Token(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// A token given as text (tests, a config that manages tokens itself).
    pub fn from_text(text: &str) -> Option<Token> {
        let t = text.trim();
        (t.len() >= 16 && t.chars().all(|c| c.is_ascii_graphic())).then(|| Token(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compare with what a client sent, in time that depends only on the lengths.
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), presented.as_bytes())
    }
}

/// Equality whose running time does not depend on where the inputs first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// Read the token file, or create it (mode 0600, folder 0700) with a fresh token. A token file
/// that others can read is refused: anyone who reads it can edit the user's timelines.
pub fn load_or_create_token(path: &Path) -> Result<(Token, bool), ServerError> {
    let io = |what: &str, source| ServerError::Io {
        what: format!("{what} {}", path.display()),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_private(path)?;
            let token = Token::from_text(&text).ok_or_else(|| ServerError::BadTokenFile {
                path: path.to_path_buf(),
                why: "it must hold one token of at least 16 printable characters".into(),
            })?;
            if let Some(why) = weakness(token.as_str()) {
                return Err(ServerError::BadTokenFile {
                    path: path.to_path_buf(),
                    why: format!(
                        "{why}: delete the file and the daemon makes a random one at its next start"
                    ),
                });
            }
            Ok((token, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir).map_err(|e| io("cannot create the folder of", e))?;
            }
            let token = Token::generate()?;
            let mut file = create_private_file(path).map_err(|e| io("cannot create", e))?;
            writeln!(file, "{}", token.as_str()).map_err(|e| io("cannot write", e))?;
            file.sync_all().map_err(|e| io("cannot write", e))?;
            Ok((token, true))
        }
        Err(e) => Err(io("cannot read", e)),
    }
}

/// Why a token someone wrote into the file is too easy to guess, if it is: a token the daemon
/// makes has 64 hex digits from 32 random bytes; one of a few characters repeated is not a
/// secret.
fn weakness(token: &str) -> Option<String> {
    let distinct = token
        .chars()
        .collect::<std::collections::HashSet<char>>()
        .len();
    (distinct < 8).then(|| {
        format!("the token has only {distinct} different characters, which is easy to guess")
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), ServerError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| ServerError::Io {
        what: format!("cannot stat {}", path.display()),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    // A folder anyone may write to lets another user put their own token file in its place.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dm) = std::fs::metadata(dir)
        && dm.permissions().mode() & 0o002 != 0
    {
        return Err(ServerError::BadTokenFile {
            path: path.to_path_buf(),
            why: format!(
                "its folder {} is writable by everyone (mode {:03o}), so another user could \
                 replace it; keep it in a folder of your own (the default is \
                 ~/.config/cutbridge/token)",
                dir.display(),
                dm.permissions().mode() & 0o777
            ),
        });
    }
    if mode & 0o077 != 0 {
        return Err(ServerError::BadTokenFile {
            path: path.to_path_buf(),
            why: format!(
                "others can read it (mode {mode:03o}); run `chmod 600 {}`",
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), ServerError> {
    // Windows: the file lives in the user's profile, whose ACL is the user's own.
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Whether a handshake's `Origin` header may connect. No header (native clients: Python, Rust,
/// the OFX node, UXP sockets) may. A browser origin must be named in the config: exactly
/// (`http://localhost:8088`), as `null` (sandboxed iframes and `data:` pages send it, so any web
/// page could), or as `file://`, which admits every page loaded from a file (the CEP panel: its
/// installer adds it). Everything else, and anything not named, is refused.
pub fn origin_allowed(origin: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin.map(str::trim) else {
        return true;
    };
    let lower = origin.to_ascii_lowercase();
    allowed.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        if a == "file://" {
            lower.starts_with("file://")
        } else {
            a == lower
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
        // A shorter prefix padded with 0xff must not match.
        assert!(!constant_time_eq(b"ab\xff", b"ab"));
    }

    #[test]
    fn origins() {
        assert!(origin_allowed(None, &[]));
        // Refused unless named: null (sandboxed and data: pages), file pages, web pages.
        for o in [
            "null",
            "file://",
            "FILE:///Library/x/index.html",
            "http://evil.example",
            "http://localhost:3000",
            "",
        ] {
            assert!(!origin_allowed(Some(o), &[]), "{o}");
        }
        let allowed = vec!["http://localhost:8088".to_string(), "file://".to_string()];
        assert!(origin_allowed(Some("http://localhost:8088"), &allowed));
        assert!(origin_allowed(Some("file://"), &allowed));
        assert!(origin_allowed(
            Some("FILE:///Library/x/index.html"),
            &allowed
        ));
        assert!(
            !origin_allowed(Some("null"), &allowed),
            "file:// does not admit null"
        );
        assert!(!origin_allowed(Some("http://localhost:8089"), &allowed));
        assert!(origin_allowed(Some("null"), &["null".to_string()]));
        assert!(!origin_allowed(Some("file:///x"), &["null".to_string()]));
    }

    #[cfg(unix)]
    #[test]
    fn token_file_is_private_and_stable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("token");
        let (t1, created) = load_or_create_token(&path).unwrap();
        assert!(created);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (t2, created) = load_or_create_token(&path).unwrap();
        assert!(!created);
        assert_eq!(t1, t2);
        assert_eq!(t1.as_str().len(), 64);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load_or_create_token(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn weak_or_badly_placed_token_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let private =
            |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
        // Sixteen repeated characters, or a few characters: guessable.
        for weak in [
            "aaaaaaaaaaaaaaaa",
            "abababababababababab",
            "1234123412341234",
        ] {
            let path = dir.path().join("weak");
            std::fs::write(&path, weak).unwrap();
            private(&path);
            let e = load_or_create_token(&path).unwrap_err().to_string();
            assert!(e.contains("easy to guess"), "{weak}: {e}");
        }
        // A good token in a folder everyone may write to.
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let path = open.join("token");
        std::fs::write(&path, "0f3a9c2e71b84d56a0e9c3f7b21d8e4a").unwrap();
        private(&path);
        let e = load_or_create_token(&path).unwrap_err().to_string();
        assert!(e.contains("writable by everyone"), "{e}");
        // The same token in a private folder is fine.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(load_or_create_token(&path).is_ok());
    }
}
