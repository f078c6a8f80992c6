//! Targets: what a step points at. A target phrase is read for every constraint it holds — a
//! time span, clip positions, markers, a look, quoted or paraphrased words, filler, an emotion,
//! speakers or the lead, and words of clip names — and the constraints are combined, never
//! dropped: "王芳在厨房哭的那几句" is 王芳's sad lines said inside the 厨房 clips.

use std::sync::LazyLock;

use protocol::intent::{ClipSelector, Emotion, LineFilter, Look, MarkerColor, Span, Target};
use regex::Regex;

use super::Context;
use super::time::{en_small_number, extract_spans, pause_target};
use super::vocab::{NOISE_EN, NOISE_ZH, Verb, pattern, re};
use crate::text::lexicon::{COLOR_WORDS, color_of};
use crate::text::normalize::{cut_words, fold, is_cjk, stem};
use crate::{Refusal, RefusalKind};

pattern!(
    SCENE_NOUN,
    r"那场戏|这场戏|场戏|那个镜头|这个镜头|镜头|\b(?:shot|clip|scene)s?\b"
);
pattern!(NAME_JOIN, r"和|与|跟|以及|\band\b|\bplus\b");

// Filler.
pattern!(
    FILLER_WORD,
    r"语气词|语气助词|口水词|口水话|口头禅|口头语|口癖|废话词|填充词|嗯啊|嗯嗯啊啊|呃呃嗯嗯|嗯嗯|呃呃|没用的废话|废话|fillers?|verbal tics?|\bums? and uhs?\b|\bums?\b|\buhs?\b|\bers?\b|\bumms?\b|\berms?\b|you knows?|verbal tics?|hesitations?"
);

// Ordinals.
pattern!(
    CLIP_NOUN,
    r"镜头|片段|素材|段落|画面|shots?\b|clips?\b|cuts?\b|takes?\b|scenes?\b"
);
pattern!(
    ZH_ORD_RANGE,
    r"第\s*(\d+)\s*(?:个)?\s*(?:镜头|片段|素材)?\s*(?:到|至|-|~)\s*第?\s*(\d+)\s*个?"
);
pattern!(ZH_ORD_FROM_END, r"倒数第\s*(\d+)\s*个?");
pattern!(ZH_LAST_N, r"最后\s*(\d+)\s*个");
pattern!(ZH_FIRST_N, r"前\s*(\d+)\s*个");
pattern!(ZH_ORD, r"第\s*(\d+)\s*个?");
pattern!(
    EN_ORD_RANGE,
    r"(?:clips?|shots?|takes?)\s+(\d+)\s*(?:-|–|to|through|thru|until)\s*(\d+)"
);
pattern!(
    EN_LAST_N,
    r"\blast\s+(\d+|two|three|four|five)\s+(?:clips|shots)"
);
pattern!(
    EN_FIRST_N,
    r"\bfirst\s+(\d+|two|three|four|five)\s+(?:clips|shots)"
);
pattern!(
    EN_ORD_WORD,
    r"\b(\d+)(?:st|nd|rd|th)\b|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|last|final|closing|opening|penultimate|second[- ]to[- ]last|next[- ]to[- ]last)\b"
);
pattern!(
    EN_CLIP_NUMBER,
    r"\b(?:clip|shot)\s*(?:#|no\.?|number)?\s*(\d+)\b"
);

// Content.
pattern!(
    QUOTED,
    r#"[“"「『‘]([^”"」』’]+)[”"」』’]|(?:^|\s|\p{Han})'([^']+)'(?:\s|$|[,.;:!?]|\p{Han})"#
);
pattern!(
    ZH_SAYS,
    r"^(.*?)(?:说|讲|提到|聊|问到|问|谈到|抱怨|吐槽|感叹|回忆|解释|说到|表示|提起|承认|哭诉|笑着说|喊)(.+?)的(?:那|这)?(?:一|1)?(?:句|段|部分|地方|话)"
);
pattern!(
    EN_SAYS,
    r"(?:line|part|bit|moment|sentence|where|when)\s+(?:where\s+|when\s+)?(.+?)\s+(?:says|said|talks about|talked about|mentions|mentioned|explains|explained|tells|told|asks about|asked about|asks|asked|describes|brings up|admits|jokes about|jokes)\s+(.+)$"
);
pattern!(
    EN_SAYS_BARE,
    r"^(?:the\s+)?(?:line|part|bit|moment)\s+(?:about|that says|saying)\s+(.+)$"
);

// Markers.
pattern!(
    MARKER_WORD,
    r"标记|标了|标的|标注|标出|打了标|标[红橙黄绿青蓝紫粉]|markers?|marked|flagged|flags?\b"
);

// Speakers.
pattern!(
    ZH_SPEAKER,
    r"^(?:把|将|给|删掉|删除|去掉)?(\p{Han}{2,4}?)(?:说的|讲的|说过的|的话|的台词|的发言|的所有|说)"
);
pattern!(
    EN_SPEAKER,
    r"(?:everything|all|anything|whatever|what|lines?)\s+(?:that\s+)?(.+?)\s+(?:says|said|speaks|talks)\b|\b(?:all\s+of\s+)?([a-z][\w ]{0,20}?)'s\s+(?:lines|dialogue|parts?|bits|sound ?bites|speech)|(?:lines|dialogue)\s+(?:of|by|from)\s+([a-z][\w ]{0,20})"
);

// Emotions: what an instruction says to name one.
const EMOTION_WORDS: &[(Emotion, &[&str])] = &[
    (
        Emotion::Sad,
        &[
            "悲伤",
            "emo",
            "丧",
            "伤心",
            "难过",
            "哭",
            "伤感",
            "悲",
            "心酸",
            "难受",
            "心碎",
            "落泪",
            "流泪",
            "泪",
            "感伤",
            "悲痛",
            "沉重",
            "催泪",
            "煽情",
            "sad",
            "sadness",
            "crying",
            "cries",
            "tearful",
            "upset",
            "melancholy",
            "emotional",
            "grief",
            "heartbreaking",
            "heartbroken",
            "tearjerker",
            "tear-jerker",
            "tear jerker",
            "teary",
            "weepy",
            "gloomy",
            "somber",
            "sombre",
            "mournful",
            "depressing",
            "sorrowful",
            "tears",
        ],
    ),
    (
        Emotion::Angry,
        &[
            "吵架",
            "发飙",
            "炸毛",
            "急眼",
            "争吵",
            "吵",
            "生气",
            "愤怒",
            "发火",
            "骂",
            "冲突",
            "气愤",
            "火药味",
            "争执",
            "不满",
            "抱怨",
            "发脾气",
            "怒",
            "火大",
            "angry",
            "anger",
            "argument",
            "arguments",
            "argue",
            "arguing",
            "fight",
            "fighting",
            "heated",
            "mad",
            "yelling",
            "row",
            "pissed",
            "pissed off",
            "furious",
            "rant",
            "ranting",
            "shouting",
            "outburst",
            "annoyed",
            "irritated",
            "frustrated",
            "livid",
            "outraged",
            "complaining",
        ],
    ),
    (
        Emotion::Happy,
        &[
            "开心",
            "高兴",
            "快乐",
            "欢乐",
            "幸福",
            "笑",
            "愉快",
            "好笑",
            "搞笑",
            "欢笑",
            "喜悦",
            "开怀",
            "happy",
            "joyful",
            "cheerful",
            "laughing",
            "laugh",
            "laughs",
            "fun",
            "upbeat",
            "smiling",
            "joy",
            "funny",
            "feel-good",
            "feel good",
            "lighthearted",
            "light-hearted",
            "delighted",
            "excited",
            "uplifting",
        ],
    ),
    (
        Emotion::Tense,
        &[
            "紧张",
            "紧张兮兮",
            "心慌",
            "提心吊胆",
            "焦虑",
            "担心",
            "着急",
            "忐忑",
            "揪心",
            "紧绷",
            "tense",
            "tension",
            "nervous",
            "anxious",
            "stressful",
            "stressed",
            "nail-biting",
            "nail biting",
            "suspense",
            "suspenseful",
            "edgy",
            "on edge",
            "worried",
            "worrying",
        ],
    ),
    (
        Emotion::Fearful,
        &[
            "害怕",
            "恐惧",
            "恐怖",
            "吓人",
            "吓",
            "scared",
            "afraid",
            "fear",
            "fearful",
            "scary",
            "frightened",
            "terrified",
            "creepy",
        ],
    ),
    (
        Emotion::Surprised,
        &[
            "惊讶",
            "吃惊",
            "意外",
            "惊喜",
            "震惊",
            "surprise",
            "surprised",
            "shocked",
            "surprising",
            "shocking",
            "astonished",
        ],
    ),
];

/// The marker colour an instruction names (the last one said).
pub(super) fn find_color(c: &str) -> Option<MarkerColor> {
    let folded = c.to_lowercase();
    let mut best: Option<(usize, MarkerColor)> = None;
    for w in COLOR_WORDS {
        if let Some(p) = folded.find(w) {
            let ascii = w.is_ascii();
            let before = folded[..p].chars().next_back();
            let after = folded[p + w.len()..].chars().next();
            let ok = if ascii {
                before.is_none_or(|ch| !ch.is_alphanumeric())
                    && after.is_none_or(|ch| !ch.is_alphanumeric())
            } else if w.chars().count() == 1 {
                // 红 alone is a colour only where a marker is coloured ("标红", "红色", "用红"):
                // 红烧肉 is a dish.
                before.is_some_and(|ch| "标成为用打加涂".contains(ch))
                    || (before == Some('个') && folded[..p].ends_with("标个")
                        || folded[..p].ends_with("打个"))
                    || after.is_some_and(|ch| "色标".contains(ch))
            } else {
                true
            };
            if ok && let Some(col) = color_of(w) {
                // Prefer the colour named closest to "marker"/"标记"/"标成" (last mention wins).
                if best.is_none_or(|(bp, _)| p > bp) {
                    best = Some((p, col));
                }
            }
        }
    }
    best.map(|(_, c)| c)
}

pub(super) fn strip_colors(s: &str) -> String {
    static LATIN: LazyLock<Regex> = LazyLock::new(|| {
        let words: Vec<&str> = COLOR_WORDS
            .iter()
            .copied()
            .filter(|w| w.is_ascii())
            .collect();
        re(&format!(r"\b(?:{})\b", words.join("|")))
    });
    let mut out = LATIN.replace_all(s, " ").into_owned();
    for w in COLOR_WORDS.iter().filter(|w| !w.is_ascii()) {
        out = out.replace(w, " ");
    }
    out.replace("色", " ")
}

pattern!(
    pub(super) AROUND,
    r"\bin and out of\b|\binto and out of\b|\baround\b|\bboth (?:sides|ends) of\b|\bbefore and after\b|\b(?:on )?(?:either|both|each) sides? of\b|\bat (?:the )?(?:start and end|head and tail|both ends) of\b|前后|两端|两头|进出|头尾|首尾|开头和结尾"
);
pattern!(
    pub(super) EVERY_CLIP,
    r"每个镜头|每一个镜头|所有镜头|各个镜头|每个片段|所有片段|每段|每个剪辑点|所有剪辑点|\bevery (?:clip|shot|cut|edit)\b|\ball (?:the )?(?:clips|shots|cuts|edits)\b|\beach (?:clip|shot|cut)\b|\bbetween (?:the )?(?:clips|shots)(?:\s*$|\s*[^\s\d])|\beverywhere\b|\bthroughout\b|\bthe rest\b|\bremaining (?:clips|shots)\b|\bthe others\b|其余|其他镜头|剩下的镜头"
);

pub(super) fn content_words(phrase: &str) -> Vec<String> {
    let f = fold(phrase);
    let mut out = Vec::new();
    for w in f.split(' ') {
        if w.is_empty() || NOISE_EN.contains(&w) {
            continue;
        }
        if w.chars().any(is_cjk) {
            static LONGEST_FIRST: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
                let mut v = NOISE_ZH.to_vec();
                v.sort_by_key(|n| std::cmp::Reverse(n.len()));
                v
            });
            // Multi-character noise goes wherever it stands ("那几句", "那场戏"); a one-character
            // one (的, 在, 场) only where it is a word of its own, so 开场 and 中间 stay whole.
            let mut s = w.to_string();
            for n in LONGEST_FIRST.iter().filter(|n| n.chars().count() > 1) {
                s = s.replace(*n, " ");
            }
            // Digits stand apart from the characters around them ("take 1那条": 1, 那条).
            let mut spaced = String::with_capacity(s.len());
            let mut prev_digit: Option<bool> = None;
            // (第2章, 第3集 stay whole: an ordinal is part of a name.)
            let chars: Vec<char> = s.chars().collect();
            let ordinal_at = |k: usize| -> bool {
                // Is chars[k] inside a 第…N… run?
                let mut j = k;
                while j > 0 && chars[j - 1].is_ascii_digit() {
                    j -= 1;
                }
                j > 0 && chars[j - 1] == '第'
            };
            for (k, &ch) in chars.iter().enumerate() {
                let digit = ch.is_ascii_digit() || ch == '.';
                let boundary = prev_digit.is_some_and(|p| p != digit);
                let keep_whole = if digit {
                    ordinal_at(k)
                } else {
                    k > 0 && ordinal_at(k - 1)
                };
                if boundary && !keep_whole {
                    spaced.push(' ');
                }
                spaced.push(ch);
                prev_digit = Some(digit);
            }
            for piece in spaced.split(' ').filter(|x| !x.is_empty()) {
                if piece.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    out.push(piece.to_string());
                    continue;
                }
                let mut run = String::new();
                for token in cut_words(piece) {
                    if token.chars().count() == 1 && NOISE_ZH.contains(&token.as_str()) {
                        if !run.is_empty() {
                            out.push(std::mem::take(&mut run));
                        }
                    } else {
                        run.push_str(&token);
                    }
                }
                if !run.is_empty() {
                    out.push(run);
                }
            }
        } else {
            out.push(w.to_string());
        }
    }
    out
}

fn only_filler_words(p: &str) -> bool {
    static JOINERS: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"和|与|跟|以及|还有|或者|或|所有的?|全部的?|这些|那些|这种|\band\b|\bor\b|\bthe\b|\ball\b|\bevery\b",
        )
    });
    let rest = JOINERS.replace_all(p, " ");
    let rest = content_words(&rest).join(" ");
    !rest.trim().is_empty() && crate::text::lexicon::is_filler_line(&rest)
}

fn ordinal_target(p: &str) -> Option<Target> {
    static NTH_PIECE: LazyLock<Regex> = LazyLock::new(|| re(r"第\s*\d+\s*(?:个|段|条|镜)"));
    static NTH_ONE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(?:first|second|third|fourth|fifth|last|final|penultimate|\d+(?:st|nd|rd|th))\s+one\b",
        )
    });
    let clipish =
        CLIP_NOUN.is_match(p) || p.contains('个') || NTH_PIECE.is_match(p) || NTH_ONE.is_match(p);
    if !clipish {
        return None;
    }
    let sel = |select| Some(Target::Clips { select });
    if let Some(m) = ZH_ORD_RANGE.captures(p) {
        return sel(ClipSelector::OrdinalRange {
            from: m[1].parse().ok()?,
            to: m[2].parse().ok()?,
        });
    }
    if let Some(m) = ZH_ORD_FROM_END.captures(p) {
        let n: i64 = m[1].parse().ok()?;
        return sel(ClipSelector::Ordinals { ordinals: vec![-n] });
    }
    // "第一个和最后一个镜头": positions from the start and the end together.
    let last_one = p.contains("最后一个")
        || p.contains("最后那个")
        || p.contains("最末")
        || p.contains("最后1个");
    if let Some(m) = ZH_LAST_N.captures(p).filter(|_| !last_one) {
        let n: i64 = m[1].parse().ok()?;
        return sel(ClipSelector::OrdinalRange { from: -n, to: -1 });
    }
    if last_one {
        let mut ords: Vec<i64> = ZH_ORD
            .captures_iter(p)
            .filter_map(|m| m[1].parse().ok())
            .collect();
        ords.push(-1);
        return sel(ClipSelector::Ordinals { ordinals: ords });
    }
    if let Some(m) = ZH_FIRST_N.captures(p) {
        let n: i64 = m[1].parse().ok()?;
        return sel(ClipSelector::OrdinalRange { from: 1, to: n });
    }
    let zh: Vec<i64> = ZH_ORD
        .captures_iter(p)
        .filter_map(|m| m[1].parse().ok())
        .collect();
    if !zh.is_empty() {
        return sel(ClipSelector::Ordinals { ordinals: zh });
    }
    if let Some(m) = EN_ORD_RANGE.captures(p) {
        return sel(ClipSelector::OrdinalRange {
            from: m[1].parse().ok()?,
            to: m[2].parse().ok()?,
        });
    }
    if let Some(m) = EN_LAST_N.captures(p) {
        let n = en_small_number(&m[1])?;
        return sel(ClipSelector::OrdinalRange { from: -n, to: -1 });
    }
    if let Some(m) = EN_FIRST_N.captures(p) {
        let n = en_small_number(&m[1])?;
        return sel(ClipSelector::OrdinalRange { from: 1, to: n });
    }
    let mut ords = Vec::new();
    for m in EN_ORD_WORD.captures_iter(p) {
        let n = if let Some(d) = m.get(1) {
            d.as_str().parse().ok()?
        } else {
            match &m[2] {
                "first" => 1,
                "second" => 2,
                "third" => 3,
                "fourth" => 4,
                "fifth" => 5,
                "sixth" => 6,
                "seventh" => 7,
                "eighth" => 8,
                "ninth" => 9,
                "tenth" => 10,
                "eleventh" => 11,
                "twelfth" => 12,
                "opening" => 1,
                "final" | "closing" => -1,
                "last" => -1,
                _ => -2,
            }
        };
        // "second to last" is one ordinal, not "second" and "last".
        if n == -1 && ords.last() == Some(&2) && p.contains("second to last") {
            ords.pop();
            ords.push(-2);
            continue;
        }
        ords.push(n);
    }
    for m in EN_CLIP_NUMBER.captures_iter(p) {
        ords.push(m[1].parse().ok()?);
    }
    if !ords.is_empty() {
        return sel(ClipSelector::Ordinals { ordinals: ords });
    }
    None
}

/// A shot's look named in the phrase: 黑屏 / dark shots / 冷色调的镜头 / warm-toned clips.
pub(super) fn look_in(p: &str) -> Option<Look> {
    static BLACK: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"黑屏|全黑|黑场|黑帧|\bblack (?:screens?|frames?|parts?|shots?|clips?|sections?|bits?)\b|\bblacks\b",
        )
    });
    static DARK: LazyLock<Regex> =
        LazyLock::new(|| re(r"太暗|偏暗|很暗|暗的|昏暗|欠曝|\b(?:dark|darker|underexposed|dim)\b"));
    static BRIGHT: LazyLock<Regex> =
        LazyLock::new(|| re(r"过曝|太亮|偏亮|很亮|亮的|\b(?:bright|overexposed|blown[- ]out)\b"));
    static WARM: LazyLock<Regex> = LazyLock::new(|| {
        re(r"暖色调|暖色|偏暖|暖调|\bwarm(?:er)?(?:[- ]toned| tone| tones| colou?red)?\b")
    });
    static COLD: LazyLock<Regex> = LazyLock::new(|| {
        re(r"冷色调|冷色|偏冷|冷调|\b(?:cold|cool)(?:er)?(?:[- ]toned| tone| tones| colou?red)?\b")
    });
    let shotish =
        CLIP_NOUN.is_match(p) || p.contains("部分") || p.contains("的") || p.contains("段");
    if BLACK.is_match(p) {
        return Some(Look::Black);
    }
    if !shotish {
        return None;
    }
    [
        (&DARK, Look::Dark),
        (&BRIGHT, Look::Bright),
        (&WARM, Look::Warm),
        (&COLD, Look::Cold),
    ]
    .into_iter()
    .find(|(r, _)| r.is_match(p))
    .map(|(_, l)| l)
}

fn emotion_in(p: &str) -> Option<Emotion> {
    emotion_cue_in(p).map(|(e, _)| e)
}

/// The emotion an instruction names and the word that named it.
fn emotion_cue_in(p: &str) -> Option<(Emotion, String)> {
    let f = fold(p);
    let words: Vec<&str> = f.split(' ').collect();
    for (e, cues) in EMOTION_WORDS {
        for cue in *cues {
            let hit = if cue.chars().any(is_cjk) {
                f.contains(cue)
            } else if cue.contains(' ') {
                format!(" {f} ").contains(&format!(" {cue} "))
            } else {
                words.iter().any(|w| w == cue)
            };
            if hit {
                return Some((*e, cue.to_string()));
            }
        }
    }
    None
}

/// A known speaker named in the phrase (longest name first).
fn known_speaker(p: &str, ctx: &Context) -> Option<String> {
    known_speakers(p, ctx).0.into_iter().next()
}

/// Every known speaker named in the phrase, in the order said, and the folded phrase without
/// their names. Longest names first, so 新娘爸爸 is not also 新娘; a multi-word name may be said
/// by one of its words when no other speaker shares it ("Auntie" for AUNTIE MEI).
fn known_speakers(p: &str, ctx: &Context) -> (Vec<String>, String) {
    let mut hay = format!(" {} ", fold(p));
    let mut speakers: Vec<&String> = ctx.speakers.iter().collect();
    speakers.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    let mut found: Vec<(usize, String)> = Vec::new();
    for s in speakers {
        let name = fold(s);
        if name.is_empty() {
            continue;
        }
        let mut spans: Vec<(usize, usize)> = Vec::new();
        if name.chars().any(is_cjk) {
            if let Some(at) = hay.find(&name) {
                spans.push((at, at + name.len()));
            }
        } else {
            let forms = [
                format!(" {name}'s "),
                format!(" {name}s "),
                format!(" {name} "),
            ];
            if let Some((at, len)) = forms
                .iter()
                .filter(|f| !f.ends_with("s ") || name.len() > 3 || f.contains('\''))
                .find_map(|f| hay.find(f.as_str()).map(|at| (at, f.len())))
            {
                spans.push((at, at + len - 1));
            } else if name.contains(' ') {
                // One word of the name, unique among the speakers.
                for part in name.split(' ').filter(|w| w.len() >= 4) {
                    let shared = ctx
                        .speakers
                        .iter()
                        .filter(|o| fold(o).split(' ').any(|w| w == part))
                        .count();
                    let forms = [format!(" {part}'s "), format!(" {part} ")];
                    if shared == 1
                        && let Some((at, len)) = forms
                            .iter()
                            .find_map(|f| hay.find(f.as_str()).map(|at| (at, f.len())))
                    {
                        spans.push((at, at + len - 1));
                        break;
                    }
                }
            }
        }
        if let Some((a, b)) = spans.first().copied() {
            found.push((a, s.clone()));
            hay.replace_range(a..b, &" ".repeat(b - a));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    (
        found.into_iter().map(|(_, s)| s).collect(),
        hay.split_whitespace().collect::<Vec<_>>().join(" "),
    )
}

fn unknown_speaker(p: &str) -> Option<String> {
    let t = p.trim();
    if let Some(m) = ZH_SPEAKER.captures(t) {
        let name = m[1].to_string();
        let generic = [
            "所有", "全部", "大家", "他们", "我们", "别人", "其他", "悲伤", "开心", "这些", "那些",
            "刚才", "最后",
        ];
        if !generic.contains(&name.as_str()) && emotion_in(&name).is_none() {
            return Some(name);
        }
    }
    let f = fold(t);
    if let Some(m) = EN_SPEAKER.captures(&f) {
        let name = m.get(1).or(m.get(2)).or(m.get(3))?.as_str().trim();
        let name = name
            .trim_start_matches("the ")
            .trim_start_matches("all of ")
            .trim();
        let generic = [
            "everyone",
            "everybody",
            "anyone",
            "someone",
            "they",
            "he",
            "she",
            "we",
            "you",
            "i",
            "it",
            "that",
            "this",
            "which",
            "who",
            "there",
            "one",
            "what",
            "whoever",
            "nobody",
        ];
        if !name.is_empty() && !generic.contains(&name) && emotion_in(name).is_none() {
            return Some(name.to_string());
        }
    }
    None
}

fn marker_target(p: &str, ctx: &Context) -> Option<Target> {
    let explicit = MARKER_WORD.is_match(p);
    let words = content_words(&strip_colors(&MARKER_WORD.replace_all(p, " ")));
    let labels: Vec<String> = ctx.marker_labels.iter().map(|l| fold(l)).collect();
    let label_hit = |w: &str| {
        labels.iter().any(|l| {
            if w.chars().any(is_cjk) {
                l.contains(w)
            } else {
                l.split(' ').any(|lw| stem(lw) == stem(w))
            }
        })
    };
    // Without the word "marker", a phrase is a marker target when it names a marker's label
    // outright ("the NG takes", "the selects").
    // "the kitchen shot" names a clip by a word other than "shot"; "the NG takes" does not.
    let clip_named =
        CLIP_NOUN.is_match(p) && clip_name_target(&CLIP_NOUN.replace_all(p, " "), ctx).is_some();
    let named = !clip_named
        && words.iter().any(|w| {
            !w.chars().all(|c| c.is_ascii_digit())
                && labels.iter().any(|l| {
                    if w.chars().any(is_cjk) {
                        l == w
                    } else {
                        l.split(' ').count() <= 2 && l.split(' ').any(|lw| stem(lw) == stem(w))
                    }
                })
        });
    if !explicit && !named {
        return None;
    }
    let color = find_color(p);
    let words: Vec<String> = if explicit {
        words
    } else {
        words.into_iter().filter(|w| label_hit(w)).collect()
    };
    // "markers" alone with a colour: all of that colour. Otherwise the words choose.
    let words: Vec<String> = words
        .into_iter()
        .filter(|w| !matches!(w.as_str(), "take" | "takes" | "shot" | "section" | "导演"))
        .chain(
            // 导演 is part of the marker's comment in practice; keep it as a matching word too.
            p.contains("导演").then(|| "导演".to_string()),
        )
        .collect();
    Some(Target::Markers { color, words })
}

/// Without the word "marker": a phrase whose words are all found in one marker's name or
/// comment ("the clip with the mic bump" → the marker "mic bump, fix in the mix").
fn marker_by_text(p: &str, ctx: &Context) -> Option<Target> {
    let words: Vec<String> = content_words(p)
        .into_iter()
        .filter(|w| w.chars().count() >= 2)
        .collect();
    if words.is_empty() {
        return None;
    }
    let labels: Vec<String> = ctx
        .marker_labels
        .iter()
        .map(|l| fold(&crate::text::normalize::normalize_instruction(l)))
        .collect();
    let hit = words.iter().all(|w| {
        if w.chars().any(is_cjk) {
            // Chinese: most of the word's character pairs are in the markers' names or
            // comments ("摄影师穿帮" → 穿帮 / 摄影师入镜了).
            let chars: Vec<char> = w.chars().collect();
            if chars.len() == 2 {
                return labels.iter().any(|l| l.contains(w.as_str()));
            }
            let pairs: Vec<String> = chars.windows(2).map(|p| p.iter().collect()).collect();
            let found = pairs
                .iter()
                .filter(|p| labels.iter().any(|l| l.contains(p.as_str())))
                .count();
            found >= 2 && found * 2 >= pairs.len()
        } else {
            labels
                .iter()
                .any(|l| l.split(' ').any(|lw| stem(lw) == stem(w)))
        }
    });
    hit.then_some(Target::Markers { color: None, words })
}

fn clip_name_target(p: &str, ctx: &Context) -> Option<Target> {
    let words = content_words(p);
    if words.is_empty() {
        return None;
    }
    let names = ctx.folded_clip_names();
    let mut hits = Vec::new();
    for w in &words {
        if w.chars().any(is_cjk) {
            // Runs of the word (2+ characters) found in a clip name, longest first, until no
            // part of the word is left that names a clip: "主桌敬酒" → 主桌, 敬酒.
            let mut parts: Vec<Vec<char>> = vec![w.chars().collect()];
            while let Some(chars) = parts.pop() {
                let mut best: Option<(usize, usize)> = None;
                'len: for len in (2..=chars.len()).rev() {
                    for start in 0..=chars.len() - len {
                        let sub: String = chars[start..start + len].iter().collect();
                        if names.iter().any(|n| n.contains(&sub)) {
                            best = Some((start, len));
                            break 'len;
                        }
                    }
                }
                if let Some((start, len)) = best {
                    let sub: String = chars[start..start + len].iter().collect();
                    if !hits.contains(&sub) {
                        hits.push(sub);
                    }
                    parts.push(chars[..start].to_vec());
                    parts.push(chars[start + len..].to_vec());
                }
            }
        } else if ctx.any_clip_has_word(w) {
            hits.push(w.clone());
        }
    }
    // Keep the words that name clips; drop words that merely follow ("so it comes").
    if hits.is_empty() {
        return None;
    }
    let mut keep: Vec<String> = Vec::new();
    for w in words {
        let cjk = w.chars().any(is_cjk);
        let inside: Vec<&String> = hits
            .iter()
            .filter(|h| **h == w || cjk && w.contains(h.as_str()))
            .collect();
        if !inside.is_empty() {
            for h in inside {
                if !keep.contains(h) {
                    keep.push(h.clone());
                }
            }
        } else if !cjk && w.chars().all(|c| c.is_ascii_digit()) {
            keep.push(w);
        }
    }
    let keep = if keep.is_empty() { hits } else { keep };
    Some(Target::Clips {
        select: ClipSelector::Name { words: keep },
    })
}

// The lead: the speaker with the most lines (SPEC: 主角, 女主角, 男主角, the lead, the
// protagonist, the host).
pattern!(
    LEAD,
    r"女主角|男主角|主角|主人公|女主|男主|主持人|台词最多的(?:那个)?人?|说话最多的(?:那个)?人?|话最多的(?:那个)?人?|\bthe (?:person|one|speaker) who (?:talks|speaks|says) the most\b|\bwhoever (?:talks|speaks) the most\b|\bthe main speaker\b|\bthe lead speaker\b|\blead speaker\b|\bthe leads?(?:'s)?(?:\s|$)|\blead(?:'s)? (?:lines?|speaker|character)|\bprotagonist(?:'s)?(?:\s|$)|\bmain (?:character|speaker|subject|person|guest)(?:'s)?(?:\s|$)|\bthe host(?:'s)?(?:\s|$)|\bhost's(?:\s|$)"
);
// A phrase that points at lines (not clips): 句 / 话 / lines / says.
pattern!(
    LINE_NOUN,
    r"句|话|台词|发言|说|讲|\blines?\b|\bsays?\b|\bsaid\b|\bdialog(?:ue)?\b|\bquotes?\b|\bsound ?bites?\b|\btalks?\b|\bspeaks?\b|\bwords\b|\bsentences?\b"
);
// What a paraphrase is about: "the sad bit about grandma", "聊到奶奶的那几句".
pattern!(ABOUT_EN, r"\b(?:about|mentioning|regarding)\s+(.+)$");
pattern!(
    ABOUT_ZH,
    r"(?:关于|说到|聊到|提到|讲到|谈到)(.+?)(?:的(?:那|这)?(?:几)?(?:句|段|部分|地方|话)|$)"
);
// Speech acts that name no content: "记者提问的地方" is the reporter's lines.
const SPEECH_ACTS: &[&str] = &[
    "提问",
    "问",
    "回答",
    "答",
    "讲话",
    "聊天",
    "聊",
    "发言",
    "致辞时",
    "asks",
    "ask",
    "asking",
    "answers",
    "answer",
    "interview",
    "talk",
    "talks",
    "questions",
    "question",
    "speaks",
    "says",
    "said",
    "goes",
    "gets",
    "get",
    "got",
    "getting",
    "sounds",
    "sound",
    "sounding",
    "seems",
    "seem",
    "looks",
    "feels",
    "feel",
    "becomes",
    "gets",
    "is",
    "was",
    "being",
    "听起来",
    "显得",
    "变得",
    "有点",
    "特别",
    "非常",
    "很",
    "比较",
    "太",
];
// Where a clip scope is said: "在厨房", "in the kitchen shot", "during the drone shot".
pattern!(
    SCOPE_WORDS,
    r"\b(?:in|inside|during|within|from|over|throughout|across)\b|在|里面|里|当中|中|上|时|的时候|期间"
);
// "take 2", "cam B": a number that belongs to a clip's name, not a position.
pattern!(
    TAKE_NAME,
    r"\btakes?\s*#?\s*\d+\b|\bcam(?:era)?\s*[a-z0-9]\b"
);
// The words of an ordinal or a set of clips, removed before looking for name words.
pattern!(
    ORDINAL_WORDS,
    r"倒数第\s*\d+\s*个?|第\s*\d+\s*(?:个|段|条)?(?:\s*(?:到|至|和|与|、|-|~)\s*第?\s*\d+\s*(?:个|段|条)?)?|最后\s*\d*\s*(?:个|段)?|前\s*\d+\s*个|最末|\b\d+(?:st|nd|rd|th)\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|last|final|closing|opening|penultimate|next|to)\b|\b(?:clips?|shots?)\s*(?:#|no\.?|number)?\s*\d+(?:\s*(?:-|–|to|through|thru|until|and|,|&)\s*\d+)*|\b\d+\b"
);
// "clips 9 and 10", "shots 3, 4 and 7".
pattern!(
    EN_ORD_LIST,
    r"\b(?:clips?|shots?)\s+(\d+(?:\s*(?:,|and|&|,\s*and)\s*\d+)+)\b"
);

/// Words for the head or tail of a programme, redundant beside a span of time.
const HEAD_TAIL_WORDS: &[&str] = &[
    "片头",
    "片尾",
    "开头",
    "结尾",
    "开场",
    "结束",
    "opening",
    "intro",
    "ending",
    "outro",
    "start",
    "end",
    "beginning",
];

/// The constraints read from a target phrase.
#[derive(Debug, Default)]
struct Read {
    speakers: Vec<String>,
    lead: bool,
    emotion: Option<Emotion>,
    filler: bool,
    says: Option<(String, bool)>,
    in_clips: Vec<String>,
    within: Vec<Target>,
    /// Clip-name words that include a speaker's name ("the Sarah CU shots").
    named_clips: Vec<String>,
}

impl Read {
    fn lines_meant(&self) -> bool {
        !self.speakers.is_empty()
            || self.lead
            || self.emotion.is_some()
            || self.filler
            || self.says.is_some()
    }

    /// One target: the simplest form that says everything read (a lone speaker stays
    /// `Speaker`, so older clients and few-shot examples read the same), several speakers a
    /// union of line sets.
    fn into_target(self) -> Target {
        let within = match self.within.first() {
            Some(Target::TimeRange { from, to }) => Some(Span {
                from: from.clone(),
                to: to.clone(),
            }),
            _ => None,
        };
        let filter_for = |speaker: Option<String>| LineFilter {
            speaker,
            lead: self.lead,
            emotion: self.emotion,
            filler: self.filler,
            says: self.says.as_ref().map(|(q, _)| q.clone()),
            quoted: self.says.as_ref().is_some_and(|(_, q)| *q),
            in_clips: self.in_clips.clone(),
            within: within.clone(),
        };
        let simplest = |f: LineFilter| -> Target {
            let scoped = f.lead || !f.in_clips.is_empty() || f.within.is_some();
            match (&f, scoped) {
                (
                    LineFilter {
                        speaker: Some(name),
                        emotion: None,
                        filler: false,
                        says: None,
                        ..
                    },
                    false,
                ) => Target::Speaker { name: name.clone() },
                (
                    LineFilter {
                        emotion: Some(e),
                        filler: false,
                        says: None,
                        ..
                    },
                    false,
                ) => Target::Emotion {
                    emotion: *e,
                    speaker: f.speaker.clone(),
                },
                (
                    LineFilter {
                        emotion: None,
                        filler: false,
                        says: Some(q),
                        ..
                    },
                    false,
                ) => Target::Content {
                    query: q.clone(),
                    quoted: f.quoted,
                    speaker: f.speaker.clone(),
                },
                (
                    LineFilter {
                        speaker: None,
                        emotion: None,
                        filler: true,
                        says: None,
                        ..
                    },
                    false,
                ) => Target::Filler,
                _ => Target::Lines { filter: f },
            }
        };
        if self.speakers.len() > 1 {
            Target::Union {
                targets: self
                    .speakers
                    .iter()
                    .map(|s| simplest(filter_for(Some(s.clone()))))
                    .collect(),
            }
        } else {
            simplest(filter_for(self.speakers.first().cloned()))
        }
    }
}

/// Remove `word` from `text` once (whole words for Latin text).
fn remove_word(text: &str, word: &str) -> String {
    if word.is_empty() {
        return text.to_string();
    }
    if word.chars().any(is_cjk) {
        return text.replacen(word, " ", 1);
    }
    let padded = format!(" {text} ");
    for form in [format!(" {word}'s "), format!(" {word} ")] {
        if let Some(at) = padded.find(&form) {
            let mut out = padded.clone();
            out.replace_range(at..at + form.len(), " ");
            return out.trim().to_string();
        }
    }
    text.to_string()
}

/// Words of `phrase` that carry meaning once every constraint was read from it.
fn leftover_words(phrase: &str) -> Vec<String> {
    content_words(phrase)
        .into_iter()
        .filter(|w| !SPEECH_ACTS.contains(&w.as_str()))
        .filter(|w| !w.chars().any(is_cjk) || w.chars().count() >= 2)
        .filter(|w| w.chars().any(is_cjk) || w.len() >= 2 || w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !(w.starts_with('每') && w.chars().skip(1).all(|c| c.is_ascii_digit())))
        .filter(|w| !NOISE_EN.contains(&w.as_str()))
        .collect()
}

fn refuse_no_target() -> Refusal {
    Refusal::new(
        RefusalKind::NotUnderstood,
        "understood the edit but not what it applies to",
    )
}

/// Read a target phrase: every constraint it holds, combined.
pub(super) fn target_of(phrase: &str, ctx: &Context, verb: Verb) -> Result<Target, Refusal> {
    // "那两句", "两个厨房的镜头", "那一段": a count, not a position or a name.
    pattern!(
        COUNT,
        r"(^|[^第前后最\d.,、和与及到至~-])\s*\d+\s*(?:个|段|句|条|处|些)"
    );
    let counted = COUNT.replace_all(phrase.trim(), "$1 ").into_owned();
    let p = counted.trim();
    if let Some(t) = pause_target(p) {
        return Ok(t);
    }
    let (spans, rest) = extract_spans(p);
    let mut read = Read {
        within: spans,
        ..Read::default()
    };
    let mut rest = rest;

    // Quoted words: every line that says them.
    if let Some(m) = QUOTED.captures(&rest) {
        let quote = m
            .get(1)
            .or(m.get(2))
            .map_or("", |g| g.as_str())
            .trim()
            .to_string();
        let whole = m.get(0).map_or(0..0, |g| g.range());
        rest.replace_range(whole, " ");
        read.says = Some((quote, true));
    }

    // A paraphrase of one line: "the line where X says Y", "X说…的那句".
    if read.says.is_none()
        && let Some((who, query)) = paraphrase(&rest, ctx)
    {
        let who_known = who
            .as_deref()
            .and_then(|w| known_speaker(w, ctx))
            .or_else(|| known_speaker(&rest, ctx));
        // "客户说不要的那段": who is no speaker here, and a marker says it.
        if who_known.is_none()
            && who.is_some()
            && let Some(t) = marker_by_text(&rest, ctx)
        {
            return Ok(t);
        }
        if let Some(w) = who_known.clone().or(who) {
            read.speakers.push(w);
        }
        read.says = Some((query, false));
        return finish(read, Vec::new(), ctx, verb, p);
    }

    // "名字里带王芳的那个镜头", "the clip called sunset": a clip by the words of its name.
    pattern!(
        NAMED_AS,
        r"(?:名字|名称|文件名|片名)(?:里|中|上)?(?:带|有|含|包含|叫|是)(?:着)?\s*(.+?)\s*的|叫(?:做)?\s*(.+?)\s*的(?:那个|这个)?(?:镜头|片段|素材|clip)|\b(?:named|called|titled|labell?ed)\s+(.+?)(?:\s+(?:to|at|by|in|on|into|after|before)\b|$)|\b(?:with|has)\s+(.+?)\s+in (?:its|the) (?:name|title)\b"
    );
    if let Some(m) = NAMED_AS.captures(&rest) {
        let words = leftover_words(
            m.get(1)
                .or(m.get(2))
                .or(m.get(3))
                .or(m.get(4))
                .map_or("", |g| g.as_str()),
        );
        if !words.is_empty() {
            return Ok(Target::Clips {
                select: ClipSelector::Name { words },
            });
        }
    }

    // Positions of clips, maybe among clips so named ("the second b-roll shot").
    let take_named = TAKE_NAME.is_match(&rest)
        && !EN_ORD_WORD.is_match(&rest)
        && !ZH_ORD.is_match(&rest)
        && ctx
            .folded_clip_names()
            .iter()
            .any(|n| n.contains("take") || n.contains("cam"));
    let names_clips = || {
        let words = leftover_words(&ORDINAL_WORDS.replace_all(&rest, " "));
        !words.is_empty() && clip_name_target(&words.join(" "), ctx).is_some()
    };
    if !take_named
        && read.within.is_empty()
        && let Some(t) = ordinal_list(&rest)
            .or_else(|| ordinal_target(&rest))
            .or_else(|| {
                names_clips()
                    .then(|| ordinal_target(&format!("{rest} clip")))
                    .flatten()
            })
    {
        return Ok(named_ordinals(t, &rest, ctx));
    }

    if let Some(look) = look_in(&rest) {
        return Ok(Target::Picture { look });
    }

    if only_filler_words(&rest) {
        // "去掉所有的嗯和啊": the phrase names nothing but filler words.
        read.filler = true;
        rest = String::new();
    } else if FILLER_WORD.is_match(&rest) {
        read.filler = true;
        rest = FILLER_WORD.replace_all(&rest, " ").into_owned();
    }

    let explicit_marker = MARKER_WORD.is_match(&rest);
    if !read.filler
        && explicit_marker
        && let Some(t) = marker_target(&rest, ctx)
    {
        return Ok(t);
    }

    // "伴娘致辞那个镜头": a shot named with a speaker's name is a clip, not the speaker's lines.
    if CLIP_NOUN.is_match(&rest) && !LINE_NOUN.is_match(&rest) && read.within.is_empty() {
        let words = leftover_words(&SCOPE_WORDS.replace_all(&rest, " "));
        if let Some(Target::Clips {
            select: ClipSelector::Name { words: hit },
        }) = clip_name_target(&words.join(" "), ctx)
            && words
                .iter()
                .all(|w| hit.iter().any(|h| w.contains(h.as_str())))
            && !known_speakers(&rest, ctx).0.is_empty()
        {
            return Ok(Target::Clips {
                select: ClipSelector::Name { words: hit },
            });
        }
    }
    let (speakers, without_names) = known_speakers(&rest, ctx);
    // "during the Sarah CU shots, cut her happy lines": a name that is part of a clip's name,
    // said with the rest of that name, names the clips too.
    if !speakers.is_empty() {
        let words = leftover_words(&SCOPE_WORDS.replace_all(&rest, " "));
        let name_words: Vec<String> = speakers
            .iter()
            .flat_map(|s| fold(s).split(' ').map(str::to_string).collect::<Vec<_>>())
            .collect();
        let is_name = |w: &str| name_words.iter().any(|n| n == w.trim_end_matches("'s"));
        let said = format!(" {} ", fold(&rest));
        // The name and the other word are said together ("sarah cu", "sarah 的 cu", "伴娘致辞"),
        // not merely in one phrase ("新娘在仪式上" is the bride at the ceremony).
        let together = |a: &str, b: &str| {
            [" ", "", " 的 ", "的", "'s "].iter().any(|j| {
                said.contains(&format!("{a}{j}{b}")) || said.contains(&format!("{b}{j}{a}"))
            })
        };
        let with_name = ctx.folded_clip_names().iter().any(|n| {
            let has = |w: &str| crate::resolver::name_has_word(n, w);
            words.iter().any(|a| {
                let a = a.trim_end_matches("'s");
                is_name(a)
                    && has(a)
                    && words
                        .iter()
                        .any(|b| !is_name(b) && has(b) && together(a, b))
            })
        });
        if with_name
            && let Some(Target::Clips {
                select: ClipSelector::Name { words: hit },
            }) = clip_name_target(&words.join(" "), ctx)
        {
            // Without a word for lines ("Sarah的CU都放慢"), the clips are the target.
            if !LINE_NOUN.is_match(&rest) && read.within.is_empty() && read.says.is_none() {
                return Ok(Target::Clips {
                    select: ClipSelector::Name { words: hit },
                });
            }
            read.named_clips = hit;
        }
    }
    read.speakers = speakers;
    let mut rest_f = without_names;
    if read.speakers.is_empty() && LEAD.is_match(&rest_f) {
        read.lead = true;
        rest_f = LEAD.replace_all(&rest_f, " ").into_owned();
    }
    let emotion_cue = emotion_cue_in(&rest_f);
    if let Some((e, cue)) = &emotion_cue {
        // "厨房争吵那场戏": a scene whose clip name holds the emotion word is the clip meant.
        let scene = SCENE_NOUN.is_match(&rest_f) && !LINE_NOUN.is_match(&rest_f);
        if scene
            && !read.lines_meant()
            && read.within.is_empty()
            && let Some(t) = clip_name_target(&rest_f, ctx)
            && matches!(&t, Target::Clips { select: ClipSelector::Name { words } } if words.iter().any(|w| cue.contains(w.as_str()) || w.contains(cue.as_str())))
        {
            return Ok(t);
        }
        read.emotion = Some(*e);
        rest_f = remove_word(&rest_f, cue);
        // "吵架发火的那些话", "the nail-biting nervous lines": every word for the emotion goes.
        while let Some((_, cue)) = emotion_cue_in(&rest_f).filter(|(x, _)| x == e) {
            rest_f = remove_word(&rest_f, &cue);
        }
    }
    if !read.lines_meant()
        && read.within.is_empty()
        && let Some(t) = marker_target(&rest_f, ctx)
    {
        return Ok(t);
    }
    if read.speakers.is_empty()
        && !read.lead
        && let Some(name) = unknown_speaker(&rest_f)
    {
        rest_f = remove_word(&rest_f, &fold(&name));
        read.speakers.push(name);
    }
    if read.lines_meant() && read.says.is_none() {
        let about = ABOUT_EN
            .captures(&rest_f)
            .or_else(|| ABOUT_ZH.captures(&rest_f))
            .map(|m| (m.get(0).map_or(0..0, |g| g.range()), m[1].to_string()));
        if let Some((range, topic)) = about {
            let words = leftover_words(&topic);
            if !words.is_empty() {
                rest_f.replace_range(range, " ");
                read.says = Some((words.join(" "), false));
            }
        }
    }
    let leftovers = leftover_words(&SCOPE_WORDS.replace_all(&rest_f, " "));
    finish(read, leftovers, ctx, verb, p)
}

/// Combine what was read with the words left over: clip-name words scope lines or name clips.
fn finish(
    mut read: Read,
    leftovers: Vec<String>,
    ctx: &Context,
    verb: Verb,
    phrase: &str,
) -> Result<Target, Refusal> {
    let left = leftovers.join(" ");
    let clip_words = if !read.named_clips.is_empty() {
        std::mem::take(&mut read.named_clips)
    } else if left.trim().is_empty() {
        Vec::new()
    } else {
        match clip_name_target(&left, ctx) {
            Some(Target::Clips {
                select: ClipSelector::Name { words },
            }) => words,
            _ => Vec::new(),
        }
    };
    // A number alone ("那两句", "每一句") names no clip; "take 1" does, beside "take".
    let digits = |w: &String| w.chars().all(|c| c.is_ascii_digit());
    let clip_words = if clip_words.iter().all(digits) {
        Vec::new()
    } else {
        clip_words
    };
    let leftovers: Vec<String> = if clip_words.is_empty() {
        leftovers.into_iter().filter(|w| !digits(w)).collect()
    } else {
        leftovers
    };
    let unexplained: Vec<&String> = leftovers
        .iter()
        .filter(|w| {
            !clip_words
                .iter()
                .any(|c| c == *w || w.contains(c.as_str()) || c.contains(w.as_str()))
        })
        .collect();
    if read.lines_meant() {
        read.in_clips = clip_words;
        // A count ("每一句" → 每1句) constrains no line.
        let unexplained: Vec<&String> = unexplained
            .into_iter()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if !unexplained.is_empty() && read.says.is_none() {
            // A word that is neither a name nor a clip: what the lines are about, never a
            // constraint dropped in silence.
            read.says = Some((
                unexplained
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                false,
            ));
        }
        return Ok(read.into_target());
    }
    if !read.within.is_empty() {
        // "前6秒片头": the opening is the span's own place.
        let clip_words: Vec<String> = clip_words
            .into_iter()
            .filter(|w| !HEAD_TAIL_WORDS.contains(&w.as_str()))
            .collect();
        if !clip_words.is_empty() {
            return Err(Refusal::new(
                RefusalKind::NotUnderstood,
                "a span of time and a clip in one target: say whose lines, or name one of them",
            ));
        }
        return Ok(if read.within.len() == 1 {
            read.within.remove(0)
        } else {
            Target::Union {
                targets: read.within,
            }
        });
    }
    if !clip_words.is_empty() {
        // "between the train b-roll and hotel take 1": two clips named side by side.
        let sides: Vec<&str> = NAME_JOIN
            .split(phrase)
            .filter(|s| !s.trim().is_empty())
            .collect();
        if sides.len() > 1 {
            let named: Option<Vec<Target>> =
                sides.iter().map(|s| clip_name_target(s, ctx)).collect();
            if let Some(targets) = named {
                return Ok(Target::Union { targets });
            }
        }
        return Ok(Target::Clips {
            select: ClipSelector::Name { words: clip_words },
        });
    }
    if let Some(t) = marker_by_text(phrase, ctx) {
        return Ok(t);
    }
    // A transition "between the interview shots" where no clip is called that must not land on
    // every cut: only words that name no clip at all ("between every shot") mean all of them.
    if EVERY_CLIP.is_match(phrase) || (verb == Verb::Transition && leftovers.is_empty()) {
        return Ok(Target::Clips {
            select: ClipSelector::All,
        });
    }
    if leftovers.is_empty() {
        return Err(refuse_no_target());
    }
    // "水下的镜头": a shot by a name no clip has is a clip not found, not a line.
    if CLIP_NOUN.is_match(phrase) && !LINE_NOUN.is_match(phrase) {
        return Ok(Target::Clips {
            select: ClipSelector::Name { words: leftovers },
        });
    }
    Ok(Target::Content {
        query: leftovers.join(" "),
        quoted: false,
        speaker: None,
    })
}

/// "the line where X says Y", "X说…的那句", "the part about Y": (who, what).
fn paraphrase(p: &str, ctx: &Context) -> Option<(Option<String>, String)> {
    let f = fold(p);
    const PRONOUNS: &[&str] = &[
        "she", "he", "they", "someone", "somebody", "anyone", "i", "we", "you", "it", "one",
        "everyone", "people",
    ];
    if let Some(m) = EN_SAYS.captures(&f) {
        let who = m[1].trim().trim_start_matches("the ").to_string();
        let who =
            (!who.is_empty() && who.split(' ').count() <= 3 && !PRONOUNS.contains(&who.as_str()))
                .then_some(who);
        let query = m[2]
            .trim()
            .trim_end_matches(" it")
            .trim_end_matches(" them")
            .to_string();
        return Some((who, query));
    }
    if let Some(m) = EN_SAYS_BARE.captures(&f) {
        return Some((None, m[1].trim().to_string()));
    }
    // "where Nina gives the discount code": a known speaker after where/when, any verb.
    if let Some(at) = f.find("where ").or_else(|| f.find("when ")) {
        let after = &f[at..];
        let (speakers, _) = known_speakers(after, ctx);
        if let Some(s) = speakers.first() {
            let name = fold(s);
            let parts: Vec<&str> = name.split(' ').collect();
            let words: Vec<&str> = after.split(' ').collect();
            if let Some(k) = words.iter().position(|w| {
                let w = w.trim_end_matches("'s");
                parts.contains(&w)
            }) {
                let skip = words[k..]
                    .iter()
                    .take_while(|w| parts.contains(&w.trim_end_matches("'s")))
                    .count();
                let query: Vec<&str> = words[k + skip..]
                    .iter()
                    .copied()
                    .filter(|w| !NOISE_EN.contains(w))
                    .collect();
                if query.len() >= 2 && emotion_cue_in(&query.join(" ")).is_none() {
                    return Some((Some(s.clone()), query.join(" ")));
                }
            }
        }
    }
    if let Some(m) = ZH_SAYS.captures(p) {
        let who = content_words(&m[1]).join("");
        let query = m[2]
            .trim_start_matches('他')
            .trim_start_matches('她')
            .trim_start_matches("要")
            .to_string();
        if !leftover_words(&query).is_empty() {
            return Some(((!who.is_empty()).then_some(who), query));
        }
    }
    None
}

/// "clips 9 and 10", "第1、3、5个镜头": a list of positions.
fn ordinal_list(p: &str) -> Option<Target> {
    pattern!(
        ZH_ORD_LIST,
        r"第\s*(\d+(?:\s*[,、和与及]\s*第?\s*\d+)+)\s*(?:两|几|三)?\s*个?"
    );
    if let Some(m) = ZH_ORD_LIST.captures(p) {
        let ordinals: Vec<i64> = m[1]
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|d| d.parse().ok())
            .collect();
        if ordinals.len() > 1 {
            return Some(Target::Clips {
                select: ClipSelector::Ordinals { ordinals },
            });
        }
    }
    let m = EN_ORD_LIST.captures(p)?;
    let ordinals: Vec<i64> = m[1]
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse().ok())
        .collect();
    (ordinals.len() > 1).then_some(Target::Clips {
        select: ClipSelector::Ordinals { ordinals },
    })
}

/// Positions said with words of a clip name count among the clips so named.
fn named_ordinals(t: Target, p: &str, ctx: &Context) -> Target {
    let Target::Clips { select } = &t else {
        return t;
    };
    let rest = ORDINAL_WORDS.replace_all(p, " ");
    let rest = CLIP_NOUN.replace_all(&rest, " ");
    let words = leftover_words(&rest);
    if words.is_empty() {
        return t;
    }
    let Some(Target::Clips {
        select: ClipSelector::Name { words },
    }) = clip_name_target(&words.join(" "), ctx)
    else {
        return t;
    };
    let ordinals = match select {
        ClipSelector::Ordinals { ordinals } => ordinals.clone(),
        ClipSelector::OrdinalRange { from, to } if from.signum() == to.signum() => {
            (*from.min(to)..=*from.max(to)).collect()
        }
        _ => return t,
    };
    Target::Clips {
        select: ClipSelector::NamedOrdinals { words, ordinals },
    }
}
