//! The words of the grammar: what each action is called (with editors' slang, in both languages),
//! the edits CutBridge does not make, the fillers and politeness of spoken instructions, and the
//! words that carry no target meaning. Data first; each list is matched by one compiled pattern.

use std::sync::LazyLock;

use regex::Regex;

pub(super) fn re(p: &str) -> Regex {
    Regex::new(p).expect("the rules' patterns are valid")
}

macro_rules! pattern {
    ($(#[$doc:meta])* $vis:vis $name:ident, $p:expr) => {
        $(#[$doc])*
        $vis static $name: LazyLock<Regex> = LazyLock::new(|| re($p));
    };
}
pub(super) use pattern;

/// What an instruction asks to do, before its target is read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Verb {
    Transition,
    KeepOnly,
    Speed,
    Marker,
    Move,
    Delete,
}

// ---- Edits CutBridge does not make. Checked before anything else: a J-cut is not a cut. ----

/// Never an edit CutBridge makes, whatever else the clause says.
pub(super) const UNSUPPORTED_ALWAYS: &[(&str, &str)] = &[
    (
        r"(?:^|[^a-z0-9])[jl][- ]?cuts?\b|(?:^|[^a-z0-9])[jl]剪|[jl]型剪辑|\bsplit[- ]edits?\b|分离剪辑|声画分离|\bprelap|音频先入|声音先(?:进|入|出)|先听到声音|声音延后|\baudio (?:lead|lag|overlap)|\bhear (?:\w+ )?before (?:we )?see",
        "J-cuts, L-cuts and split edits move sound against picture, which CutBridge does not do: it cuts both together",
    ),
    (
        r"\baudio (?:cross[- ]?fade|fade|transition|dissolve)s?\b|\bcross[- ]?fade (?:the )?(?:audio|sound|music)\b|音频(?:交叉)?(?:淡化|淡入淡出|过渡|转场)|声音.{0,8}(?:交叉)?(?:淡化|淡入淡出|过渡|叠化)|音频.{0,8}(?:叠化|溶解)|\bsound (?:fade|crossfade)s?\b",
        "audio crossfades are sound mixing, which CutBridge does not do: it cuts, retimes, moves, marks and dissolves picture and sound together",
    ),
    (
        r"防抖|稳定一下|稳定画面|画面稳定|\bstabili[sz](?:e|ed|ing|ation)\b|\bsteady (?:it|the|this)|\bde-?shake|去抖|抖动修正",
        "stabilising is an effect, not an edit: CutBridge cuts, retimes, moves, marks and dissolves",
    ),
    (
        r"调色|调个色|调一下色|调光|调亮|调暗|提亮|压暗|色调(?:调|改)|调成.{0,4}(?:色|调)|调得|饱和度|对比度|曝光|白平衡|\blut\b|\bcolou?r[- ]?(?:grade|grading|correct|correction)|\bgrade (?:it|the|this|them)\b|\bgrading\b|\bwhite balance\b|\bsaturation\b|\bcontrast\b|\bexposure\b",
        "colour grading is not an editing operation CutBridge performs: it cuts, retimes, moves, marks and dissolves",
    ),
    (
        r"make (?:it|the \w+|this|them) (?:look )?(?:warmer|cooler|brighter|darker)|\bwarmer\b|\bcooler look",
        "colouring a picture is grading, not an editing operation CutBridge performs: it cuts, retimes, moves, marks and dissolves",
    ),
    (
        r"字幕.{0,12}(?:字体|字号|描边|颜色|换成|改成|变大|变小|加粗|样式|大一点|小一点|放大)|(?:字体|字号|描边).{0,6}字幕|\b(?:captions?|subtitles?)\b.{0,30}\b(?:bigger|smaller|larger|font|bold|italic|style|styling|outline|colou?r|yellow|white|size)\b|\b(?:font|style|restyle)\b.{0,20}\b(?:captions?|subtitles?)\b|字幕条|加字幕|裁剪画面|\bcrop\b|zoom in|放大画面|调整画幅|\bexport\b|\brender\b|导出|渲染",
        "caption styling, framing and export are not editing operations CutBridge performs: it cuts, retimes, moves, marks and dissolves",
    ),
];

/// Unsupported when the clause adds or changes them; a delete of a target that merely mentions
/// one ("cut the music cue marker") is an edit.
pub(super) const UNSUPPORTED_UNLESS_TARGET: &[(&str, &str)] = &[
    (
        r"音乐|配乐|背景乐|\bbgm\b|\bmusic\b|\bsong\b|soundtrack|音量|\bvolume\b|louder|quieter|混音|\bmix\b|降噪|denoise|noise reduction|音效|sound effect",
        "music and audio mixing are not editing operations CutBridge performs: it cuts, retimes, moves, marks and dissolves",
    ),
    (
        r"标题|title card|lower third|特效|滤镜|\bfilter\b|\bblur\b|模糊|\beffects?\b|\bvfx\b|动画|\banimat",
        "titles and effects are not editing operations CutBridge performs: it cuts, retimes, moves, marks and dissolves",
    ),
    (
        r"make it (?:pop|better|nicer|great|cinematic|more|look)|more cinematic|pop more|improve it|fix it|好看(?:一|1)点|更好看|高级感|高级(?:一|1)点|有感觉|更有节奏感|优化一下|美化|温馨(?:一|1)点|更温馨|弄得.{0,4}(?:一|1)点|\bmake (?:it|this|that|the \w+) (?:better|nicer|great|good|look good|pop|sing|work)\b|\bjazz (?:it|this) up\b|\bspice (?:it|this) up\b",
        "that is a matter of taste CutBridge cannot judge: say what to cut, speed up, move, mark or dissolve",
    ),
];

pattern!(
    /// An "add" verb right before an unsupported noun makes it unsupported even beside an edit
    /// verb ("删掉语气词再加一首背景音乐").
    pub(super) ADDS_SOMETHING, r"(?:加|添|配|放|铺|垫|换)(?:上|一?首|一?段|点|些|个)?.{0,8}$|\b(?:add|lay|put|throw|drop|insert|use|play|bring in|score)\b(?:\s+\w+){0,3}\s*$");

// ---- Actions ----

pattern!(
    pub(super) TRANSITION_WORD,
    r"交叉溶解|溶解|叠化|转场|淡入淡出|交叉淡化|cross[- ]?dissolves?|dissolves?|cross[- ]?fades?|transitions?|\bmix(?:es)? between\b"
);
pattern!(
    pub(super) KEEP_ONLY,
    r"只留下?|只保留|仅保留|仅留|就留|只要|只剩下?|只用|光留|\b(?:only|just) want\b|\ball i want is\b|\bi only need\b|保留.{0,20}其他(?:的|都|全)|除了.{1,30}(?:其他|其余|别的|剩下)|\bkeep(?:ing)?\b(?:\s+\S+){0,8}?\s+(?:only|just|alone)\b|\b(?:only|just) keep\b|\bkeep (?:only|just)\b|\bkeep nothing but\b|\bnothing but\b|\bleave (?:only|just)\b|\bstring out\b|\beverything (?:but|except)\b|\ball but\b"
);
pattern!(
    pub(super) SPEED_FAST,
    r"加速|快放|放快|提速|快进|倍速|变快|快一?点|加快|快\s*\d|速度(?:加|快|翻)|speed(?:s|ing)? (?:it |this |that |them )?up|sped up|speed-up|faster|fast[- ]forward|as fast|(?:double|triple|\d+(?:\.\d+)?x) speed|\bspeed\b|\bplay(?:s|ing)? (?:it |this |them )?(?:at|back at)\b|\bat\s+\d+(?:\.\d+)?\s*x\b|\bretime\b|\btime[- ]?lapse\b|\bzip through\b|\brush\b"
);
pattern!(
    pub(super) SPEED_SLOW,
    r"放慢|慢放|减速|慢动作|慢镜头|慢速|变慢|慢一?点|慢一些|慢\s*\d|升格|降速|slow[- ]?mo|slow motion|slow(?:s|ing|ed)? down|slower|\bslow(?:s|ing|ed)?\b|\bhalf[- ]speed\b|\bquarter[- ]speed\b"
);
/// Marker verbs that always add a marker ("标成红色", "drop a marker on", "mark …").
const MARK_EXPLICIT: &str = r"加.{0,6}标记|打上?.{0,6}标记|添加.{0,6}标记|做.{0,6}标记|标成|标上|标为|标记为|标记成|标一下|标个|标出来|标[红橙黄绿青蓝紫粉白黑](?:色)?(?:$|,)|找出|查找|(?:add|put|place|drop|set|stick|throw|slap|insert|create|pop)\b.{0,25}\bmarkers?\b|^(?:mark|flag|highlight|tag|find|locate)\b|\b(?:and|then)\s+(?:mark|flag|highlight|tag)\b";
/// Words that add a marker unless the clause deletes, keeps or retimes what is marked already
/// ("导演标红的那段删掉", "the section marked …").
const MARK_WEAK: &str = r"打上?.{0,6}(?:记号|点)|做.{0,6}记号|放.{0,4}标记|标记一下|标记出|标记下|标出|标注一下|标注出|标[红橙黄绿青蓝紫粉白黑]|标记出来|标注出来|打个?标|标记(?:所有|全部|每)|^标记|^标|找到|找一下|找找|挑出|leave\b.{0,25}\bmarkers?\b|^(?:spot|point out|show me)\b|\bmark (?:it|them|those|these|that|every|all|each)\b";
pub(super) static MARK_ADD: LazyLock<Regex> =
    LazyLock::new(|| re(&format!("{MARK_EXPLICIT}|{MARK_WEAK}")));
pattern!(
    pub(super) MOVE_ZH,
    r"挪到|移到|放到|搬到|调到|移动到|拖到|拿到|换到|挪至|移至|放在|提前到|提到|挪去|移去|放去|调至|挪|搬去|放最|挪最|移最"
);
pattern!(
    pub(super) MOVE_EN,
    r"\b(?:move|moves|moving|put|place|bring|shift|relocate|slide|drag|stick|push|pull|bump|send|throw|drop)\b"
);
pattern!(
    pub(super) DELETE,
    r"删除|删掉|删了|删去|删|剪掉|剪了|剪去|剪除|去掉|去除|去了|拿掉|拿走|砍掉|砍了|切掉|切了|咔掉|咔了|咔|毙掉|毙了|掐掉|掐了|不要了|不要(?:$|[\s,.])|清除|清掉|干掉|扔掉|丢掉|剔除|裁掉|抹掉|撤掉|移除|\b(?:delete|deleting|remove|removing|cut|cutting|drop|lose|trim(?: off| out)?|take out|get rid of|eliminate|strip out|kill|ditch|scrap|nuke|pull|ripple(?: out| delete)?|axe|chop(?: out)?|toss|junk|dump|yank|excise|omit|erase|snip(?: out)?|clear out|cut out|zap|bin|lose)\b"
);
pattern!(
    pub(super) ALL_WORDS,
    r"所有|全部|全都|全删|全去|都|每个|每一|一律|\ball\b|\bevery\b|\beverything\b|\bany\b|\beach\b|\bonly\b|\bwhatever\b|只"
);

pattern!(
    /// "tighten it up", "剪短点": a wish with no target; beside a clause that names one it adds
    /// nothing, alone it is not an edit.
    pub(super) VAGUE_PREFACE,
    r"^(?:(?:停顿|节奏|空白|片子|这段)?(?:太长了?|有点长|太拖了?|拖沓)\s*,?\s*)?(?:剪短点|剪短(?:一|1)点|剪紧(?:一|1)点|紧凑(?:一|1)点|收紧(?:一|1)点)\s*,?|^(?:tighten (?:it|this|things|that)?\s*up|trim the fat|clean (?:it|this|things) up|tidy (?:it|this) up)$"
);

/// Find the action of a clause. The order matters: a dissolve names its own target ("between
/// every shot"), a marker verb never removes, keep-only beats the delete of "the rest", and a
/// speed or move verb beats the "cut" a speed phrase may contain.
pub(super) fn detect_verb(c: &str) -> Option<Verb> {
    let delete = DELETE.is_match(c);
    if TRANSITION_WORD.is_match(c) {
        return Some(Verb::Transition);
    }
    if MARK_ADD.is_match(c) && !marker_is_a_noun(c) {
        return Some(Verb::Marker);
    }
    if KEEP_ONLY.is_match(c) {
        return Some(Verb::KeepOnly);
    }
    if SPEED_FAST.is_match(c) || SPEED_SLOW.is_match(c) || SPEED_FACTOR_ONLY.is_match(c) {
        return Some(Verb::Speed);
    }
    let en_move = MOVE_EN.is_match(c) && MOVE_DESTINATION.is_match(c);
    if MOVE_ZH.is_match(c) && zh_move_has_destination(c) || en_move {
        return Some(Verb::Move);
    }
    if delete {
        return Some(Verb::Delete);
    }
    None
}

/// "the section marked yellow", "有卡点标记的那个镜头" speak of markers that exist: with a delete,
/// keep, speed or move verb they are the target, not the action.
fn marker_is_a_noun(c: &str) -> bool {
    static EXPLICIT_ADD: LazyLock<Regex> = LazyLock::new(|| re(MARK_EXPLICIT));
    if EXPLICIT_ADD.is_match(c) {
        return false;
    }
    DELETE.is_match(c) || KEEP_ONLY.is_match(c) || SPEED_FAST.is_match(c) || SPEED_SLOW.is_match(c)
}

pattern!(
    pub(super) SPEED_FACTOR_ONLY,
    r"(?:^|\s)(?:at\s+)?(?:half|double|2x|3x|4x|quarter)[- ]speed|倍速播放|\b\d+(?:\.\d+)?x\s*(?:speed)?$"
);
pattern!(
    pub(super) MOVE_DESTINATION,
    r"\b(?:to|at|after|before|in front of|behind)\s+(?:the\s+)?(?:very\s+)?(?:start|beginning|front|top|head|end|ending|close|tail|opening)\b|\b(?:after|before|in front of|behind)\b|\bup front\b|\bfirst\b\s*$|\b(?:to|at) the\b"
);

fn zh_move_has_destination(c: &str) -> bool {
    pattern!(
        ZH_DEST_WORDS,
        r"(?:挪|移|放|搬|调|拖|拿|换|提|提前)(?:到|至|在|去)?.{0,20}(?:最前|开头|片头|开始|起始|最后|片尾|结尾|末尾|最末|结束|后面|后边|前面|前边|之后|之前|后|前)"
    );
    ZH_DEST_WORDS.is_match(c)
}

// ---- Spoken input ----

/// Fillers and politeness before the first verb, and thanks at the end, change nothing:
/// "嗯那个帮我把第三个镜头删了吧谢谢" is "把第三个镜头删了".
pub(super) fn strip_spoken(s: &str) -> String {
    pattern!(
        LEAD_ZH,
        r"^(?:[嗯啊呃额哦唔诶哎噢唉]+[,.\s]*|就是[,\s]*|(?:那个|这个|那)[,\s]*(?:你|您)?(?:帮我|帮忙|帮|麻烦|请|给我|能不能|可不可以|可以)|(?:你|您)(?:帮我|帮忙|帮|麻烦|能不能|可不可以|可以|就|再)|(?:麻烦你?|请你?|帮我|帮忙|给我|能不能|可不可以|可以帮我|我想要?|我要|我希望|我需要)[,\s]*)+"
    );
    pattern!(
        TAIL_ZH,
        r"(?:[,\s]*(?:吧|啊|呀|哈|哦|呢|嘛|啦|好吗|好不好|可以吗|行吗|行不行|谢谢(?:你|您|啦|了)?|谢啦|多谢|麻烦(?:你|您)?(?:了|啦)?|辛苦(?:了|啦)?)[!.\s]*)+$"
    );
    pattern!(
        LEAD_EN,
        r"^(?:(?:um+|uh+|er+|erm|hmm+|ah+|oh|okay|ok|so|yeah|yes|right|alright|hey|hi|well|like|and|now)\b[,\s]*|(?:you know|i mean|so yeah)\b[,\s]*|(?:can|could|would|will) (?:you|we|i)\b(?:\s+please)?[,\s]*|(?:please|kindly|go ahead and|i want(?: you)? to|i'd like(?: you)? to|i need(?: you)? to|let's|lets|we need to|we should|i wanna|wanna|gonna)\b[,\s]*)+"
    );
    pattern!(
        MID_LIKE_EN,
        r"\b(?:you|we|just|uh|um|so)\s+like\s+|,\s*like,\s*|\b(?:um+|uh+|erm)\b,?\s+((?:the|a|an|can|could|please|all|every|that|this|those|these|just)\b)"
    );
    pattern!(
        TAIL_EN,
        r"(?:[,\s]*\b(?:please|thanks|thank you(?: so much| very much)?|cheers|thx|ty|for me|real quick|if you can|if you could|when you get a chance|okay|ok|yeah|right)\b[!.?\s]*)+$"
    );
    // "那个第十个镜头…": a leading 那个 / 这个 before a word that starts a target is a filler.
    pattern!(
        LEAD_DEMONSTRATIVE,
        r"^(?:那个|这个|那|嗯|啊|呃)+[,\s]*([把将给就只第前后最从所每全在删剪去你您帮请麻])"
    );
    // "嗯啊那些地方加速三倍": fillers followed by a word that points at them are the target.
    pattern!(
        FILLER_TARGET,
        r"^[嗯啊呃额哦]+(?:和[嗯啊呃额哦]+)?\s*(?:那些|这些|之类|这种|那种|的|和|都|全|什么的)"
    );
    if FILLER_TARGET.is_match(s.trim()) {
        return s.trim().to_string();
    }
    let mut out = s.trim().to_string();
    for _ in 0..3 {
        let before = out.clone();
        out = LEAD_ZH.replace(&out, "").trim().to_string();
        out = LEAD_DEMONSTRATIVE.replace(&out, "$1").trim().to_string();
        out = TAIL_ZH.replace(&out, "").trim().to_string();
        out = LEAD_EN.replace(&out, "").trim().to_string();
        out = MID_LIKE_EN
            .replace_all(&out, |c: &regex::Captures<'_>| {
                // "um, the second clip": the filler goes, the word after it stays.
                format!(" {} ", c.get(1).map_or("", |m| m.as_str()))
            })
            .trim()
            .to_string();
        out = TAIL_EN.replace(&out, "").trim().to_string();
        if out == before {
            break;
        }
    }
    out
}

/// English amounts said in words: "half a minute" → "30 seconds", "a second and a half" → "1.5
/// seconds", "a quarter second" → "0.25 seconds", "over a second" → "over 1 second".
pub(super) fn spoken_amounts(s: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        (
            r"\b(?:a )?minute and a half\b|\bone and a half minutes?\b|\b1\.5 minutes?\b|\ba minute thirty\b|\bone minute thirty\b|\b1 minute 30(?: seconds)?\b",
            "90 seconds",
        ),
        (
            r"\b(\d+) and a half (seconds?|minutes?|times)\b",
            "${1}.5 $2",
        ),
        (r"\b(?:one|1) and a half times\b", "1.5 times"),
        (r"\btwo and a half (seconds?|minutes?|times)\b", "2.5 $1"),
        (r"\bthree and a half (seconds?|minutes?|times)\b", "3.5 $1"),
        (
            r"\bhalf (?:a|of a|one) minute\b|\bhalf-minute\b|\bhalf minute\b",
            "30 seconds",
        ),
        (
            r"\ba second and a half\b|\bone and a half seconds?\b",
            "1.5 seconds",
        ),
        (
            r"\bhalf (?:a|of a|one) second\b|\bhalf-second\b|\bhalf second\b",
            "0.5 seconds",
        ),
        (
            r"\ba quarter (?:of a )?second\b|\bquarter-second\b|\bquarter second\b",
            "0.25 seconds",
        ),
        (r"\b(?:a|one) (?:single |full )?second\b", "1 second"),
        (r"\b(?:a|one) (?:single |full )?minute\b", "1 minute"),
        (r"\ba couple (?:of )?seconds\b", "2 seconds"),
        (r"\ba few seconds\b", "3 seconds"),
        (r"\ba frame\b", "1 frame"),
        (r"\b(between|from)\s+one\b", "$1 1"),
        (r"\b(between|from)\s+two\b", "$1 2"),
        (r"\b(between|from)\s+three\b", "$1 3"),
    ];
    static COMPILED: LazyLock<Vec<(Regex, &'static str)>> =
        LazyLock::new(|| TABLE.iter().map(|(p, r)| (re(p), *r)).collect());
    let mut out = s.to_string();
    for (p, r) in COMPILED.iter() {
        out = p.replace_all(&out, *r).into_owned();
    }
    // "the first minute" keeps its meaning: "first 1 minute".
    out
}

/// Words that carry no target meaning once the action is known.
pub(super) const NOISE_EN: &[&str] = &[
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
    "then",
    "her",
    "his",
    "their",
    "him",
    "she",
    "he",
    "they",
    "hers",
    "theirs",
    "also",
    "too",
    "way",
    "moment",
    "moments",
    "sure",
    "stuff",
    "things",
    "thing",
    "whatever",
    "yeah",
    "hey",
    "um",
    "uh",
    "like",
    "thanks",
    "thank",
    "during",
    "while",
    "when",
    "inside",
    "within",
    "around",
    "bunch",
    "some",
    "dialogue",
    "dialog",
    "speech",
    "speaks",
    "talks",
    "talking",
    "speaking",
    "saying",
    "words",
    "word",
    "range",
    "what",
    "who",
    "whom",
    "someone's",
    "somebody's",
    "anyone's",
    "everyone's",
    "people's",
    "subtitle",
    "subtitles",
    "caption",
    "captions",
    "anything",
    "anyone",
    "someone",
    "somebody",
    "everyone",
    "people",
    "person",
    "'s",
    "s",
    "right",
    "she's",
    "he's",
    "they're",
    "it's",
    "that's",
    "bits",
    "stuff",
    "kind",
    "sort",
    "literally",
    "basically",
    "actually",
    "pls",
    "plz",
    "nothing",
    "else",
    "but",
    "other",
    "rest",
];
pub(super) const NOISE_ZH: &[&str] = &[
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
    "里面",
    "时候",
    "有",
    "标记",
    "标了",
    "标的",
    "标注",
    "导演标了",
    "说话",
    "说的话",
    "讲话",
    "台词",
    "发言",
    "话",
    "在",
    "时",
    "期间",
    "当中",
    "之中",
    "时说",
    "说",
    "讲",
    "那几个",
    "几个",
    "之间",
    "一些",
    "些",
    "那一",
    "这一",
    "情绪",
    "情感",
    "每一",
    "每个",
    "每",
    "就是",
    "那种",
    "这种",
    "一点",
    "有点",
    "字幕",
    "区间",
    "范围",
    "片子",
    "整个",
    "那一段",
    "这一段",
    "一段",
    "两句",
    "几段",
    "让人",
    "令人",
    "使人",
    "光是",
    "没有内容",
    "没内容",
    "没用的",
    "空洞",
    "的话",
    "那些话",
    "这些话",
    "的时候",
    "这边",
    "那边",
    "兮兮",
    "巴巴",
    "其他",
    "其余",
    "别的",
    "剩下",
    "剩下的",
    "先别删",
    "别删",
    "不要删",
    "实际内容",
    "没有实际内容",
    "全都",
    "都是",
    "统统",
    "一律",
    "全部都",
    "戏份",
    "的戏份",
    "帮我",
    "帮忙",
    "麻烦",
    "那条",
    "这条",
    "那一条",
    "这一条",
];

pattern!(
    /// A clause that only says why ("it's for a blooper reel", "我要做个花絮") carries no edit.
    pub(super) ASIDE,
    r"^(?:it's|this is|that's|it is) for\b|^for (?:the|a|my)\b|^because\b|^since\b|^(?:我|我们)?(?:要|想)?做(?:个|一个|1个)?.{0,4}(?:花絮|预告|集锦|合集|回顾|短片|版本|样片|粗剪)$|^因为|^用来|^用于|^这是给|^用.{1,16}(?:就行|就好|就可以|代替)$|^use .{1,30} instead$|^(?:but )?(?:don't|do not) (?:delete|cut|remove) (?:it|them|anything)$|^先别删$|^别删$"
);
