//! Media locations as each interchange format wants them: percent-encoded `file://` URLs for the
//! XML formats, plain paths and file names for EDL comments.
//!
//! A timeline may name its media by URL (`file:///Volumes/x/a%20b.mov`, what OTIO writes) or by a
//! plain path (`/Volumes/x/a b.mov`, `C:\media\a.mov`, what some hosts write); both are accepted.

/// Characters a URL path keeps as they are: RFC 3986 unreserved, sub-delims, `:`, `@` and `/`.
fn url_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b)
}

fn percent_encode(s: &str, keep_percent: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if url_safe(b) || (keep_percent && b == b'%') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Whether `s` starts with a URL scheme (`file:`, `https:`), as opposed to a path. A single
/// letter before the colon is a Windows drive, not a scheme.
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Where a clip's media lives as one file: its `url`, or for an image sequence (OpenTimelineIO's
/// `ImageSequenceReference`, kept in the media's `extra`) its first frame's file, which is what
/// NLEs import a numbered sequence from. `None` for generators, compound clips and missing media.
pub(crate) fn location(m: &protocol::Media) -> Option<String> {
    use protocol::MediaKind;
    match m.kind() {
        MediaKind::File => m.url.clone(),
        MediaKind::ImageSequence => {
            let s = |k: &str| m.extra.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            let n = |k: &str| m.extra.get(k).and_then(|v| v.as_i64());
            let base = s("target_url_base");
            if base.is_empty() {
                return None;
            }
            let first = n("start_frame").unwrap_or(1).max(0);
            let pad = n("frame_zero_padding").unwrap_or(0).clamp(0, 32) as usize;
            let sep = if base.ends_with('/') { "" } else { "/" };
            Some(format!(
                "{base}{sep}{}{first:0pad$}{}",
                s("name_prefix"),
                s("name_suffix")
            ))
        }
        _ => None,
    }
}

/// The media location as a URL. URLs are kept, with characters a URL cannot hold (spaces,
/// non-ASCII) percent-encoded; absolute paths become `file://{host}/…` (`host` is empty for
/// `file:///…`, or `localhost`, which Final Cut Pro 7 and Premiere write); relative paths stay
/// relative.
pub(crate) fn to_url(location: &str, host: &str) -> String {
    if has_scheme(location) {
        if let Some(path) = location.strip_prefix("file:///") {
            // The host the caller wants (FCP7 writes `file://localhost/…`).
            return format!("file://{host}/{}", percent_encode(path, true));
        }
        return percent_encode(location, true);
    }
    let path = location.replace('\\', "/");
    if let Some(unc) = path.strip_prefix("//") {
        // \\server\share\clip.mov
        return format!("file://{}", percent_encode(unc, false));
    }
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if drive {
        return format!("file://{host}/{}", percent_encode(&path, false));
    }
    if path.starts_with('/') {
        return format!("file://{host}{}", percent_encode(&path, false));
    }
    percent_encode(&path, false)
}

/// The media location as a plain path: `file://` URLs are decoded (`file:///C:/x` → `C:/x`);
/// other URLs and paths are returned as they are.
pub(crate) fn to_path(location: &str) -> String {
    let Some(rest) = location
        .strip_prefix("file://")
        .or_else(|| location.strip_prefix("FILE://"))
    else {
        return location.to_string();
    };
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = percent_decode(rest);
    let b = path.as_bytes();
    if b.len() >= 3 && b[0] == b'/' && b[1].is_ascii_alphabetic() && b[2] == b':' {
        return path[1..].to_string();
    }
    if !path.starts_with('/') {
        // file://server/share/x: a UNC path.
        return format!("//{path}");
    }
    path
}

/// The media file's name without folders, decoded (`a b.mov` for `file:///x/a%20b.mov`).
pub(crate) fn file_name(location: &str) -> Option<String> {
    let path = to_path(location);
    let path = path.split(['?', '#']).next().unwrap_or(&path);
    path.rsplit(['/', '\\'])
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The file name without its extension (`clip03` for `clip03.mov`).
pub(crate) fn file_stem(location: &str) -> Option<String> {
    let name = file_name(location)?;
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => Some(stem.to_string()),
        _ => Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_file_urls() {
        assert_eq!(
            to_url("/Volumes/A/老街 1.mov", ""),
            "file:///Volumes/A/%E8%80%81%E8%A1%97%201.mov"
        );
        assert_eq!(
            to_url("/Volumes/A/b.mov", "localhost"),
            "file://localhost/Volumes/A/b.mov"
        );
        assert_eq!(
            to_url(r"C:\media\a b.mov", ""),
            "file:///C:/media/a%20b.mov"
        );
        assert_eq!(to_url(r"\\nas\share\a.mov", ""), "file://nas/share/a.mov");
        assert_eq!(to_url("media/a#1.mov", ""), "media/a%231.mov");
        // URLs keep their encoding; what a URL cannot hold is encoded.
        assert_eq!(
            to_url("file:///x/a%20b c.mov", ""),
            "file:///x/a%20b%20c.mov"
        );
        assert_eq!(
            to_url("file:///x/a%20b c.mov", "localhost"),
            "file://localhost/x/a%20b%20c.mov"
        );
        assert_eq!(to_url("https://h/x y", ""), "https://h/x%20y");
    }

    #[test]
    fn urls_become_paths_and_names() {
        assert_eq!(to_path("file:///x/a%20b.mov"), "/x/a b.mov");
        assert_eq!(to_path("file://localhost/x/b.mov"), "/x/b.mov");
        assert_eq!(to_path("file:///C:/m/c.mov"), "C:/m/c.mov");
        assert_eq!(to_path("file://nas/share/a.mov"), "//nas/share/a.mov");
        assert_eq!(to_path("/plain/path.mov"), "/plain/path.mov");
        assert_eq!(
            file_name("file:///x/%E8%80%81%E8%A1%97.mov").as_deref(),
            Some("老街.mov")
        );
        assert_eq!(file_stem(r"C:\m\clip03.mov").as_deref(), Some("clip03"));
        assert_eq!(file_name("file:///x/").as_deref(), None);
        // A stray % is kept, not decoded into garbage.
        assert_eq!(to_path("file:///x/100%.mov"), "/x/100%.mov");
    }
}
