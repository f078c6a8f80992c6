//! Reading FCP7 XML (xmeml): what Premiere Pro exports (*File ▸ Export ▸ Final Cut Pro XML*),
//! what Final Cut Pro 7, DaVinci Resolve and OpenTimelineIO's `fcp_xml` adapter write, and what
//! [`super::xmeml`] writes.
//!
//! - One sequence is read: the first one (`/xmeml/sequence`, or in a project's or bin's
//!   `children`) that no clip uses as a nested sequence and that holds clips; any other is noted. Its `rate` (`timebase` + `ntsc`) is the timeline's
//!   rate and its `timecode` (`frame`, else `string`; `displayformat` DF) the start timecode.
//! - `media/video/track` become V1, V2, …, `media/audio/track` A1, A2, … (the second track of
//!   an exploded stereo pair, as Premiere writes them, is noted and not read again).
//! - A `clipitem` (or `generatoritem`) takes `start`–`end` of record time at the sequence rate; a
//!   `-1` edge lies under a transition and is its cut point (alignment `start`, `end`, else the
//!   centre, rounded down, as OTIO's adapter reads it). `in` counts frames at the clip's own rate
//!   from its media's start timecode (the `file`'s `timecode`); under a transition `in` reaches
//!   back into the handle, by the transition's head times the clip's speed. Every source time is
//!   converted to the timeline's rate with exact fractions; a conversion that is not a whole
//!   frame is rounded and noted.
//! - `file`s are written once and referred to by id later (`<file id="file-1"/>`); the same holds
//!   for any element with an `id` and no children. `pathurl` becomes a plain, percent-decoded path
//!   (`file://localhost/V/a%20b.mov` → `/V/a b.mov`); a file with a `mediaSource` (Premiere's
//!   Slug, …) and a `generatoritem` are generators; a file with neither is missing media.
//! - A clipitem holding a `sequence` is a compound clip: the nested sequence is read the same way
//!   into [`protocol::Nested`] (its own record time, frames at the outer rate).
//! - Speed is the *Time Remap* filter (`timeremap`, `speed` in percent; variable speed and
//!   reverse are noted). Other filters are kept as OTIO `Effect` JSON on the clip and noted.
//! - `link`s join picture and sound: clips linked to each other share [`protocol::Clip::link`],
//!   the id of the group's first clipitem.
//! - Sequence markers are timeline markers (record time); clip markers are in the clip's source
//!   time (`in` counted like the clip's `in`). `out` = −1 is a point marker. Colors come from
//!   Premiere's `pproColor`, or a `color` element (a name, or `red`/`green`/`blue`); otherwise
//!   RED, OpenTimelineIO's default.
//!
//! Parts of this module (the XML and fraction helpers) serve the FCPXML reader too.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use protocol::{
    Clip, DISSOLVE, FrameRange, Gap, Item, Marker, Media, Nested, Rate, Timeline, Track, TrackKind,
    Transition, timecode,
};
use roxmltree::{Document, Node, NodeId};
use serde_json::{Map, Value, json};

use super::{MAX_FRAMES, ReadError, Reading, SPEEDS, media_url, num};

// ---------------------------------------------------------------------------------------------
// Helpers shared with the FCPXML reader.
// ---------------------------------------------------------------------------------------------

/// The most nodes a document may have (a 200 MB export has about five million).
const NODES_LIMIT: u32 = 20_000_000;

/// How deep compound clips may nest.
pub(super) const MAX_NESTING: usize = 16;

/// How deep elements may nest. The XML parser descends recursively, so a deeper document would
/// overflow the stack; real exports stay far below (a compound clip in FCP7 XML adds about ten
/// levels).
const MAX_DEPTH: usize = 512;

/// `line N, column M` of a byte offset, for [`ReadError::Syntax`].
fn syntax(text: &str, pos: usize, why: &str) -> ReadError {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ReadError::Syntax {
        line,
        column,
        why: why.to_string(),
    }
}

/// What the XML parser is not given: elements nested deeper than [`MAX_DEPTH`], and entities of
/// the document's own DTD that hold markup or references (which could nest elements without
/// limit when expanded). A cheap scan of the raw text; anything it misreads is malformed XML
/// that the parser refuses anyway.
fn precheck(text: &str) -> Result<(), ReadError> {
    let b = text.as_bytes();
    let find = |from: usize, pat: &str| {
        text.get(from..)
            .and_then(|t| t.find(pat))
            .map(|p| from + p + pat.len())
    };
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i = find(i + 4, "-->").unwrap_or(b.len());
        } else if rest.starts_with(b"<![CDATA[") {
            i = find(i + 9, "]]>").unwrap_or(b.len());
        } else if rest.starts_with(b"<?") {
            i = find(i + 2, "?>").unwrap_or(b.len());
        } else if rest.starts_with(b"<!") {
            // A DOCTYPE: its internal subset, if any, runs to `]>`.
            let end = find(i, ">").unwrap_or(b.len());
            let open = text[i..end].find('[').map(|p| i + p);
            let Some(open) = open else {
                i = end;
                continue;
            };
            let close = find(open, "]").unwrap_or(b.len());
            let subset = &text[open..close];
            let mut from = 0;
            while let Some(p) = subset[from..].find("<!ENTITY") {
                let decl = from + p;
                let q = subset[decl..].find(['"', '\'']).map(|q| decl + q);
                let Some(q) = q else { break };
                let quote = subset[q..].chars().next().unwrap_or('"');
                let value_end = subset[q + 1..]
                    .find(quote)
                    .map_or(subset.len(), |e| q + 1 + e);
                let value = &subset[q + 1..value_end];
                if value.contains(['<', '&', '%']) {
                    return Err(syntax(
                        text,
                        open + decl,
                        "an entity of the document's DTD holds markup or references: not accepted",
                    ));
                }
                from = value_end.max(decl + 1).min(subset.len());
            }
            i = find(close, ">").unwrap_or(b.len());
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i += 2;
        } else {
            // A start tag: to its `>`, outside quoted attribute values.
            let mut j = i + 1;
            let mut quote = None;
            while j < b.len() {
                match (quote, b[j]) {
                    (None, b'"' | b'\'') => quote = Some(b[j]),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if j < b.len() && b[j - 1] != b'/' {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(syntax(
                        text,
                        i,
                        &format!("elements nest more than {MAX_DEPTH} deep"),
                    ));
                }
            }
            i = j + 1;
        }
    }
    Ok(())
}

/// Parse XML text (a DTD is allowed: both formats start with `<!DOCTYPE …>`).
pub(super) fn parse_document(text: &str) -> Result<Document<'_>, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    precheck(text)?;
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: NODES_LIMIT,
    };
    Document::parse_with_options(text, opt).map_err(|e| {
        let pos = e.pos();
        let why = e.to_string();
        let why = match why.rsplit_once(" at ") {
            Some((head, tail)) if tail.contains(':') => head.to_string(),
            _ => why,
        };
        ReadError::Syntax {
            line: pos.row as usize,
            column: pos.col as usize,
            why,
        }
    })
}

/// The element's path from the root: `/xmeml/sequence/media/video/track[2]/clipitem[3]` (an index
/// where the element has siblings of its name).
pub(super) fn xml_path(node: Node) -> String {
    let mut parts: Vec<String> = Vec::new();
    for n in node.ancestors().filter(Node::is_element) {
        let name = n.tag_name().name();
        let same = |s: &Node| s.is_element() && s.tag_name().name() == name;
        // Both axes start at the node itself.
        let index = n.prev_siblings().filter(same).count();
        let total = index + n.next_siblings().filter(same).count() - 1;
        if total > 1 {
            parts.push(format!("{name}[{index}]"));
        } else {
            parts.push(name.to_string());
        }
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// Line numbers and paths of a document's elements, looked up fast (a reader may write a note
/// for every clip of a large file).
#[derive(Debug)]
pub(super) struct Lines {
    starts: Vec<usize>,
    /// Each element's place among its siblings of the same name: (1-based index, how many).
    index: RefCell<HashMap<NodeId, (usize, usize)>>,
}

impl Lines {
    pub(super) fn new(doc: &Document) -> Lines {
        let text = doc.input_text();
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            starts,
            index: RefCell::new(HashMap::new()),
        }
    }

    fn index_of(&self, n: Node) -> (usize, usize) {
        if let Some(&i) = self.index.borrow().get(&n.id()) {
            return i;
        }
        let Some(parent) = n.parent() else {
            return (1, 1);
        };
        let mut seen: HashMap<&str, Vec<NodeId>> = HashMap::new();
        for c in parent.children().filter(Node::is_element) {
            seen.entry(c.tag_name().name()).or_default().push(c.id());
        }
        let mut index = self.index.borrow_mut();
        for ids in seen.values() {
            for (i, id) in ids.iter().enumerate() {
                index.insert(*id, (i + 1, ids.len()));
            }
        }
        index.get(&n.id()).copied().unwrap_or((1, 1))
    }

    /// `line N: /path` of an element, as [`place`] gives it.
    pub(super) fn place(&self, node: Node) -> String {
        let line = self.starts.partition_point(|&s| s <= node.range().start);
        let mut parts: Vec<String> = Vec::new();
        for n in node.ancestors().filter(Node::is_element) {
            let name = n.tag_name().name();
            match self.index_of(n) {
                (i, total) if total > 1 => parts.push(format!("{name}[{i}]")),
                _ => parts.push(name.to_string()),
            }
        }
        parts.reverse();
        format!("line {line}: /{}", parts.join("/"))
    }
}

/// `line N: /path` of an element (counting lines from the start: for errors, not notes).
pub(super) fn place(node: Node) -> String {
    let pos = node.document().text_pos_at(node.range().start);
    format!("line {}: {}", pos.row, xml_path(node))
}

pub(super) fn invalid(node: Node, why: impl Into<String>) -> ReadError {
    ReadError::Invalid {
        place: place(node),
        why: why.into(),
    }
}

/// The first element child named `name`.
pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Every element child named `name`.
pub(super) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// Whether an element has element children (an id reference has none).
pub(super) fn has_elements(node: Node) -> bool {
    node.children().any(|c| c.is_element())
}

/// The trimmed text of an element (all its text, entities resolved).
pub(super) fn text_of(node: Node) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// The trimmed text of the first child named `name`.
pub(super) fn child_text(node: Node, name: &str) -> Option<String> {
    child(node, name).map(text_of)
}

/// An element as JSON, the way OpenTimelineIO's FCP adapters keep XML as metadata: attributes as
/// `@name`, leaf children as text, repeated children as lists.
pub(super) fn element_json(node: Node) -> Value {
    fn walk(node: Node, depth: usize) -> Value {
        let mut o = Map::new();
        for a in node.attributes() {
            o.insert(format!("@{}", a.name()), json!(a.value()));
        }
        let mut lists: HashSet<String> = HashSet::new();
        for c in node.children().filter(Node::is_element) {
            let name = c.tag_name().name().to_string();
            let leaf = !c.children().any(|x| x.is_element()) && c.attributes().len() == 0;
            let v = if leaf || depth >= 32 {
                json!(text_of(c))
            } else {
                walk(c, depth + 1)
            };
            match o.get_mut(&name) {
                Some(Value::Array(a)) if lists.contains(&name) => a.push(v),
                Some(old) => {
                    let first = old.take();
                    *old = Value::Array(vec![first, v]);
                    lists.insert(name);
                }
                None => {
                    o.insert(name, v);
                }
            }
        }
        Value::Object(o)
    }
    walk(node, 0)
}

/// An exact fraction `n / d` (`d > 0`, reduced); every operation is checked for overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ratio {
    n: i128,
    d: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Ratio {
    pub(super) const ZERO: Ratio = Ratio { n: 0, d: 1 };

    pub(super) fn new(n: i128, d: i128) -> Option<Ratio> {
        if d == 0 {
            return None;
        }
        let g = gcd(n, d).max(1);
        let (n, d) = (n / g, d / g);
        Some(if d < 0 {
            Ratio {
                n: n.checked_neg()?,
                d: d.checked_neg()?,
            }
        } else {
            Ratio { n, d }
        })
    }

    pub(super) fn int(n: i64) -> Ratio {
        Ratio {
            n: i128::from(n),
            d: 1,
        }
    }

    /// The rate as frames per second.
    pub(super) fn fps(rate: Rate) -> Ratio {
        Ratio::new(i128::from(rate.num()), i128::from(rate.den())).unwrap_or(Ratio::ZERO)
    }

    /// Seconds per frame at `rate`.
    pub(super) fn frame(rate: Rate) -> Ratio {
        Ratio::new(i128::from(rate.den()), i128::from(rate.num())).unwrap_or(Ratio::ZERO)
    }

    pub(super) fn add(self, o: Ratio) -> Option<Ratio> {
        let g = gcd(self.d, o.d).max(1);
        let n = self
            .n
            .checked_mul(o.d / g)?
            .checked_add(o.n.checked_mul(self.d / g)?)?;
        Ratio::new(n, self.d.checked_mul(o.d / g)?)
    }

    pub(super) fn sub(self, o: Ratio) -> Option<Ratio> {
        self.add(Ratio {
            n: o.n.checked_neg()?,
            d: o.d,
        })
    }

    pub(super) fn div(self, o: Ratio) -> Option<Ratio> {
        if o.n == 0 {
            return None;
        }
        self.mul(Ratio::new(o.d, o.n)?)
    }

    pub(super) fn is_negative(self) -> bool {
        self.n < 0
    }

    pub(super) fn abs(self) -> Ratio {
        Ratio {
            n: self.n.abs(),
            d: self.d,
        }
    }

    pub(super) fn mul(self, o: Ratio) -> Option<Ratio> {
        let g1 = gcd(self.n, o.d).max(1);
        let g2 = gcd(o.n, self.d).max(1);
        Ratio::new(
            (self.n / g1).checked_mul(o.n / g2)?,
            (self.d / g2).checked_mul(o.d / g1)?,
        )
    }

    pub(super) fn numer(self) -> i128 {
        self.n
    }

    pub(super) fn denom(self) -> i128 {
        self.d
    }

    pub(super) fn is_integer(self) -> bool {
        self.d == 1
    }

    /// The nearest integer, halves away from zero.
    pub(super) fn round(self) -> i128 {
        let q = self.n.div_euclid(self.d);
        let r = self.n.rem_euclid(self.d);
        // r / d >= 1/2 rounds up; exactly 1/2 rounds away from zero.
        match (2 * r).cmp(&self.d) {
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Equal => {
                if self.n >= 0 {
                    q + 1
                } else {
                    q
                }
            }
        }
    }

    pub(super) fn to_f64(self) -> f64 {
        self.n as f64 / self.d as f64
    }
}

/// A frame count as text with at most three decimals (`11.52`).
pub(super) fn frames_text(r: Ratio) -> String {
    let s = format!("{:.3}", r.to_f64());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Whole frames at `rate` for `seconds`, rounded; a note when that is not exact. `what` names the
/// quantity for the note (`source start`).
pub(super) fn to_frames(
    seconds: Ratio,
    rate: Rate,
    node: Node,
    what: &str,
    lines: &Lines,
    notes: &mut Vec<String>,
) -> Result<i64, ReadError> {
    let exact = seconds
        .mul(Ratio::fps(rate))
        .ok_or_else(|| invalid(node, format!("{what}: the number is too large")))?;
    let n = exact.round();
    if n.abs() > i128::from(MAX_FRAMES) {
        return Err(invalid(node, format!("{what}: {n} frames is out of range")));
    }
    if !exact.is_integer() {
        notes.push(format!(
            "{}: {what} is {} frames at {rate} fps, not a whole frame: rounded to {n}",
            lines.place(node),
            frames_text(exact)
        ));
    }
    Ok(n as i64)
}

/// The nearest marker color name for an RGB color.
pub(super) fn nearest_color(r: u8, g: u8, b: u8) -> &'static str {
    const PALETTE: [(&str, [i32; 3]); 11] = [
        ("RED", [255, 0, 0]),
        ("ORANGE", [255, 128, 0]),
        ("YELLOW", [255, 255, 0]),
        ("GREEN", [0, 200, 0]),
        ("CYAN", [0, 255, 255]),
        ("BLUE", [0, 0, 255]),
        ("PURPLE", [128, 0, 255]),
        ("MAGENTA", [255, 0, 255]),
        ("PINK", [255, 128, 192]),
        ("WHITE", [255, 255, 255]),
        ("BLACK", [0, 0, 0]),
    ];
    let c = [i32::from(r), i32::from(g), i32::from(b)];
    PALETTE
        .iter()
        .min_by_key(|(_, p)| (0..3).map(|i| (p[i] - c[i]).pow(2)).sum::<i32>())
        .map_or("RED", |(n, _)| n)
}

/// A color name OpenTimelineIO knows, from any spelling (`Red`, `red`, `PURPLE`).
pub(super) fn color_name(s: &str) -> Option<&'static str> {
    const NAMES: [&str; 11] = [
        "RED", "ORANGE", "YELLOW", "GREEN", "CYAN", "BLUE", "PURPLE", "MAGENTA", "PINK", "WHITE",
        "BLACK",
    ];
    let up = s.trim().to_ascii_uppercase();
    NAMES.iter().find(|n| **n == up).copied()
}

// ---------------------------------------------------------------------------------------------
// FCP7 XML.
// ---------------------------------------------------------------------------------------------

/// A `rate` element: `timebase` and `ntsc`.
fn rate_of(rate: Node) -> Result<Rate, ReadError> {
    let base_text =
        child_text(rate, "timebase").ok_or_else(|| invalid(rate, "the rate has no <timebase>"))?;
    let base: f64 = base_text
        .parse()
        .ok()
        .filter(|b: &f64| b.is_finite() && *b > 0.0 && *b <= 1000.0)
        .ok_or_else(|| invalid(rate, format!("timebase {base_text:?} is not a frame rate")))?;
    let ntsc = child_text(rate, "ntsc").is_some_and(|t| t.eq_ignore_ascii_case("TRUE"));
    let r = if ntsc {
        Rate::new(base.round() as u32 * 1000, 1001)
    } else if base.fract() == 0.0 {
        Rate::new(base as u32, 1)
    } else {
        Rate::from_f64(base)
    };
    r.map_err(|e| invalid(rate, e.to_string()))
}

/// The `rate` child of an element, if it has one.
fn own_rate(node: Node) -> Result<Option<Rate>, ReadError> {
    child(node, "rate").map(rate_of).transpose()
}

/// An integer child (`start`, `in`): whole, and within ±[`MAX_FRAMES`].
fn int_child(node: Node, name: &str) -> Result<Option<i64>, ReadError> {
    let Some(c) = child(node, name) else {
        return Ok(None);
    };
    let t = text_of(c);
    let v = match t.parse::<i64>() {
        Ok(v) => v,
        Err(_) => match t.parse::<f64>() {
            Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_FRAMES as f64 => f as i64,
            _ => return Err(invalid(c, format!("{t:?} is not a whole number"))),
        },
    };
    if v.abs() > MAX_FRAMES {
        return Err(invalid(c, format!("{v} frames is out of range")));
    }
    Ok(Some(v))
}

fn is_true(node: Node, name: &str) -> Option<bool> {
    child_text(node, name).map(|t| t.eq_ignore_ascii_case("TRUE") || t == "1")
}

/// A marker color from Premiere's `pproColor` (0xAABBGGRR; its palette by value) or a `color`.
fn marker_color(m: Node) -> String {
    if let Some(v) = child_text(m, "pproColor").and_then(|t| t.parse::<u64>().ok()) {
        let known = match v {
            4_281_740_498 => Some("RED"),
            4_281_828_977 => Some("GREEN"),
            4_289_825_711 => Some("PURPLE"),
            4_280_578_025 => Some("ORANGE"),
            4_281_049_552 => Some("YELLOW"),
            4_294_967_295 => Some("WHITE"),
            4_294_741_314 => Some("BLUE"),
            4_292_277_273 => Some("CYAN"),
            _ => None,
        };
        let name = known.unwrap_or_else(|| {
            let b = |shift: u32| ((v >> shift) & 0xff) as u8;
            nearest_color(b(0), b(8), b(16))
        });
        return name.to_string();
    }
    if let Some(c) = child(m, "color") {
        if let Some(name) = color_name(&text_of(c)).filter(|_| !has_elements(c)) {
            return name.to_string();
        }
        let part = |n: &str| {
            child_text(c, n)
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        if let (Some(r), Some(g), Some(b)) = (part("red"), part("green"), part("blue")) {
            // 0–255, or 0–65535 in some writers.
            let scale = if r.max(g).max(b) > 255.0 { 257.0 } else { 1.0 };
            let byte = |v: f64| (v / scale).clamp(0.0, 255.0) as u8;
            return nearest_color(byte(r), byte(g), byte(b)).to_string();
        }
    }
    "RED".to_string()
}

/// A `file` as media, with its start in seconds (the `timecode`).
#[derive(Clone)]
struct FileMedia {
    media: Media,
    start: Ratio,
}

/// One `clipitem`, `generatoritem` or `transitionitem` of a track, resolved.
struct Placed<'a, 'i> {
    /// Where the item is listed (for places in messages).
    at: Node<'a, 'i>,
    /// The element with its content (the listed one, or the one its id refers to).
    el: Node<'a, 'i>,
    /// Record frames at the sequence rate: `[start, end)`; for a transition, its cut too.
    start: i64,
    end: i64,
    cut: i64,
    /// Record frames of a transition before the cut that the clip's `in` reaches into.
    lead: i64,
    transition: bool,
}

struct Reader<'a, 'i> {
    doc: &'a Document<'i>,
    lines: Lines,
    /// The timeline's rate: every frame number of the model is at this rate.
    rate: Rate,
    /// Elements with an id and content, by (tag, id): the first one in the document.
    defs: HashMap<(String, String), NodeId>,
    files: HashMap<NodeId, FileMedia>,
    notes: Vec<String>,
    /// The sequences being read (compound clips), to refuse a sequence inside itself.
    open: Vec<NodeId>,
    /// Link groups: clipitem id → the id it is joined to (union-find), and first-seen order.
    link_parent: HashMap<String, String>,
    link_order: HashMap<String, usize>,
}

impl<'a, 'i> Reader<'a, 'i> {
    fn new(doc: &'a Document<'i>) -> Self {
        let mut defs = HashMap::new();
        for n in doc.descendants().filter(Node::is_element) {
            if let Some(id) = n.attribute("id")
                && has_elements(n)
            {
                defs.entry((n.tag_name().name().to_string(), id.to_string()))
                    .or_insert(n.id());
            }
        }
        Reader {
            doc,
            lines: Lines::new(doc),
            rate: Rate::FPS_25,
            defs,
            files: HashMap::new(),
            notes: Vec::new(),
            open: Vec::new(),
            link_parent: HashMap::new(),
            link_order: HashMap::new(),
        }
    }

    /// The element an id reference (`<file id="file-1"/>`, no content) stands for.
    fn deref(&self, node: Node<'a, 'i>) -> Node<'a, 'i> {
        if has_elements(node) {
            return node;
        }
        let Some(id) = node.attribute("id") else {
            return node;
        };
        self.defs
            .get(&(node.tag_name().name().to_string(), id.to_string()))
            .and_then(|&nid| self.doc.get_node(nid))
            .unwrap_or(node)
    }

    fn note(&mut self, node: Node, what: impl AsRef<str>) {
        self.notes
            .push(format!("{}: {}", place(node), what.as_ref()));
    }

    /// `frames` at `from` in whole frames at the timeline's rate, noted when rounded.
    fn frames(
        &mut self,
        node: Node,
        frames: i64,
        from: Rate,
        what: &str,
    ) -> Result<i64, ReadError> {
        if from == self.rate {
            return Ok(frames);
        }
        let seconds = Ratio::int(frames)
            .mul(Ratio::frame(from))
            .ok_or_else(|| invalid(node, "the number is too large"))?;
        to_frames(seconds, self.rate, node, what, &self.lines, &mut self.notes)
    }

    fn seconds(&mut self, node: Node, s: Ratio, what: &str) -> Result<i64, ReadError> {
        to_frames(s, self.rate, node, what, &self.lines, &mut self.notes)
    }

    // ----- links -----

    fn link_root(&mut self, id: &str) -> String {
        let mut cur = id.to_string();
        let mut seen = Vec::new();
        while let Some(p) = self.link_parent.get(&cur) {
            if *p == cur {
                break;
            }
            seen.push(cur.clone());
            cur = p.clone();
        }
        for s in seen {
            self.link_parent.insert(s, cur.clone());
        }
        cur
    }

    fn link_touch(&mut self, id: &str) {
        let n = self.link_order.len();
        self.link_order.entry(id.to_string()).or_insert(n);
        self.link_parent
            .entry(id.to_string())
            .or_insert_with(|| id.to_string());
    }

    fn link_join(&mut self, a: &str, b: &str) {
        self.link_touch(a);
        self.link_touch(b);
        let (ra, rb) = (self.link_root(a), self.link_root(b));
        if ra == rb {
            return;
        }
        let (first, second) = if self.link_order[&ra] <= self.link_order[&rb] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.link_parent.insert(second, first);
    }

    // ----- sequences -----

    /// The tracks and markers of a sequence, record times from its first frame, frames at the
    /// timeline's rate.
    fn sequence(
        &mut self,
        seq: Node<'a, 'i>,
    ) -> Result<(Vec<Track>, Vec<Marker>, Rate), ReadError> {
        if self.open.contains(&seq.id()) {
            return Err(invalid(seq, "the sequence contains itself"));
        }
        if self.open.len() >= MAX_NESTING {
            return Err(invalid(
                seq,
                format!("compound clips nest more than {MAX_NESTING} deep"),
            ));
        }
        self.open.push(seq.id());
        let seq_rate = match own_rate(seq)? {
            Some(r) => r,
            None => self.rate,
        };
        let mut tracks = Vec::new();
        if let Some(media) = child(seq, "media").map(|m| self.deref(m)) {
            for (tag, kind, prefix) in [
                ("video", TrackKind::Video, "V"),
                ("audio", TrackKind::Audio, "A"),
            ] {
                let Some(section) = child(media, tag).map(|m| self.deref(m)) else {
                    continue;
                };
                let mut n = 0;
                for t in children(section, "track") {
                    let t = self.deref(t);
                    if kind == TrackKind::Audio && !primary_channel(t) {
                        self.note(
                            t,
                            "a later channel of an exploded stereo track: read once, as the \
                             track before it",
                        );
                        continue;
                    }
                    n += 1;
                    tracks.push(self.track(t, kind, format!("{prefix}{n}"), seq_rate)?);
                }
            }
        }
        let mut markers = Vec::new();
        for m in children(seq, "marker") {
            markers.push(self.marker(m, seq_rate, Ratio::ZERO)?);
        }
        self.open.pop();
        Ok((tracks, markers, seq_rate))
    }

    /// A transition's start, end and cut (record frames at the sequence rate).
    fn transition_times(&self, el: Node) -> Result<(i64, i64, i64), ReadError> {
        let start =
            int_child(el, "start")?.ok_or_else(|| invalid(el, "the transition has no <start>"))?;
        let end =
            int_child(el, "end")?.ok_or_else(|| invalid(el, "the transition has no <end>"))?;
        if end < start {
            return Err(invalid(
                el,
                format!("the transition ends ({end}) before it starts ({start})"),
            ));
        }
        let alignment = child_text(el, "alignment").unwrap_or_default();
        let cut = match alignment.as_str() {
            "start" | "start-black" => start,
            "end" | "end-black" => end,
            _ => (start + end).div_euclid(2),
        };
        Ok((start, end, cut))
    }

    fn track(
        &mut self,
        t: Node<'a, 'i>,
        kind: TrackKind,
        name: String,
        seq_rate: Rate,
    ) -> Result<Track, ReadError> {
        const ITEMS: [&str; 3] = ["clipitem", "generatoritem", "transitionitem"];
        let listed: Vec<Node> = t
            .children()
            .filter(|c| c.is_element() && ITEMS.contains(&c.tag_name().name()))
            .collect();
        let mut placed: Vec<Placed> = Vec::with_capacity(listed.len());
        for &at in &listed {
            let el = self.deref(at);
            if el.tag_name().name() == "transitionitem" {
                let (start, end, cut) = self.transition_times(el)?;
                placed.push(Placed {
                    at,
                    el,
                    start,
                    end,
                    cut,
                    lead: 0,
                    transition: true,
                });
            } else {
                let start = int_child(el, "start")?
                    .ok_or_else(|| invalid(at, "the clip has no <start>"))?;
                let end =
                    int_child(el, "end")?.ok_or_else(|| invalid(at, "the clip has no <end>"))?;
                placed.push(Placed {
                    at,
                    el,
                    start,
                    end,
                    cut: 0,
                    lead: 0,
                    transition: false,
                });
            }
        }
        // Edges under transitions (-1) are the transitions' cut points.
        for i in 0..placed.len() {
            if placed[i].transition {
                continue;
            }
            if placed[i].start == -1 {
                let prev = i
                    .checked_sub(1)
                    .map(|j| &placed[j])
                    .filter(|p| p.transition);
                let Some(p) = prev else {
                    return Err(invalid(
                        placed[i].at,
                        "the clip's start is -1 but no transition comes before it",
                    ));
                };
                let (cut, lead) = (p.cut, p.cut - p.start);
                placed[i].start = cut;
                placed[i].lead = lead;
            }
            if placed[i].end == -1 {
                let next = placed.get(i + 1).filter(|p| p.transition);
                let Some(n) = next else {
                    return Err(invalid(
                        placed[i].at,
                        "the clip's end is -1 but no transition comes after it",
                    ));
                };
                placed[i].end = n.cut;
            }
            if placed[i].start < 0 {
                return Err(invalid(
                    placed[i].at,
                    format!(
                        "the clip starts at {}, before the sequence",
                        placed[i].start
                    ),
                ));
            }
            if placed[i].end < placed[i].start {
                return Err(invalid(
                    placed[i].at,
                    format!(
                        "the clip ends ({}) before it starts ({})",
                        placed[i].end, placed[i].start
                    ),
                ));
            }
        }
        let mut items = Vec::with_capacity(placed.len() + 4);
        // The cursor in sequence frames, and the same place in timeline frames.
        let mut cursor = 0i64;
        let mut cursor_tl = 0i64;
        for p in &placed {
            if p.transition {
                if p.cut > cursor {
                    let at = self.frames(p.at, p.cut, seq_rate, "record position")?;
                    items.push(Item::Gap(Gap {
                        duration: at - cursor_tl,
                        extra: Map::new(),
                    }));
                    cursor = p.cut;
                    cursor_tl = at;
                }
                let s = self.frames(p.at, p.start, seq_rate, "record position")?;
                let c = self.frames(p.at, p.cut, seq_rate, "record position")?;
                let e = self.frames(p.at, p.end, seq_rate, "record position")?;
                items.push(Item::Transition(self.transition(p.el, c - s, e - c)));
                continue;
            }
            if p.start < cursor {
                return Err(invalid(
                    p.at,
                    format!(
                        "the clip starts at {}, before the item before it ends ({cursor})",
                        p.start
                    ),
                ));
            }
            if p.end == p.start {
                self.note(p.at, "a clip of no duration: left out");
                continue;
            }
            let start_tl = self.frames(p.at, p.start, seq_rate, "record position")?;
            if start_tl > cursor_tl {
                items.push(Item::Gap(Gap {
                    duration: start_tl - cursor_tl,
                    extra: Map::new(),
                }));
            }
            let end_tl = self.frames(p.at, p.end, seq_rate, "record position")?;
            let lead_tl = if p.lead == 0 {
                0
            } else {
                start_tl - self.frames(p.at, p.start - p.lead, seq_rate, "record position")?
            };
            let clip = self.clip(p.at, p.el, end_tl - start_tl, lead_tl, seq_rate)?;
            items.push(Item::Clip(clip));
            cursor = p.end;
            cursor_tl = end_tl;
        }
        let enabled = is_true(t, "enabled").unwrap_or(true);
        let mut metadata = Map::new();
        if let Some(n) = child_text(t, "name").filter(|n| !n.is_empty()) {
            metadata.insert("fcp_xml_name".into(), json!(n));
        }
        Ok(Track {
            name,
            kind,
            items,
            markers: Vec::new(),
            enabled,
            metadata,
            extra: Map::new(),
        })
    }

    fn transition(&mut self, el: Node, in_offset: i64, out_offset: i64) -> Transition {
        let effect = child(el, "effect").map(|e| self.deref(e));
        let name = effect
            .and_then(|e| child_text(e, "name"))
            .unwrap_or_default();
        let id = effect
            .and_then(|e| child_text(e, "effectid"))
            .unwrap_or_default();
        let both = format!("{name} {id}").to_ascii_lowercase();
        let dissolve = both.trim().is_empty()
            || [
                "dissolve",
                "cross fade",
                "crossfade",
                "kgaudiotranscrossfade",
            ]
            .iter()
            .any(|w| both.contains(w));
        let mut metadata = Map::new();
        if !id.is_empty() {
            metadata.insert("fcp_xml_effectid".into(), json!(id));
        }
        let kind = if dissolve {
            DISSOLVE.to_string()
        } else {
            self.note(
                el,
                format!("transition {name:?} is not a dissolve: kept as a custom transition"),
            );
            "Custom".to_string()
        };
        Transition {
            name,
            kind,
            in_offset,
            out_offset,
            metadata,
            extra: Map::new(),
        }
    }

    /// A `file` element as media (read once per file).
    fn file(&mut self, f: Node<'a, 'i>, clip_rate: Rate) -> Result<FileMedia, ReadError> {
        if let Some(m) = self.files.get(&f.id()) {
            return Ok(m.clone());
        }
        let file_rate = own_rate(f)?.unwrap_or(clip_rate);
        let name = child_text(f, "name").unwrap_or_default();
        let mut media = Media {
            name,
            ..Media::default()
        };
        if let Some(url) = child_text(f, "pathurl").filter(|u| !u.is_empty()) {
            let path = media_url::to_path(&url);
            if looks_like_image_sequence(&path) {
                self.note(
                    f,
                    "the media looks like an image sequence: kept as the url of its first frame",
                );
            }
            media.url = Some(path);
        } else if let Some(source) = child_text(f, "mediaSource").filter(|s| !s.is_empty()) {
            media.extra = generator(&source);
        }
        let mut start = Ratio::ZERO;
        if let Some(tc) = child(f, "timecode") {
            let tc_rate = own_rate(tc)?.unwrap_or(file_rate);
            let frame = match int_child(tc, "frame")? {
                Some(v) => v,
                None => match child_text(tc, "string") {
                    Some(s) => {
                        timecode::parse(&s, tc_rate)
                            .map_err(|e| invalid(tc, e.to_string()))?
                            .frame
                    }
                    None => 0,
                },
            };
            start = Ratio::int(frame)
                .mul(Ratio::frame(tc_rate))
                .ok_or_else(|| invalid(tc, "the number is too large"))?;
        }
        if let Some(d) = int_child(f, "duration")?.filter(|d| *d > 0) {
            let first = self.seconds(f, start, "media start")?;
            let end_s = Ratio::int(d)
                .mul(Ratio::frame(file_rate))
                .and_then(|len| len.add(start))
                .ok_or_else(|| invalid(f, "the number is too large"))?;
            let end = self.seconds(f, end_s, "media end")?;
            media.available = Some(FrameRange::from_bounds(first, end));
        }
        let fm = FileMedia { media, start };
        self.files.insert(f.id(), fm.clone());
        Ok(fm)
    }

    /// The speed of a clip's Time Remap filter, and its other filters as OTIO effects.
    fn filters(&mut self, el: Node<'a, 'i>) -> Result<(f64, Vec<Value>), ReadError> {
        let mut speed = 1.0;
        let mut effects = Vec::new();
        let mut names = Vec::new();
        for f in children(el, "filter") {
            let f = self.deref(f);
            let Some(effect) = child(f, "effect").map(|e| self.deref(e)) else {
                continue;
            };
            let id = child_text(effect, "effectid").unwrap_or_default();
            let name = child_text(effect, "name").unwrap_or_default();
            if id.eq_ignore_ascii_case("timeremap") || name.eq_ignore_ascii_case("Time Remap") {
                speed *= self.time_remap(effect)?;
                continue;
            }
            let keyframed = effect.descendants().any(|d| d.has_tag_name("keyframe"));
            names.push(if keyframed {
                format!("{name} (keyframed)")
            } else {
                name.clone()
            });
            let mut md = Map::new();
            md.insert("fcp_xml".into(), element_json(effect));
            effects.push(json!({
                "OTIO_SCHEMA": "Effect.1",
                "name": name,
                "effect_name": id,
                "metadata": md,
            }));
        }
        if !names.is_empty() {
            self.note(
                el,
                format!("effects kept, not applied: {}", names.join(", ")),
            );
        }
        if !SPEEDS.contains(&speed) {
            return Err(invalid(
                el,
                format!(
                    "speed {} is outside {}–{}",
                    num(speed),
                    SPEEDS.start(),
                    SPEEDS.end()
                ),
            ));
        }
        Ok((speed, effects))
    }

    /// The constant speed of a Time Remap effect.
    fn time_remap(&mut self, effect: Node) -> Result<f64, ReadError> {
        let mut speed = 1.0;
        for p in children(effect, "parameter") {
            let id = child_text(p, "parameterid").unwrap_or_default();
            let value = child_text(p, "value").unwrap_or_default();
            match id.as_str() {
                "speed" => {
                    let pct: f64 = value
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| invalid(p, format!("speed {value:?} is not a number")))?;
                    if child(p, "keyframe").is_some() {
                        self.note(p, "keyframed speed: read as its constant value");
                    }
                    if pct < 0.0 {
                        self.note(p, "reverse speed: read forwards");
                    }
                    if pct == 0.0 {
                        self.note(p, "a freeze frame (speed 0): read at 100 %");
                    } else {
                        speed = pct.abs() / 100.0;
                    }
                }
                "reverse" if value.eq_ignore_ascii_case("TRUE") => {
                    self.note(p, "reverse speed: read forwards");
                }
                "variablespeed" if value == "1" || value.eq_ignore_ascii_case("TRUE") => {
                    self.note(p, "variable speed: read as the constant speed");
                }
                _ => {}
            }
        }
        Ok(speed)
    }

    /// A clip from a `clipitem` or `generatoritem`: `duration` record frames, `lead` record frames
    /// under the transition before it (timeline frames).
    fn clip(
        &mut self,
        at: Node<'a, 'i>,
        el: Node<'a, 'i>,
        duration: i64,
        lead: i64,
        seq_rate: Rate,
    ) -> Result<Clip, ReadError> {
        let name = child_text(el, "name").unwrap_or_default();
        let enabled = is_true(el, "enabled").unwrap_or(true);
        let clip_rate = own_rate(el)?.unwrap_or(seq_rate);
        let in_ = match int_child(el, "in")? {
            Some(v) => v,
            None => {
                self.note(at, "the clip has no <in>: read as 0");
                0
            }
        };
        let (speed, effects) = self.filters(el)?;
        let mut metadata = Map::new();
        let (media, media_start) = if let Some(seq) = child(el, "sequence") {
            let seq = self.deref(seq);
            let (tracks, markers, _) = self.sequence(seq)?;
            let nested = Nested {
                name: child_text(seq, "name").unwrap_or_default(),
                tracks,
                markers,
                metadata: Map::new(),
                extra: Map::new(),
            };
            let media = Media {
                name: nested.name.clone(),
                available: Some(FrameRange::new(0, nested.duration())),
                nested: Some(Box::new(nested)),
                ..Media::default()
            };
            (media, Ratio::ZERO)
        } else if let Some(f) = child(el, "file") {
            let f = self.deref(f);
            let fm = self.file(f, clip_rate)?;
            (fm.media, fm.start)
        } else if el.tag_name().name() == "generatoritem" {
            let effect = children(el, "effect")
                .find(|e| child_text(*e, "effecttype").as_deref() == Some("generator"))
                .or_else(|| child(el, "effect"));
            let (kind, ename, json) = match effect {
                Some(e) => {
                    let ename = child_text(e, "name").unwrap_or_default();
                    let kind = child_text(e, "effectid")
                        .filter(|k| !k.is_empty())
                        .unwrap_or_else(|| ename.clone());
                    (kind, ename, Some(element_json(e)))
                }
                None => ("generator".to_string(), name.clone(), None),
            };
            let mut md = Map::new();
            if let Some(j) = json {
                md.insert("fcp_xml".into(), j);
            }
            let media = Media {
                name: ename,
                metadata: md,
                extra: generator(&kind),
                ..Media::default()
            };
            (media, Ratio::ZERO)
        } else if let Some(mc) = child(el, "multiclip") {
            let mc = self.deref(mc);
            self.note(
                at,
                "a multicam clip: read as the media of its first angle; the angles are not kept",
            );
            metadata.insert("fcp_xml_multiclip".into(), json!(child_text(mc, "name")));
            match mc.descendants().find(|d| d.has_tag_name("file")) {
                Some(f) => {
                    let f = self.deref(f);
                    let fm = self.file(f, clip_rate)?;
                    (fm.media, fm.start)
                }
                None => (Media::default(), Ratio::ZERO),
            }
        } else {
            self.note(at, "the clip names no file: its media is missing");
            (Media::default(), Ratio::ZERO)
        };
        // The first media frame shown: the media's start, `in`, and the part under a transition.
        let in_seconds = Ratio::int(in_)
            .mul(Ratio::frame(clip_rate))
            .and_then(|s| s.add(media_start))
            .ok_or_else(|| invalid(at, "the number is too large"))?;
        let first = self.seconds(at, in_seconds, "source start")?;
        let reach = (lead as f64 * speed).round() as i64;
        let start = first
            .checked_add(reach)
            .filter(|s| s.abs() <= MAX_FRAMES)
            .ok_or_else(|| invalid(at, "the source start is out of range"))?;
        let mut markers = Vec::new();
        for m in children(el, "marker") {
            markers.push(self.marker(m, clip_rate, media_start)?);
        }
        let mut link = None;
        if let Some(id) = el.attribute("id") {
            let refs: Vec<String> = children(el, "link")
                .filter_map(|l| child_text(l, "linkclipref"))
                .filter(|r| !r.is_empty())
                .collect();
            if !refs.is_empty() {
                self.link_touch(id);
                for r in &refs {
                    self.link_join(id, r);
                }
                link = Some(id.to_string());
            }
        }
        Ok(Clip {
            name,
            media,
            source: FrameRange::new(start, duration),
            speed,
            markers,
            enabled,
            link,
            metadata,
            effects,
            extra: Map::new(),
        })
    }

    /// A marker: `in`/`out` frames at `rate`, after `offset` seconds (a clip's media start).
    fn marker(&mut self, m: Node, rate: Rate, offset: Ratio) -> Result<Marker, ReadError> {
        let in_ = int_child(m, "in")?.ok_or_else(|| invalid(m, "the marker has no <in>"))?;
        let out = int_child(m, "out")?.unwrap_or(-1);
        let at = |frames: i64| {
            Ratio::int(frames)
                .mul(Ratio::frame(rate))
                .and_then(|s| s.add(offset))
                .ok_or_else(|| invalid(m, "the number is too large"))
        };
        let start = self.seconds(m, at(in_)?, "marker start")?;
        let duration = if out > in_ {
            self.seconds(m, at(out)?, "marker end")? - start
        } else {
            if out >= 0 && out < in_ {
                self.note(
                    m,
                    format!("the marker ends ({out}) before it starts ({in_})"),
                );
            }
            0
        };
        Ok(Marker {
            name: child_text(m, "name").unwrap_or_default(),
            color: marker_color(m),
            range: FrameRange::new(start, duration),
            comment: child_text(m, "comment").unwrap_or_default(),
            metadata: Map::new(),
            extra: Map::new(),
        })
    }

    /// Clip links: the group's first clipitem id where at least two clips share it.
    fn resolve_links(&mut self, tracks: &mut [Track]) {
        fn each(tracks: &mut [Track], f: &mut dyn FnMut(&mut Clip)) {
            for t in tracks {
                for it in &mut t.items {
                    if let Item::Clip(c) = it {
                        f(c);
                        if let Some(n) = c.media.nested.as_deref_mut() {
                            each(&mut n.tracks, f);
                        }
                    }
                }
            }
        }
        let mut count: HashMap<String, usize> = HashMap::new();
        each(tracks, &mut |c| {
            if let Some(id) = c.link.clone() {
                let root = self.link_root(&id);
                *count.entry(root.clone()).or_default() += 1;
                c.link = Some(root);
            }
        });
        each(tracks, &mut |c| {
            if c.link.as_ref().is_some_and(|r| count[r] < 2) {
                c.link = None;
            }
        });
    }
}

/// Whether an audio track is the first (or only) channel of an exploded stereo pair.
fn primary_channel(track: Node) -> bool {
    let index = track.attribute("currentExplodedTrackIndex").unwrap_or("0");
    let count = track.attribute("totalExplodedTrackCount").unwrap_or("1");
    index.trim() == "0" || count.trim() == "1"
}

/// `media.extra` of a generator.
pub(super) fn generator(kind: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("OTIO_SCHEMA".into(), json!("GeneratorReference.1"));
    m.insert("generator_kind".into(), json!(kind));
    m
}

/// A still-image file name ending in a frame number (`shot_0001.dpx`).
pub(super) fn looks_like_image_sequence(path: &str) -> bool {
    const STILLS: [&str; 10] = [
        "dpx", "exr", "cin", "tif", "tiff", "png", "jpg", "jpeg", "tga", "bmp",
    ];
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    STILLS.contains(&ext.to_ascii_lowercase().as_str())
        && stem.len() >= 3
        && stem.bytes().rev().take(3).all(|b| b.is_ascii_digit())
}

/// The sequences a file offers at its top: `/xmeml/sequence`, and those in projects and bins.
fn top_sequences<'a, 'i>(root: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    root.descendants()
        .filter(|n| n.has_tag_name("sequence"))
        .filter(|n| {
            n.parent_element()
                .is_some_and(|p| p == root || (p.has_tag_name("children") && !inside_clip(p)))
        })
        .collect()
}

/// Whether an element lies inside a clip (a nested sequence's bin, not the project's).
fn inside_clip(n: Node) -> bool {
    n.ancestors()
        .any(|a| a.has_tag_name("clipitem") || a.has_tag_name("clip"))
}

/// Read a FCP7 XML (xmeml) document.
pub fn read_str(text: &str) -> Result<Reading, ReadError> {
    let doc = parse_document(text)?;
    let root = doc.root_element();
    if root.tag_name().name() != "xmeml" {
        return Err(invalid(
            root,
            format!(
                "this is not FCP7 XML: the root element is <{}>, not <xmeml>",
                root.tag_name().name()
            ),
        ));
    }
    let seqs = top_sequences(root);
    // Sequences that clips use (compound clips) are not the edit itself.
    let nested: HashSet<&str> = root
        .descendants()
        .filter(|n| n.has_tag_name("sequence") && inside_clip(*n))
        .filter_map(|n| n.attribute("id"))
        .collect();
    let used = |s: &Node| s.attribute("id").is_some_and(|id| nested.contains(id));
    let has_clips = |s: &Node| {
        s.descendants()
            .any(|d| d.has_tag_name("clipitem") || d.has_tag_name("generatoritem"))
    };
    let Some(&seq) = seqs
        .iter()
        .find(|s| !used(s) && has_clips(s))
        .or_else(|| seqs.iter().find(|s| !used(s)))
        .or(seqs.first())
    else {
        return Err(invalid(root, "the file holds no sequence"));
    };
    let mut r = Reader::new(&doc);
    for other in seqs.iter().filter(|s| **s != seq && !used(s)) {
        let name = child_text(*other, "name").unwrap_or_default();
        r.note(
            *other,
            format!("another sequence ({name:?}): not read, only the first one is"),
        );
    }
    let seq = r.deref(seq);
    let format_rate = child(seq, "media")
        .and_then(|m| child(m, "video"))
        .and_then(|v| child(v, "format"))
        .and_then(|f| child(f, "samplecharacteristics"))
        .and_then(|c| child(c, "rate"));
    r.rate = match (own_rate(seq)?, format_rate) {
        (Some(rate), _) => rate,
        (None, Some(rate)) => rate_of(rate)?,
        (None, None) => return Err(invalid(seq, "the sequence has no <rate>")),
    };
    let rate = r.rate;
    let mut start_frame = 0;
    let mut drop_frame = false;
    if let Some(tc) = child(seq, "timecode").map(|t| r.deref(t)) {
        let tc_rate = own_rate(tc)?.unwrap_or(rate);
        let string = child_text(tc, "string");
        let frame = match int_child(tc, "frame")? {
            Some(v) => v,
            None => match &string {
                Some(s) => {
                    timecode::parse(s, tc_rate)
                        .map_err(|e| invalid(tc, e.to_string()))?
                        .frame
                }
                None => 0,
            },
        };
        start_frame = r.frames(tc, frame, tc_rate, "start timecode")?;
        drop_frame = rate.supports_drop_frame()
            && (child_text(tc, "displayformat").is_some_and(|d| d.eq_ignore_ascii_case("DF"))
                || string.is_some_and(|s| s.contains(';')));
    }
    let (mut tracks, markers, _) = r.sequence(seq)?;
    if tracks
        .iter()
        .all(|t| !t.items.iter().any(|i| matches!(i, Item::Clip(_))))
    {
        return Err(invalid(seq, "the sequence is empty: no track holds a clip"));
    }
    r.resolve_links(&mut tracks);
    let tl = Timeline {
        name: child_text(seq, "name").unwrap_or_default(),
        rate,
        start_frame,
        drop_frame,
        tracks,
        markers,
        subtitles: Vec::new(),
        metadata: Map::new(),
        extra: Map::new(),
    };
    super::check_bounds(&tl)?;
    Ok(Reading {
        timeline: tl,
        notes: r.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_round_half_away_from_zero() {
        let r = |n, d| Ratio::new(n, d).unwrap();
        assert_eq!(r(5, 2).round(), 3);
        assert_eq!(r(-5, 2).round(), -3);
        assert_eq!(r(7, 3).round(), 2);
        assert_eq!(r(-7, 3).round(), -2);
        assert_eq!(r(1001, 30000).add(r(999, 30000)).unwrap(), r(1, 15));
        assert_eq!(r(3, 4).mul(r(8, 9)).unwrap(), r(2, 3));
        assert_eq!(r(3, 4).div(r(-3, 2)).unwrap(), r(-1, 2));
        assert_eq!(r(1, 4).sub(r(3, 4)).unwrap(), r(-1, 2));
    }

    #[test]
    fn premiere_colors() {
        let doc = |c: &str| format!("<marker><pproColor>{c}</pproColor></marker>");
        for (v, name) in [
            ("4281740498", "RED"),
            ("4294741314", "BLUE"),
            ("4292277273", "CYAN"),
            ("4278190335", "RED"),
        ] {
            let text = doc(v);
            let d = Document::parse(&text).unwrap();
            assert_eq!(marker_color(d.root_element()), name, "{v}");
        }
        let d = Document::parse("<marker><color>Green</color></marker>").unwrap();
        assert_eq!(marker_color(d.root_element()), "GREEN");
        let d = Document::parse(
            "<marker><color><red>0</red><green>0</green><blue>250</blue></color></marker>",
        )
        .unwrap();
        assert_eq!(marker_color(d.root_element()), "BLUE");
    }

    #[test]
    fn image_sequences_and_byte_order_marks() {
        assert!(looks_like_image_sequence("/v/shot_0001.dpx"));
        assert!(looks_like_image_sequence("C:\\v\\A001.0000100.EXR"));
        assert!(!looks_like_image_sequence("/v/logo.png"));
        assert!(!looks_like_image_sequence("/v/take_001.mov"));
        assert!(parse_document("\u{feff}<a/>").is_ok());
        // The scan before parsing reads comments, CDATA, quoted `>` and empty elements right.
        let text = "<a x=\"1>2\"><!-- <b> --><![CDATA[<c>]]><d/><?pi <e>?></a>";
        assert!(parse_document(text).is_ok());
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(matches!(
            parse_document(&deep),
            Err(ReadError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn paths_index_repeated_siblings() {
        let d = Document::parse("<a><b/><b><c/></b><d/></a>").unwrap();
        let c = d.descendants().find(|n| n.has_tag_name("c")).unwrap();
        assert_eq!(place(c), "line 1: /a/b[2]/c");
        let text = "<a>\n<b/>\n<b>\n\n<c/></b>\r\n<d/></a>";
        let d = Document::parse(text).unwrap();
        let lines = Lines::new(&d);
        for n in d.descendants().filter(Node::is_element) {
            assert_eq!(lines.place(n), place(n));
        }
        let c = d.descendants().find(|n| n.has_tag_name("c")).unwrap();
        assert_eq!(lines.place(c), "line 5: /a/b[2]/c");
    }
}
