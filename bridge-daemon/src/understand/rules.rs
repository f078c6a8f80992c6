//! The `rules` backend: deterministic, bilingual (Chinese and English) instruction parsing.
//!
//! An instruction is normalised (width, Chinese numerals), split into steps (然后 / 再 / then), and
//! each step is read as an *action* (delete, keep only, speed, move, transition, marker) and a
//! *target* phrase. The target phrase is classified with what the timeline offers (its speakers,
//! clip names and marker labels, from [`Context`]): a time span, pauses, filler, clip ordinals,
//! quoted or paraphrased lines, markers, emotions, speakers, or clip names.

use std::sync::LazyLock;

use protocol::Intent;
use protocol::intent::{
    Action, ClipSelector, Destination, Emotion, Length, Look, MarkerColor, Placement, Step, Target,
    TimePoint,
};
use regex::Regex;

use super::lexicon::{COLOR_WORDS, color_of};
use super::normalize::{fold, is_cjk, normalize_instruction, stem};
use super::{Context, Understand};
use crate::{Refusal, RefusalKind};

/// The embedded, weight-free backend.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules;

impl Understand for Rules {
    fn name(&self) -> &'static str {
        "rules"
    }

    fn understand(&self, text: &str, ctx: &Context) -> Result<Intent, Refusal> {
        parse(text, ctx)
    }

    fn is_quick(&self) -> bool {
        true
    }
}

fn re(p: &str) -> Regex {
    Regex::new(p).expect("the rules' patterns are valid")
}

macro_rules! pattern {
    ($name:ident, $p:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| re($p));
    };
}

pattern!(
    SPLIT,
    r"\s*(?:[,;.]\s*(?:然后|接着|随后|之后|再|and then|then|after that|next)\s*|然后|接着|随后|;\s*|\band then\b|,?\s+then\s+)"
);
pattern!(
    UNSUPPORTED_GRADE,
    r"调色|色调|暖色|冷色调整|饱和度|对比度|亮度|曝光|白平衡|lut\b|color grad|colour grad|grade it|grading|color correct|colour correct|warmer|cooler look|brighter|saturation|contrast|exposure|white balance"
);
pattern!(
    UNSUPPORTED_AUDIO,
    r"音乐|配乐|背景乐|bgm|\bmusic\b|\bsong\b|soundtrack|音量|\bvolume\b|louder|quieter|混音|\bmix\b|降噪|denoise|noise reduction"
);
pattern!(
    UNSUPPORTED_VFX,
    r"字幕条|加字幕|标题|title card|lower third|特效|滤镜|\bfilter\b|\bblur\b|模糊|稳定|stabili[sz]e|裁剪|\bcrop\b|zoom in|放大画面|调整画幅|export|render|导出|渲染"
);
pattern!(
    UNSUPPORTED_TASTE,
    r"make it (?:pop|better|nicer|great|cinematic|more|look)|more cinematic|pop more|improve it|fix it|好看一点|更好看|高级感|有感觉|更有节奏感|优化一下|美化"
);

pattern!(
    TRANSITION_WORD,
    r"交叉溶解|溶解|叠化|转场|淡入淡出|交叉淡化|cross[- ]?dissolve|dissolve|cross[- ]?fade|transition"
);
pattern!(
    KEEP_ONLY,
    r"只留下?|只保留|仅保留|只要|只剩下?|保留.{0,20}其他(?:的|都|全)|keep (?:just|only)|only keep|keep nothing but|nothing but"
);
pattern!(
    SPEED_FAST,
    r"加速|快放|放快|提速|快进|倍速|变快|快一点|speed(?:s|ing)? up|speed-up|faster|fast[- ]forward|twice as fast|as fast|(?:double|triple|\d+(?:\.\d+)?x) speed|speed"
);
pattern!(
    SPEED_SLOW,
    r"放慢|慢放|减速|慢动作|慢镜头|慢速|变慢|慢一|slow[- ]?mo|slow motion|slow(?:s|ing|ed)? (?:it |this |that |them )?down|slower|\bslow\b"
);
pattern!(
    MARK_ADD,
    r"加.{0,6}标记|打上?.{0,6}标记|添加.{0,6}标记|做.{0,6}标记|标成|标上|标为|标记为|标记成|(?:add|put|place|drop|set)\b.{0,20}\bmarkers?\b|^mark\b|\bflag\b"
);
pattern!(
    MOVE_ZH,
    r"挪到|移到|放到|搬到|调到|移动到|拖到|拿到|换到|挪至|移至|放在"
);
pattern!(
    MOVE_EN,
    r"\b(?:move|moves|put|place|bring|shift|relocate)\b"
);
pattern!(
    DELETE,
    r"删除|删掉|删了|删去|剪掉|剪了|剪去|去掉|去除|拿掉|砍掉|切掉|不要了|清除|删|\b(?:delete|remove|cut|drop|lose|trim(?: off)?|take out|get rid of|eliminate|strip out|kill|ditch|scrap)\b"
);
pattern!(CONJUNCTION, r"和|以及|还有|及|,|\band\b|\bplus\b");
pattern!(
    SCENE_NOUN,
    r"那场戏|这场戏|场戏|那个镜头|这个镜头|镜头|\b(?:shot|clip|scene)s?\b"
);
pattern!(NAME_JOIN, r"和|与|跟|以及|\band\b|\bplus\b");
pattern!(
    ALL_WORDS,
    r"所有|全部|全都|全删|全去|都|每个|每一|一律|\ball\b|\bevery\b|\beverything\b|\bany\b|\beach\b|\bonly\b|只"
);

// Time.
pattern!(TIMECODE, r"(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2})");
pattern!(
    TIME_SPAN,
    r"(?:从|from\s+|between\s+)?(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}|\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:分钟|分|min(?:ute)?s?\b)\s*(?:\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))?|\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))\s*(?:到|至|~|-|–|\bto\b|\buntil\b|\bthrough\b|\band\b)\s*(?:第)?(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}|\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:分钟|分|min(?:ute)?s?\b)\s*(?:\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))?|\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))"
);
const POINT: &str = r"(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}|\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:分钟|分|min(?:ute)?s?\b)\s*(?:\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))?|\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))";
static OPEN_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:after|past|from)\s+{POINT}\s*(?:on(?:wards?)?\b|to the end\b|until the end\b)|从\s*{POINT}\s*(?:开始|起|以后|之后|往后|到(?:最后|结尾|片尾|结束))|\bafter\s+{POINT}|{POINT}\s*(?:之后|以后)"
    ))
});
static OPEN_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:before|until|up to)\s+{POINT}|{POINT}\s*(?:之前|以前)"
    ))
});
pattern!(
    SAME_UNIT_SPAN,
    r"(?:第|from\s+|between\s+)?(\d+(?:\.\d+)?)\s*(?:到|至|~|-|–|\bto\b|\band\b|\bthrough\b)\s*第?(\d+(?:\.\d+)?)\s*(秒|分钟|seconds?|secs?|s\b|minutes?|mins?)"
);
pattern!(
    HEAD_ZH,
    r"(?:(?:开头|开始|片头)的?\s*(?:前\s*)?|前\s*)(\d+(?:\.\d+)?)\s*(秒|分钟|分)"
);
pattern!(
    TAIL_ZH,
    r"(?:(?:最后|末尾|结尾|片尾)的?\s*(?:最后|后)?|(?:最后|后))\s*(\d+(?:\.\d+)?)\s*(秒|分钟|分)"
);
pattern!(
    HEAD_EN,
    r"\b(?:first|opening|initial)\s+(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty|sixty|ninety|half a)?\s*(seconds?|secs?|s|minutes?|mins?)\b"
);
pattern!(
    TAIL_EN,
    r"\b(?:last|final|closing)\s+(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty|sixty|ninety|half a)?\s*(seconds?|secs?|s|minutes?|mins?)\b"
);

// Pauses.
pattern!(
    PAUSE_WORD,
    r"停顿|空白|沉默|静音|没有声音|没说话|无声|气口|pauses?|silences?|silent|dead air|gaps?|quiet parts?|no talk"
);
pattern!(
    DURATION,
    r"(\d+(?:\.\d+)?)[\s-]*(秒|帧|分钟|seconds?|secs?|s\b|frames?|f\b|minutes?)|(half a second|half-second|half second|a second and a half|a second|one second|a minute|one minute)"
);
pattern!(
    MARGIN,
    r"(?:留|保留|剩|leave|leaving|keep|keeping|with)\s*(?:下|出)?\s*(\d+(?:\.\d+)?)[\s-]*(秒|帧|seconds?|secs?|s\b|frames?|f\b)"
);

// Filler.
pattern!(
    FILLER_WORD,
    r"语气词|口头禅|口癖|废话词|填充词|嗯啊|filler|\bums?\b|\buhs?\b|\bers?\b|\bumms?\b|\berms?\b|you knows?|verbal tics?|hesitations?"
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
    r#"[“"「『‘]([^”"」』’]+)[”"」』’]|(?:^|\s)'([^']+)'(?:\s|$|[,.;:!?])"#
);
pattern!(
    ZH_SAYS,
    r"^(.*?)(?:说|讲|提到|聊|问到|问|谈到)(.+?)的(?:那|这)?(?:一)?(?:句|段|部分|地方|话)"
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
            "伤心",
            "难过",
            "哭",
            "伤感",
            "悲",
            "sad",
            "sadness",
            "crying",
            "cries",
            "tearful",
            "upset",
            "melancholy",
            "emotional",
            "grief",
        ],
    ),
    (
        Emotion::Angry,
        &[
            "吵架",
            "争吵",
            "吵",
            "生气",
            "愤怒",
            "发火",
            "骂",
            "冲突",
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
        ],
    ),
    (
        Emotion::Happy,
        &[
            "开心", "高兴", "快乐", "欢乐", "幸福", "笑", "happy", "joyful", "cheerful",
            "laughing", "laugh", "fun", "upbeat", "smiling", "joy",
        ],
    ),
    (
        Emotion::Tense,
        &[
            "紧张",
            "tense",
            "tension",
            "nervous",
            "anxious",
            "stressful",
            "stressed",
        ],
    ),
    (
        Emotion::Fearful,
        &[
            "害怕",
            "恐惧",
            "恐怖",
            "scared",
            "afraid",
            "fear",
            "fearful",
            "scary",
            "frightened",
        ],
    ),
    (
        Emotion::Surprised,
        &[
            "惊讶",
            "吃惊",
            "意外",
            "surprise",
            "surprised",
            "shocked",
            "surprising",
        ],
    ),
];

/// Words that carry no target meaning once the action is known.
const NOISE_EN: &[&str] = &[
    "the",
    "a",
    "an",
    "all",
    "every",
    "everything",
    "any",
    "each",
    "of",
    "that",
    "this",
    "those",
    "these",
    "it",
    "them",
    "its",
    "so",
    "please",
    "just",
    "only",
    "whole",
    "entire",
    "in",
    "on",
    "at",
    "to",
    "for",
    "from",
    "with",
    "out",
    "off",
    "up",
    "down",
    "clip",
    "clips",
    "shot",
    "shots",
    "scene",
    "scenes",
    "footage",
    "part",
    "parts",
    "section",
    "sections",
    "bit",
    "bits",
    "one",
    "ones",
    "segment",
    "segments",
    "portion",
    "piece",
    "and",
    "or",
    "has",
    "have",
    "with",
    "which",
    "whose",
    "where",
    "there",
    "here",
    "is",
    "are",
    "be",
    "comes",
    "come",
    "goes",
    "go",
    "very",
    "marker",
    "markers",
    "marked",
    "say",
    "says",
    "said",
    "on",
    "timeline",
    "sequence",
    "video",
    "lines",
    "line",
    "can",
    "you",
    "we",
    "me",
    "let's",
    "lets",
    "could",
    "would",
    "should",
    "i",
    "want",
    "now",
    "okay",
    "ok",
    "then",
    "also",
    "too",
    "way",
    "moment",
    "moments",
    "sure",
];
const NOISE_ZH: &[&str] = &[
    "把",
    "将",
    "给",
    "的",
    "那场戏",
    "这场戏",
    "场戏",
    "那场",
    "这场",
    "那段",
    "这段",
    "那个",
    "这个",
    "那些",
    "这些",
    "镜头",
    "片段",
    "素材",
    "部分",
    "所有",
    "全部",
    "全",
    "都",
    "一下",
    "吧",
    "了",
    "戏",
    "场",
    "段",
    "个",
    "地方",
    "内容",
    "那",
    "这",
    "那几句",
    "几句",
    "句子",
    "句",
    "画面",
    "里",
    "中",
    "掉",
    "去",
    "上",
    "下",
    "里面",
    "时候",
    "有",
    "标记",
    "标了",
    "标的",
    "标注",
    "导演标了",
];

/// Parse an instruction with the rules backend.
pub fn parse(text: &str, ctx: &Context) -> Result<Intent, Refusal> {
    let norm = normalize_instruction(text);
    let norm = norm.trim().trim_end_matches(['.', '!', '?', '。']).trim();
    if norm.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "the instruction is empty",
        ));
    }
    let clauses = split_steps(norm);
    let mut steps = Vec::new();
    for c in &clauses {
        steps.push(parse_clause(c, ctx)?);
    }
    Ok(Intent { steps })
}

fn split_steps(s: &str) -> Vec<String> {
    let s = s
        .strip_prefix("先")
        .or_else(|| s.strip_prefix("首先"))
        .or_else(|| s.strip_prefix("first,"))
        .unwrap_or(s);
    let mut parts: Vec<String> = Vec::new();
    for piece in SPLIT.split(s) {
        // 先…再… without a comma: split at the 再 that starts the second verb phrase.
        let mut rest = piece.trim().to_string();
        while let Some(p) = rest
            .find("再把")
            .or_else(|| rest.find("再在"))
            .filter(|p| *p > 0)
        {
            parts.push(rest[..p].trim().to_string());
            rest = rest[p + "再".len()..].trim().to_string();
        }
        if !rest.is_empty() {
            parts.extend(split_joined_clauses(&rest));
        }
    }
    parts
        .into_iter()
        .map(|p| {
            p.trim_start_matches("先")
                .trim_start_matches("再")
                .trim_start_matches("and ")
                .trim()
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// "remove the last clip and add dissolves between the rest", "删掉最后一个镜头，每个镜头之间加溶解":
/// two clauses joined by "and" or a comma, each with its own verb, are two steps. A right-hand
/// side that only says what happens to the rest ("其他都删掉") belongs to the left.
fn split_joined_clauses(s: &str) -> Vec<String> {
    static JOIN: LazyLock<Regex> =
        LazyLock::new(|| re(r",\s*(?:并且|并|同时|and\s+)?|\s+and\s+|并且|同时"));
    static REST: LazyLock<Regex> = LazyLock::new(|| {
        re(r"^\s*(?:其他|其余|剩下|剩余|别的|the rest|everything else|all else|anything else)")
    });
    // The last join first: in "delete the 2nd and 3rd clips, and slow down the last one" the
    // first "and" joins two ordinals, not two clauses.
    let joins: Vec<regex::Match<'_>> = JOIN.find_iter(s).collect();
    for m in joins.into_iter().rev() {
        let (left, right) = (&s[..m.start()], &s[m.end()..]);
        if detect_verb(left).is_some() && detect_verb(right).is_some() && !REST.is_match(right) {
            let mut out = split_joined_clauses(left);
            out.push(right.trim().to_string());
            return out;
        }
    }
    vec![s.to_string()]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Verb {
    Transition,
    KeepOnly,
    Speed,
    Marker,
    Move,
    Delete,
}

fn detect_verb(c: &str) -> Option<Verb> {
    let delete = DELETE.is_match(c);
    if TRANSITION_WORD.is_match(c) {
        return Some(Verb::Transition);
    }
    if KEEP_ONLY.is_match(c) {
        return Some(Verb::KeepOnly);
    }
    if SPEED_FAST.is_match(c) || SPEED_SLOW.is_match(c) || Regex::is_match(&SPEED_FACTOR_ONLY, c) {
        return Some(Verb::Speed);
    }
    if !delete && MARK_ADD.is_match(c) {
        return Some(Verb::Marker);
    }
    if MOVE_ZH.is_match(c) || (MOVE_EN.is_match(c) && DESTINATION_EN.is_match(c)) {
        return Some(Verb::Move);
    }
    if delete {
        return Some(Verb::Delete);
    }
    None
}

pattern!(
    SPEED_FACTOR_ONLY,
    r"(?:^|\s)(?:at\s+)?(?:half|double|2x|3x|4x|quarter)[- ]speed|倍速播放"
);
pattern!(
    DESTINATION_EN,
    r"\b(?:to|at|after|before|in front of|behind)\b"
);

fn unsupported(c: &str) -> Option<&'static str> {
    if UNSUPPORTED_GRADE.is_match(c) {
        Some(
            "color grading is not an editing operation CutBridge performs: it cuts, retimes, moves, marks and dissolves",
        )
    } else if UNSUPPORTED_AUDIO.is_match(c) {
        Some(
            "music and audio mixing are not editing operations CutBridge performs: it cuts, retimes, moves, marks and dissolves",
        )
    } else if UNSUPPORTED_VFX.is_match(c) {
        Some(
            "titles, effects, framing and export are not editing operations CutBridge performs: it cuts, retimes, moves, marks and dissolves",
        )
    } else if UNSUPPORTED_TASTE.is_match(c) {
        Some(
            "that is a matter of taste CutBridge cannot judge: say what to cut, speed up, move, mark or dissolve",
        )
    } else {
        None
    }
}

fn parse_clause(c: &str, ctx: &Context) -> Result<Step, Refusal> {
    let verb = detect_verb(c);
    // "冷色调的镜头放慢" names shots by their look; it is not colour grading.
    let picture_target = verb.is_some() && look_in(c).is_some();
    if let Some(why) = unsupported(c).filter(|_| !picture_target) {
        // An edit verb with an unsupported object ("add music") is still unsupported; a cut of a
        // target that merely mentions such a word ("cut the music cue marker") is not.
        let edit_with_target = matches!(
            verb,
            Some(Verb::Delete | Verb::KeepOnly | Verb::Speed | Verb::Move)
        ) && !UNSUPPORTED_GRADE.is_match(c);
        if !edit_with_target {
            return Err(Refusal::new(RefusalKind::Unsupported, why));
        }
    }
    let Some(verb) = verb else {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            format!(
                "no edit found in \"{c}\": CutBridge deletes, keeps only, speeds up or slows down, moves, adds dissolves and adds markers"
            ),
        ));
    };
    let all = ALL_WORDS.is_match(c);
    match verb {
        Verb::Transition => transition_step(c, ctx),
        Verb::KeepOnly => {
            let phrase = KEEP_ONLY.replace_all(c, " ");
            let phrase = strip_trailing_clause(&phrase);
            let target = target_of(&phrase, ctx, Verb::KeepOnly)?;
            Ok(Step {
                action: Action::KeepOnly,
                target,
                all: true,
            })
        }
        Verb::Speed => {
            let factor = speed_factor(c);
            let phrase = SPEED_FAST.replace_all(c, " ");
            let phrase = SPEED_SLOW.replace_all(&phrase, " ");
            let phrase = SPEED_NUMBERS.replace_all(&phrase, " ");
            let target = target_of(&phrase, ctx, Verb::Speed)?;
            Ok(Step {
                action: Action::Speed { factor },
                target,
                all,
            })
        }
        Verb::Marker => {
            let color = find_color(c).unwrap_or(MarkerColor::Blue);
            let phrase = MARK_ADD.replace_all(c, " ");
            let phrase = strip_colors(&phrase);
            let phrase = MARKER_NOUNS.replace_all(&phrase, " ");
            let target = target_of(&phrase, ctx, Verb::Marker)?;
            Ok(Step {
                action: Action::Marker { color },
                target,
                all,
            })
        }
        Verb::Move => move_step(c, ctx, all),
        Verb::Delete => {
            let phrase = DELETE.replace_all(c, " ");
            let target = target_of(&phrase, ctx, Verb::Delete)?;
            let explicit = matches!(target, Target::TimeRange { .. } | Target::Clips { .. });
            Ok(Step {
                action: Action::Delete,
                target,
                all: all || explicit,
            })
        }
    }
}

pattern!(
    MARKER_NOUNS,
    r"标记|markers?|\bmark\b|\bin\b|\bwith\b|\bon\b|打上|加上?|添加|标成|标上|标为|\bflag\b"
);
pattern!(
    SPEED_NUMBERS,
    r"\d+(?:\.\d+)?\s*(?:倍速?|x\b|%)|\bx\s*\d+(?:\.\d+)?\b|\bby\b|\bto\s+(?:\d+(?:\.\d+)?\s*(?:%|x\b)|half)|\bhalf\b|\bdouble\b|\bquarter\b|speed|一半|减半|倍|twice|as fast|三分之一|\btimes\b"
);

/// "…，其他都删掉" after a keep-only phrase says nothing more about the target.
fn strip_trailing_clause(s: &str) -> String {
    let cut = s
        .find(",其他")
        .or_else(|| s.find("其他"))
        .or_else(|| s.find(", delete the rest"))
        .or_else(|| s.find(", cut the rest"));
    match cut {
        Some(p) => s[..p].to_string(),
        None => s.to_string(),
    }
}

fn find_color(c: &str) -> Option<MarkerColor> {
    let folded = c.to_lowercase();
    let mut best: Option<(usize, MarkerColor)> = None;
    for w in COLOR_WORDS {
        if let Some(p) = folded.find(w) {
            let ascii = w.is_ascii();
            let ok = !ascii || {
                let before = folded[..p].chars().next_back();
                let after = folded[p + w.len()..].chars().next();
                before.is_none_or(|ch| !ch.is_alphanumeric())
                    && after.is_none_or(|ch| !ch.is_alphanumeric())
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

fn strip_colors(s: &str) -> String {
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

fn en_number(w: &str) -> Option<f64> {
    Some(match w.trim() {
        "a" | "an" | "one" => 1.0,
        "half a" => 0.5,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "ninety" => 90.0,
        other => return other.parse().ok(),
    })
}

fn speed_factor(c: &str) -> f64 {
    static X: LazyLock<Regex> =
        LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s*(?:倍|x\b)|\bx\s*(\d+(?:\.\d+)?)\b"));
    static PCT_BY: LazyLock<Regex> = LazyLock::new(|| re(r"by\s+(\d+(?:\.\d+)?)\s*%"));
    static PCT: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s*%"));
    static TIMES: LazyLock<Regex> = LazyLock::new(|| re(r"\b(two|three|four|2|3|4)\s+times\b"));
    let slow = SPEED_SLOW.is_match(c) && !c.contains("加速");
    let half =
        c.contains("一半") || c.contains("减半") || c.contains("半速") || Regex::is_match(&HALF, c);
    if let Some(m) = PCT_BY.captures(c) {
        let p: f64 = m[1].parse().unwrap_or(0.0) / 100.0;
        return if slow { (1.0 - p).max(0.01) } else { 1.0 + p };
    }
    if let Some(m) = X.captures(c) {
        let f: f64 = m
            .get(1)
            .or(m.get(2))
            .and_then(|g| g.as_str().parse().ok())
            .unwrap_or(2.0);
        return if slow && f > 1.0 { 1.0 / f } else { f };
    }
    if let Some(m) = TIMES.captures(c) {
        let f = en_number(&m[1]).unwrap_or(2.0);
        return if slow { 1.0 / f } else { f };
    }
    if let Some(m) = PCT.captures(c) {
        let p: f64 = m[1].parse().unwrap_or(100.0) / 100.0;
        return if !slow && p < 1.0 { 1.0 + p } else { p };
    }
    if half {
        return 0.5;
    }
    if c.contains("quarter") {
        return 0.25;
    }
    if c.contains("twice") || c.contains("double") {
        return 2.0;
    }
    if slow { 0.5 } else { 2.0 }
}

pattern!(HALF, r"\bhalf\b");

fn length_in(c: &str) -> Option<Length> {
    let m = DURATION.captures(c)?;
    if let Some(words) = m.get(3) {
        return Some(match words.as_str() {
            "half a second" | "half-second" | "half second" => Length::Seconds(0.5),
            "a second and a half" => Length::Seconds(1.5),
            "a minute" | "one minute" => Length::Seconds(60.0),
            _ => Length::Seconds(1.0),
        });
    }
    let n: f64 = m[1].parse().ok()?;
    let unit = &m[2];
    Some(if unit.starts_with('帧') || unit.starts_with('f') {
        Length::Frames(n.round() as i64)
    } else if unit.starts_with("分") || unit.starts_with("min") {
        Length::Seconds(n * 60.0)
    } else {
        Length::Seconds(n)
    })
}

fn transition_step(c: &str, ctx: &Context) -> Result<Step, Refusal> {
    let length = length_in(c).unwrap_or(Length::Seconds(1.0));
    let around = Regex::is_match(&AROUND, c);
    let placement = if around {
        Placement::Around
    } else {
        Placement::Between
    };
    let phrase = TRANSITION_WORD.replace_all(c, " ");
    let phrase = DURATION.replace_all(&phrase, " ");
    let phrase = AROUND.replace_all(&phrase, " ");
    let phrase = TRANSITION_NOISE.replace_all(&phrase, " ");
    let target = if EVERY_CLIP.is_match(c) || content_words(&phrase).is_empty() {
        Target::Clips {
            select: ClipSelector::All,
        }
    } else {
        target_of(&phrase, ctx, Verb::Transition)?
    };
    Ok(Step {
        action: Action::Transition { length, placement },
        target,
        all: true,
    })
}

pattern!(
    AROUND,
    r"\bin and out of\b|\binto and out of\b|\baround\b|\bboth (?:sides|ends) of\b|\bbefore and after\b|前后|两端|两头|进出"
);
pattern!(
    EVERY_CLIP,
    r"每个镜头|每一个镜头|所有镜头|各个镜头|每个片段|所有片段|每段|每个剪辑点|所有剪辑点|\bevery (?:clip|shot|cut|edit)\b|\ball (?:the )?(?:clips|shots|cuts|edits)\b|\beach (?:clip|shot|cut)\b|\bbetween (?:the )?(?:clips|shots)\b|\beverywhere\b|\bthroughout\b|\bthe rest\b|\bremaining (?:clips|shots)\b|\bthe others\b|其余|其他镜头|剩下的镜头"
);
pattern!(
    TRANSITION_NOISE,
    r"\badd\b|\bput\b|\binsert\b|\buse\b|\bapply\b|\bbetween\b|\bcross\b|加|之间|中间|交叉|的|在|和|与|跟|an?\b|\bof\b|\bs\b"
);

fn move_step(c: &str, ctx: &Context, all: bool) -> Result<Step, Refusal> {
    static START: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^\s*(?:the\s+)?(?:very\s+)?(?:最前|开头|片头|开始|起始|start\b|beginning\b|front\b|top\b|head\b|open(?:ing)?\b)",
        )
    });
    static END: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^\s*(?:the\s+)?(?:very\s+)?(?:最后|片尾|结尾|末尾|最末|结束|end\b|ending\b|close\b|closing\b|tail\b)",
        )
    });
    static ZH_DEST: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?:挪到|移到|放到|搬到|调到|移动到|拖到|拿到|换到|挪至|移至|放在)(.*)$")
    });
    static EN_DEST: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^(.*?)\s+(?:so (?:that )?it (?:comes|goes|sits|plays|is)\s+|so they (?:come|go|sit|play|are)\s+)?\b(to|at|after|before|in front of|behind)\b\s+(.*)$",
        )
    });
    let (what, dest_kind, dest_phrase) = if let Some(m) = ZH_DEST.captures(c) {
        let what = c[..m.get(0).map_or(0, |g| g.start())].to_string();
        let dest = m[1].to_string();
        let kind = if START.is_match(&dest) || END.is_match(&dest) {
            "to"
        } else if dest.contains("之后")
            || dest.contains("后面")
            || dest.contains("后边")
            || dest.ends_with('后')
        {
            "after"
        } else if dest.contains("之前")
            || dest.contains("前面")
            || dest.contains("前边")
            || dest.ends_with('前')
        {
            "before"
        } else {
            "to"
        };
        (what, kind.to_string(), dest)
    } else if let Some(m) = EN_DEST.captures(c) {
        let what = MOVE_EN.replace_all(&m[1], " ").to_string();
        (what, m[2].to_string(), m[3].to_string())
    } else {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "a move needs a destination: to the start, to the end, or after/before something",
        ));
    };
    let to = match dest_kind.as_str() {
        "after" | "before" => {
            let phrase = dest_phrase
                .replace("之后", " ")
                .replace("后面", " ")
                .replace("之前", " ")
                .replace("前面", " ");
            let phrase = phrase.trim_end_matches(['后', '前']);
            let t = Box::new(target_of(phrase, ctx, Verb::Move)?);
            if dest_kind == "after" {
                Destination::After { target: t }
            } else {
                Destination::Before { target: t }
            }
        }
        _ if START.is_match(&dest_phrase) => Destination::Start,
        _ if END.is_match(&dest_phrase) => Destination::End,
        _ => {
            return Err(Refusal::new(
                RefusalKind::NotUnderstood,
                format!(
                    "cannot tell where \"{}\" is: say the start, the end, or after/before a clip or line",
                    dest_phrase.trim()
                ),
            ));
        }
    };
    let what = what.trim_start_matches("把").trim_start_matches("将");
    let target = target_of(what, ctx, Verb::Move)?;
    Ok(Step {
        action: Action::Move { to },
        target,
        all,
    })
}

/// Content words of a phrase, without noise words.
fn content_words(phrase: &str) -> Vec<String> {
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
            let mut s = w.to_string();
            for n in LONGEST_FIRST.iter() {
                s = s.replace(*n, " ");
            }
            out.extend(s.split(' ').filter(|x| !x.is_empty()).map(str::to_string));
        } else {
            out.push(w.to_string());
        }
    }
    out
}

fn parse_time_point(s: &str) -> Option<TimePoint> {
    let s = s.trim();
    if TIMECODE.is_match(s) && s.matches([':', ';', '.']).count() >= 3 {
        return Some(TimePoint::Timecode {
            timecode: s.to_string(),
        });
    }
    static MMSS: LazyLock<Regex> = LazyLock::new(|| re(r"^(\d{1,2}):(\d{2}(?:\.\d+)?)$"));
    if let Some(m) = MMSS.captures(s) {
        let mins: f64 = m[1].parse().ok()?;
        let secs: f64 = m[2].parse().ok()?;
        return Some(TimePoint::Seconds {
            seconds: mins * 60.0 + secs,
        });
    }
    static MS: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min(?:ute)?s?))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s(?:ec(?:ond)?s?)?))?$",
        )
    });
    let m = MS.captures(s)?;
    let mins: f64 = m
        .get(1)
        .and_then(|g| g.as_str().parse().ok())
        .unwrap_or(0.0);
    let secs: f64 = m
        .get(2)
        .and_then(|g| g.as_str().parse().ok())
        .unwrap_or(0.0);
    (m.get(1).is_some() || m.get(2).is_some()).then_some(TimePoint::Seconds {
        seconds: mins * 60.0 + secs,
    })
}

fn time_target(p: &str) -> Option<Target> {
    if let Some(m) = TIME_SPAN.captures(p) {
        let a = parse_time_point(&m[1]);
        let b = parse_time_point(&m[2]);
        if let (Some(from), Some(to)) = (a, b) {
            return Some(Target::TimeRange { from, to });
        }
    }
    let unit_seconds = |n: f64, unit: &str| {
        if unit.starts_with('分') || unit.starts_with("min") {
            n * 60.0
        } else {
            n
        }
    };
    if let Some(m) = SAME_UNIT_SPAN.captures(p) {
        let a: f64 = m[1].parse().ok()?;
        let b: f64 = m[2].parse().ok()?;
        return Some(Target::TimeRange {
            from: TimePoint::Seconds {
                seconds: unit_seconds(a, &m[3]),
            },
            to: TimePoint::Seconds {
                seconds: unit_seconds(b, &m[3]),
            },
        });
    }
    if let Some(m) = OPEN_AFTER.captures(p) {
        let point = m.iter().skip(1).flatten().next().map(|g| g.as_str())?;
        return Some(Target::TimeRange {
            from: parse_time_point(point)?,
            to: TimePoint::End,
        });
    }
    if let Some(m) = OPEN_BEFORE.captures(p) {
        let point = m.iter().skip(1).flatten().next().map(|g| g.as_str())?;
        return Some(Target::TimeRange {
            from: TimePoint::Start,
            to: parse_time_point(point)?,
        });
    }
    if let Some(m) = HEAD_ZH.captures(p) {
        let n: f64 = m[1].parse().ok()?;
        return Some(Target::TimeRange {
            from: TimePoint::Start,
            to: TimePoint::Seconds {
                seconds: unit_seconds(n, &m[2]),
            },
        });
    }
    if let Some(m) = TAIL_ZH.captures(p) {
        let n: f64 = m[1].parse().ok()?;
        return Some(Target::TimeRange {
            from: TimePoint::BeforeEnd {
                seconds: unit_seconds(n, &m[2]),
            },
            to: TimePoint::End,
        });
    }
    if let Some(m) = HEAD_EN.captures(p) {
        let n = m.get(1).map_or(Some(1.0), |g| en_number(g.as_str()))?;
        return Some(Target::TimeRange {
            from: TimePoint::Start,
            to: TimePoint::Seconds {
                seconds: unit_seconds(n, &m[2]),
            },
        });
    }
    if let Some(m) = TAIL_EN.captures(p) {
        let n = m.get(1).map_or(Some(1.0), |g| en_number(g.as_str()))?;
        return Some(Target::TimeRange {
            from: TimePoint::BeforeEnd {
                seconds: unit_seconds(n, &m[2]),
            },
            to: TimePoint::End,
        });
    }
    None
}

/// "嗯和啊", "the ums and the uhs": a phrase naming nothing but filler words.
fn only_filler_words(p: &str) -> bool {
    static JOINERS: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"和|与|跟|以及|还有|或者|或|所有的?|全部的?|这些|那些|这种|\band\b|\bor\b|\bthe\b|\ball\b|\bevery\b",
        )
    });
    let rest = JOINERS.replace_all(p, " ");
    let rest = content_words(&rest).join(" ");
    !rest.trim().is_empty() && super::lexicon::is_filler_line(&rest)
}

fn pause_target(p: &str) -> Option<Target> {
    if !PAUSE_WORD.is_match(p) {
        return None;
    }
    let margin = MARGIN.captures(p).and_then(|m| {
        let n: f64 = m[1].parse().ok()?;
        Some(if m[2].starts_with('帧') || m[2].starts_with('f') {
            Length::Frames(n.round() as i64)
        } else {
            Length::Seconds(n)
        })
    });
    let without_margin = MARGIN.replace_all(p, " ");
    let min_seconds = match length_in(&without_margin) {
        Some(Length::Seconds(s)) => s,
        Some(Length::Frames(_)) | None => 1.0,
    };
    Some(Target::Pauses {
        min_seconds,
        margin,
    })
}

fn en_small_number(s: &str) -> Option<i64> {
    en_number(s).map(|f| f as i64)
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
fn look_in(p: &str) -> Option<Look> {
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
    let f = fold(p);
    let words: Vec<&str> = f.split(' ').collect();
    for (e, cues) in EMOTION_WORDS {
        for cue in *cues {
            let hit = if cue.chars().any(is_cjk) {
                f.contains(cue)
            } else {
                words.iter().any(|w| w == cue)
            };
            if hit {
                return Some(*e);
            }
        }
    }
    None
}

/// A known speaker named in the phrase (longest name first).
fn known_speaker(p: &str, ctx: &Context) -> Option<String> {
    let f = fold(p);
    let mut speakers: Vec<&String> = ctx.speakers.iter().collect();
    speakers.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    speakers
        .into_iter()
        .find(|s| contains_name(&f, &fold(s)))
        .cloned()
}

fn contains_name(hay: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    if name.chars().any(is_cjk) {
        return hay.contains(name);
    }
    hay.split(' ').any(|w| {
        w == name
            || w.strip_suffix("'s") == Some(name)
            || w.strip_suffix('s') == Some(name) && name.len() > 3
    }) || (name.contains(' ') && hay.contains(name))
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
    let named = words.iter().any(|w| {
        labels.iter().any(|l| {
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
    let hit = ctx.marker_labels.iter().any(|l| {
        let l = fold(l);
        words.iter().all(|w| {
            if w.chars().any(is_cjk) {
                l.contains(w.as_str())
            } else {
                l.split(' ').any(|lw| stem(lw) == stem(w))
            }
        })
    });
    hit.then_some(Target::Markers { color: None, words })
}

fn clip_name_target(p: &str, ctx: &Context) -> Option<Target> {
    let words = content_words(p);
    if words.is_empty() {
        return None;
    }
    let names: Vec<String> = ctx.clip_names.iter().map(|n| fold(n)).collect();
    let mut hits = Vec::new();
    for w in &words {
        if w.chars().any(is_cjk) {
            // Longest run of the word (2+ characters) found in a clip name.
            let chars: Vec<char> = w.chars().collect();
            let mut best: Option<String> = None;
            for len in (2..=chars.len()).rev() {
                for start in 0..=chars.len() - len {
                    let sub: String = chars[start..start + len].iter().collect();
                    if names.iter().any(|n| n.contains(&sub)) {
                        best = Some(sub);
                        break;
                    }
                }
                if best.is_some() {
                    break;
                }
            }
            if let Some(b) = best {
                hits.push(b);
            }
        } else if names.iter().any(|n| crate::resolver::name_has_word(n, w)) {
            hits.push(w.clone());
        }
    }
    // Keep the words that name clips; drop words that merely follow ("so it comes").
    if hits.is_empty() {
        return None;
    }
    let keep: Vec<String> = words
        .into_iter()
        .filter(|w| {
            hits.contains(w) || !w.chars().any(is_cjk) && w.chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    let keep = if keep.is_empty() { hits } else { keep };
    Some(Target::Clips {
        select: ClipSelector::Name { words: keep },
    })
}

/// Classify a target phrase.
fn target_of(phrase: &str, ctx: &Context, verb: Verb) -> Result<Target, Refusal> {
    let p = phrase.trim();
    if let Some(t) = time_target(p) {
        // "开头5秒和结尾5秒", "the first 10 seconds and the last 5": several spans.
        let parts: Vec<&str> = CONJUNCTION
            .split(p)
            .filter(|s| !s.trim().is_empty())
            .collect();
        if parts.len() > 1 {
            let spans: Option<Vec<Target>> = parts.iter().map(|s| time_target(s)).collect();
            if let Some(targets) = spans {
                return Ok(Target::Union { targets });
            }
        }
        return Ok(t);
    }
    if let Some(t) = pause_target(p) {
        return Ok(t);
    }
    if FILLER_WORD.is_match(p) || only_filler_words(p) {
        return Ok(Target::Filler);
    }
    if let Some(t) = ordinal_target(p) {
        return Ok(t);
    }
    if let Some(look) = look_in(p) {
        return Ok(Target::Picture { look });
    }
    let speaker = known_speaker(p, ctx);
    if let Some(m) = QUOTED.captures(p) {
        let quote = m.get(1).or(m.get(2)).map_or("", |g| g.as_str());
        return Ok(Target::Content {
            query: quote.trim().to_string(),
            quoted: true,
            speaker,
        });
    }
    // "the line where X says Y" / "X说…的那句": a paraphrase of one line.
    if let Some(m) = EN_SAYS.captures(&fold(p)) {
        let who = m[1].trim().trim_start_matches("the ").to_string();
        let speaker =
            speaker.or_else(|| (!who.is_empty() && who.split(' ').count() <= 3).then_some(who));
        return Ok(Target::Content {
            query: m[2].trim().to_string(),
            quoted: false,
            speaker,
        });
    }
    if let Some(m) = EN_SAYS_BARE.captures(&fold(p)) {
        return Ok(Target::Content {
            query: m[1].trim().to_string(),
            quoted: false,
            speaker,
        });
    }
    if let Some(m) = ZH_SAYS.captures(p) {
        let who = content_words(&m[1]).join("");
        let who_known = speaker.clone().or_else(|| (!who.is_empty()).then_some(who));
        let query = m[2]
            .trim_start_matches('他')
            .trim_start_matches('她')
            .trim_start_matches("要")
            .to_string();
        if !query.trim().is_empty() {
            return Ok(Target::Content {
                query,
                quoted: false,
                speaker: who_known,
            });
        }
    }
    if let Some(t) = marker_target(p, ctx) {
        return Ok(t);
    }
    // "厨房争吵那场戏" names a scene whose clip name holds the emotion word: the clip is meant.
    if SCENE_NOUN.is_match(p)
        && let Some(t) = clip_name_target(p, ctx)
    {
        return Ok(t);
    }
    if let Some(emotion) = emotion_in(p) {
        return Ok(Target::Emotion { emotion, speaker });
    }
    if let Some(name) = speaker {
        return Ok(Target::Speaker { name });
    }
    if let Some(t) = clip_name_target(p, ctx) {
        // "between the train b-roll and hotel take 1": two clips named side by side.
        let sides: Vec<&str> = NAME_JOIN
            .split(p)
            .filter(|s| !s.trim().is_empty())
            .collect();
        if sides.len() > 1 {
            let named: Option<Vec<Target>> =
                sides.iter().map(|s| clip_name_target(s, ctx)).collect();
            if let Some(targets) = named {
                return Ok(Target::Union { targets });
            }
        }
        return Ok(t);
    }
    if let Some(t) = marker_by_text(p, ctx) {
        return Ok(t);
    }
    if let Some(name) = unknown_speaker(p) {
        return Ok(Target::Speaker { name });
    }
    // A transition "between the interview shots" where no clip is called that must not land on
    // every cut: only words that name no clip at all ("between every shot") mean all of them.
    if EVERY_CLIP.is_match(p) || (verb == Verb::Transition && content_words(p).is_empty()) {
        return Ok(Target::Clips {
            select: ClipSelector::All,
        });
    }
    let words = content_words(p);
    if words.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "understood the edit but not what it applies to",
        ));
    }
    Ok(Target::Content {
        query: words.join(" "),
        quoted: false,
        speaker: None,
    })
}

#[cfg(test)]
mod tests;
