//! Text normalisation shared by the parser and the index: width folding, Chinese numerals,
//! search terms (jieba words, Chinese character n-grams, stemmed English words).

use std::sync::LazyLock;

use jieba_rs::Jieba;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Full-width ASCII forms and ideographic punctuation to their ASCII twins; `×` to `x`.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '，' | '、' => ',',
            '。' => '.',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '×' | '✕' => 'x',
            '—' | '–' => '-',
            '…' => '.',
            _ => c,
        })
        .collect()
}

/// Chinese text cut into words (jieba, no HMM: stable for names it does not know).
pub fn cut_words(s: &str) -> Vec<String> {
    JIEBA
        .cut(s, false)
        .into_iter()
        .map(|w| w.word.to_string())
        .collect()
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Lower-case, width-folded, punctuation replaced by single spaces (for containment tests).
pub fn fold(s: &str) -> String {
    let w = fold_width(s).to_lowercase();
    let mut out = String::with_capacity(w.len());
    let mut space = true;
    for c in w.chars() {
        let keep = c.is_alphanumeric() || c == '\'';
        if keep {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().replace(" '", " ").replace("' ", " ")
}

/// A light English stemmer: enough that "selects" finds SELECT and "takes" finds take.
pub fn stem(w: &str) -> String {
    let w = w.trim_end_matches("'s").trim_end_matches('\'');
    let n = w.len();
    if !w.is_ascii() || n <= 2 {
        return w.to_string();
    }
    if n == 3 {
        // Short plurals of abbreviations: "NGs" is NG.
        return w
            .strip_suffix('s')
            .filter(|s| !s.ends_with('s'))
            .unwrap_or(w)
            .to_string();
    }
    if let Some(s) = w.strip_suffix("ies").filter(|_| n > 4) {
        return format!("{s}y");
    }
    if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        return w.to_string();
    }
    if let Some(s) = w.strip_suffix("ing").filter(|_| n > 5) {
        return s.to_string();
    }
    if let Some(s) = w.strip_suffix("ed").filter(|_| n > 4) {
        return s.to_string();
    }
    if let Some(s) = w.strip_suffix("es").filter(|s| {
        s.ends_with("sh")
            || s.ends_with("ch")
            || s.ends_with('x')
            || s.ends_with("ss")
            || s.ends_with('z')
    }) {
        return s.to_string();
    }
    if let Some(s) = w.strip_suffix('s') {
        return s.to_string();
    }
    w.to_string()
}

const EN_STOP: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "is", "it", "that", "this", "for",
    "with", "was", "be", "are", "i", "you", "he", "she", "we", "they", "his", "her", "its", "our",
    "their", "my", "me", "him", "them", "so", "just", "about", "where", "when", "which", "who",
    "what", "line", "say", "says", "said", "part", "bit",
];

const ZH_STOP: &[char] = &[
    '的', '了', '是', '我', '你', '他', '她', '在', '就', '和', '也', '都', '这', '那', '个', '吧',
    '啊', '呢', '吗', '嘛', '着', '说', '句', '话', '把', '一', '要', '有', '们',
];

/// Search terms of a text: stemmed English words without stop words; for Chinese, jieba words plus
/// character unigrams and bigrams (so a paraphrase that shares characters still scores).
pub fn search_terms(s: &str) -> Vec<String> {
    let folded = fold(s);
    let mut terms = Vec::new();
    let mut cjk_run = String::new();
    let flush = |run: &mut String, terms: &mut Vec<String>| {
        if run.is_empty() {
            return;
        }
        let chars: Vec<char> = run.chars().collect();
        for w in JIEBA.cut(run, false) {
            if w.word.chars().count() >= 2 {
                terms.push(w.word.to_string());
            }
        }
        for c in &chars {
            if !ZH_STOP.contains(c) {
                terms.push(c.to_string());
            }
        }
        for p in chars.windows(2) {
            if !(ZH_STOP.contains(&p[0]) && ZH_STOP.contains(&p[1])) {
                terms.push(p.iter().collect());
            }
        }
        run.clear();
    };
    for token in folded.split(' ') {
        let mut word = String::new();
        for c in token.chars() {
            if is_cjk(c) {
                if !word.is_empty() {
                    push_word(&mut terms, &word);
                    word.clear();
                }
                cjk_run.push(c);
            } else {
                flush(&mut cjk_run, &mut terms);
                word.push(c);
            }
        }
        flush(&mut cjk_run, &mut terms);
        if !word.is_empty() {
            push_word(&mut terms, &word);
        }
    }
    terms
}

fn push_word(terms: &mut Vec<String>, w: &str) {
    if !EN_STOP.contains(&w) {
        terms.push(stem(w));
    }
}

/// The value of a run of Chinese numerals (`十二` = 12, `两` = 2, `一百零五` = 105).
pub fn chinese_number(s: &str) -> Option<u64> {
    let digit = |c: char| -> Option<u64> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut total = 0u64;
    let mut section = 0u64;
    let mut current = 0u64;
    let mut any = false;
    for c in s.chars() {
        if let Some(d) = digit(c) {
            current = d;
            any = true;
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => 10000,
            _ => return None,
        };
        any = true;
        if unit == 10000 {
            section = (section + current) * unit;
            total += section;
            section = 0;
        } else {
            section += current.max(if unit == 10 && current == 0 { 1 } else { 0 }) * unit;
        }
        current = 0;
    }
    any.then_some(total + section + current)
}

const NUMERAL_CHARS: &str = "零〇一二两三四五六七八九十百千万";
/// Characters after which a numeral run is a quantity (seconds, frames, clips, times…).
const UNIT_AFTER: &str = "秒分帧格个倍号次小镜段条句%点s";
/// Characters before which a numeral run is an ordinal or bound.
const PREFIX_BEFORE: &str = "第到至和与跟或~-,";

/// English number words that count seconds, frames, times or clips become digits ("two seconds"
/// → "2 seconds", "clips three to five" → "clips 3 to 5"); elsewhere ("take two") they stay.
fn english_quantities(s: &str) -> String {
    static WORDS: &[(&str, &str)] = &[
        ("one", "1"),
        ("two", "2"),
        ("three", "3"),
        ("four", "4"),
        ("five", "5"),
        ("six", "6"),
        ("seven", "7"),
        ("eight", "8"),
        ("nine", "9"),
        ("ten", "10"),
        ("eleven", "11"),
        ("twelve", "12"),
        ("fifteen", "15"),
        ("twenty", "20"),
        ("thirty", "30"),
        ("forty", "40"),
        ("fifty", "50"),
        ("sixty", "60"),
        ("ninety", "90"),
    ];
    static UNIT: LazyLock<regex::Regex> = LazyLock::new(|| {
        let alt = WORDS.iter().map(|(w, _)| *w).collect::<Vec<_>>().join("|");
        regex::Regex::new(&format!(
            r"\b({alt})([\s-]+(?:seconds?|secs?|frames?|minutes?|mins?|times\b|x\b))|\b((?:clips?|shots?)\s+)({alt})\b|\b(to|through|and)(\s+)({alt})\b(\s*(?:clips?|shots?)?)"
        ))
        .expect("valid pattern")
    });
    let digit = |w: &str| {
        WORDS
            .iter()
            .find(|(x, _)| *x == w)
            .map_or(w.to_string(), |(_, d)| d.to_string())
    };
    UNIT.replace_all(s, |c: &regex::Captures<'_>| {
        if let Some(w) = c.get(1) {
            format!("{}{}", digit(w.as_str()), &c[2])
        } else if let Some(pre) = c.get(3) {
            format!("{}{}", pre.as_str(), digit(&c[4]))
        } else {
            format!("{}{}{}{}", &c[5], &c[6], digit(&c[7]), &c[8])
        }
    })
    .into_owned()
}

/// Normalise an instruction: width-fold, lower-case Latin letters, and turn Chinese numerals that
/// count something into digits (`第三个` → `第3个`, `一秒半` → `1.5秒`, `半秒` → `0.5秒`).
pub fn normalize_instruction(s: &str) -> String {
    // 俩 is 两个 ("最后俩镜头").
    let s = english_quantities(&fold_width(s).to_lowercase()).replace('俩', "两个");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if NUMERAL_CHARS.contains(chars[i]) {
            let mut j = i;
            while j < chars.len() && NUMERAL_CHARS.contains(chars[j]) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let before = i.checked_sub(1).map(|k| chars[k]);
            let after = chars.get(j).copied();
            let counts = after.is_some_and(|c| UNIT_AFTER.contains(c))
                || before.is_some_and(|c| PREFIX_BEFORE.contains(c));
            match chinese_number(&run) {
                Some(n) if counts && run != "万" => {
                    // "第5、6两个": a count after a digit is a number of its own.
                    if before.is_some_and(|c| c.is_ascii_digit()) {
                        out.push(' ');
                    }
                    out.push_str(&n.to_string())
                }
                _ => out.push_str(&run),
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    // Halves: 1秒半 → 1.5秒, 1分半 → 1.5分, 半秒 → 0.5秒.
    let mut s = out;
    for unit in ["秒", "分钟", "分"] {
        let pat = format!("{unit}半");
        while let Some(p) = s.find(&pat) {
            let digits_start = s[..p]
                .rfind(|c: char| !c.is_ascii_digit())
                .map_or(0, |k| k + s[k..].chars().next().map_or(1, char::len_utf8));
            if digits_start == p {
                break;
            }
            let n = &s[digits_start..p].to_string();
            s.replace_range(digits_start..p + pat.len(), &format!("{n}.5{unit}"));
        }
        s = s.replace(&format!("半{unit}"), &format!("0.5{unit}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (s, n) in [
            ("三", 3),
            ("十", 10),
            ("十二", 12),
            ("二十五", 25),
            ("两", 2),
            ("一百零五", 105),
            ("一千二百", 1200),
        ] {
            assert_eq!(chinese_number(s), Some(n), "{s}");
        }
        assert_eq!(chinese_number("abc"), None);
    }

    #[test]
    fn instructions_normalise() {
        let cases = [
            ("删掉第三个镜头", "删掉第3个镜头"),
            (
                "每个镜头之间加十二帧的交叉溶解",
                "每个镜头之间加12帧的交叉溶解",
            ),
            ("加一秒半的叠化", "加1.5秒的叠化"),
            ("半秒", "0.5秒"),
            ("所有空镜加速两倍", "所有空镜加速2倍"),
            ("倒数第二个镜头", "倒数第2个镜头"),
            ("只保留前一分钟", "只保留前1分钟"),
            (
                "张伟说他没赶上见父亲最后一面",
                "张伟说他没赶上见父亲最后一面",
            ),
            ("ＡＢＣ１２３，２×", "abc123,2x"),
            (
                "remove pauses over two seconds",
                "remove pauses over 2 seconds",
            ),
            ("speed up clips three to five", "speed up clips 3 to 5"),
            ("delete take two", "delete take two"),
        ];
        for (a, b) in cases {
            assert_eq!(normalize_instruction(a), b, "{a}");
        }
    }

    #[test]
    fn terms_cover_words_and_ngrams() {
        let t = search_terms("The room is tiny, but honestly it's perfect.");
        assert!(
            t.contains(&"room".to_string())
                && t.contains(&"tiny".to_string())
                && !t.contains(&"the".to_string())
        );
        let z = search_terms("到了上海，我给她也开个小面馆。");
        assert!(
            z.contains(&"上海".to_string())
                && z.contains(&"面馆".to_string())
                && z.contains(&"馆".to_string())
        );
    }

    #[test]
    fn fold_strips_punctuation() {
        assert_eq!(fold("我不走！这是我和你爸的店"), "我不走 这是我和你爸的店");
        assert_eq!(fold("Don't YELL, ok?"), "don't yell ok");
        assert_eq!(stem("selects"), "select");
        assert_eq!(stem("recording"), "record");
        assert_eq!(stem("misses"), "miss");
        assert_eq!(stem("boxes"), "box");
    }
}
