//! A small XML writer shared by the FCPXML and FCP7 XML (xmeml) writers.
//!
//! It wraps quick-xml's writer with indentation and makes any text safe to put in a document:
//! markup characters are escaped, and characters XML 1.0 cannot carry at all (NUL and the other
//! C0 controls but tab, newline and carriage return; U+FFFE and U+FFFF) become U+FFFD, because a
//! single one of them makes NLEs reject the whole file ("damaged XML").

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

/// An XML document being written, element by element.
pub(crate) struct Xml {
    w: Writer<Vec<u8>>,
}

impl std::fmt::Debug for Xml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xml").finish_non_exhaustive()
    }
}

/// Whether XML 1.0 allows the character at all (its `Char` production).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// `s` with every character XML 1.0 cannot carry replaced by U+FFFD.
pub(crate) fn xml_safe(s: &str) -> Cow<'_, str> {
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if allowed(c) { c } else { '\u{fffd}' })
                .collect(),
        )
    }
}

/// An attribute value escaped for a double-quoted attribute. Tab, newline and carriage return
/// are written as character references so that a parser's attribute normalisation keeps them.
fn escape_attribute(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in xml_safe(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn start<'a>(name: &'a str, attrs: &[(&'a str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute(Attribute {
            key: QName(k.as_bytes()),
            value: Cow::Owned(escape_attribute(v).into_bytes()),
        });
    }
    e
}

impl Xml {
    /// A document with the XML declaration and, when given, a `<!DOCTYPE …>` line.
    pub(crate) fn new(doctype: Option<&str>) -> Xml {
        let mut xml = Xml {
            w: Writer::new_with_indent(Vec::new(), b' ', 4),
        };
        xml.emit(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        if let Some(d) = doctype {
            xml.emit(Event::DocType(BytesText::from_escaped(d)));
        }
        xml
    }

    fn emit(&mut self, event: Event<'_>) {
        // The writer writes into a Vec, which cannot fail.
        self.w
            .write_event(event)
            .expect("writing XML into memory cannot fail");
    }

    /// `<name attrs…>`; close it with [`Xml::close`].
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.emit(Event::Start(start(name, attrs)));
    }

    pub(crate) fn close(&mut self, name: &str) {
        self.emit(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs…/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.emit(Event::Empty(start(name, attrs)));
    }

    /// `<name>text</name>` on one line.
    pub(crate) fn text(&mut self, name: &str, text: &str) {
        self.emit(Event::Start(BytesStart::new(name)));
        let safe = xml_safe(text);
        self.emit(Event::Text(BytesText::new(&safe)));
        self.emit(Event::End(BytesEnd::new(name)));
    }

    /// The document as text, ending with a newline.
    pub(crate) fn finish(self) -> String {
        let mut s = String::from_utf8(self.w.into_inner())
            .expect("the writer only writes UTF-8 from &str input");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_forbidden_characters() {
        let mut x = Xml::new(Some("test"));
        x.open("a", &[("name", "<\"Tom\" & 'Jerry'>\n\u{1}")]);
        x.text("b", "x < y & z > \u{0}w 中文");
        x.close("a");
        let s = x.finish();
        assert!(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE test>"));
        assert!(
            s.contains(r#"name="&lt;&quot;Tom&quot; &amp; 'Jerry'&gt;&#10;�""#),
            "{s}"
        );
        assert!(s.contains("<b>x &lt; y &amp; z &gt; �w 中文</b>"), "{s}");
    }
}
