//! Word lists: emotions (Chinese and English, with negation and degree words), filler, marker
//! colours and a few synonyms for paraphrase search. Data, kept apart from the code that uses it.

use protocol::intent::{Emotion, MarkerColor};

use super::normalize::{fold, is_cjk};

/// `(cue, weight)`: a strong cue weighs 1.0, a hint 0.5. Chinese cues match as substrings,
/// English ones as whole words or phrases.
type Cues = &'static [(&'static str, f32)];

const SAD: Cues = &[
    ("心里堵", 1.0),
    ("走的那天", 1.0),
    ("走了以后", 1.0),
    ("还在就好了", 1.0),
    ("没享过", 1.0),
    ("福都没享", 1.0),
    ("can't talk about", 1.0),
    ("cannot talk about", 1.0),
    ("that phone call", 0.5),
    ("never got to see", 1.0),
    ("never came back", 1.0),
    ("didn't make it", 1.0),
    ("难熬", 1.0),
    ("熬过来", 0.5),
    ("撑不下去", 1.0),
    ("生病", 0.5),
    ("化疗", 0.5),
    ("病了", 0.5),
    ("住院", 0.5),
    ("堵得慌", 1.0),
    ("眼泪止不住", 1.0),
    ("忍不住哭", 1.0),
    ("红了眼", 1.0),
    ("眼眶", 0.5),
    ("哽咽", 1.0),
    ("鼻子一酸", 1.0),
    ("难受", 1.0),
    ("伤心", 1.0),
    ("悲痛", 1.0),
    ("悲哀", 1.0),
    ("落泪", 1.0),
    ("泪", 0.5),
    ("要是还在", 1.0),
    ("如果还在", 1.0),
    ("要是能看到", 1.0),
    ("走得早", 1.0),
    ("走得突然", 1.0),
    ("离世", 1.0),
    ("病逝", 1.0),
    ("永别", 1.0),
    ("再也见不到", 1.0),
    ("见不到了", 1.0),
    ("回不去", 1.0),
    ("对不起", 0.5),
    ("愧疚", 1.0),
    ("内疚", 1.0),
    ("无奈", 0.5),
    ("空荡荡", 0.5),
    ("好想她", 1.0),
    ("好想他", 1.0),
    ("好想你", 1.0),
    ("想家", 1.0),
    ("breaks my heart", 1.0),
    ("broke my heart", 1.0),
    ("heartbreaking", 1.0),
    ("heart broke", 1.0),
    ("in tears", 1.0),
    ("choked up", 1.0),
    ("can't stop crying", 1.0),
    ("wish she were here", 1.0),
    ("wish he were here", 1.0),
    ("wish she was here", 1.0),
    ("wish he was here", 1.0),
    ("if only", 0.5),
    ("not here anymore", 1.0),
    ("no longer with us", 1.0),
    ("gone now", 1.0),
    ("lost my", 1.0),
    ("i miss", 1.0),
    ("miss her", 1.0),
    ("miss my", 1.0),
    ("grieving", 1.0),
    ("mourn", 1.0),
    ("sorry for your loss", 1.0),
    ("hurts", 0.5),
    ("miserable", 1.0),
    ("hopeless", 1.0),
    ("gloomy", 1.0),
    ("sobbing", 1.0),
    ("weeping", 1.0),
    ("悲伤", 1.0),
    ("难过", 1.0),
    ("哭", 1.0),
    ("眼泪", 1.0),
    ("流泪", 1.0),
    ("泪水", 1.0),
    ("想他", 1.0),
    ("想她", 1.0),
    ("想念", 1.0),
    ("思念", 1.0),
    ("怀念", 0.5),
    ("去世", 1.0),
    ("过世", 1.0),
    ("走了以后", 1.0),
    ("孤单", 1.0),
    ("孤独", 1.0),
    ("寂寞", 1.0),
    ("遗憾", 1.0),
    ("可惜", 1.0),
    ("心疼", 1.0),
    ("舍不得", 1.0),
    ("最后一面", 1.0),
    ("再也", 0.5),
    ("痛苦", 1.0),
    ("心碎", 1.0),
    ("失去", 0.5),
    ("葬礼", 1.0),
    ("后悔", 1.0),
    ("委屈", 1.0),
    ("心酸", 1.0),
    ("唉", 0.5),
    ("离开了", 0.5),
    ("不在了", 1.0),
    ("没能", 0.5),
    ("悲", 0.5),
    ("伤感", 1.0),
    ("失落", 1.0),
    ("绝望", 1.0),
    ("sad", 1.0),
    ("sadness", 1.0),
    ("miss him", 1.0),
    ("miss them", 1.0),
    ("missed her", 1.0),
    ("missed him", 1.0),
    ("miss you", 1.0),
    ("passed away", 1.0),
    ("died", 1.0),
    ("death", 0.5),
    ("tears", 1.0),
    ("tearing up", 1.0),
    ("cry", 1.0),
    ("cried", 1.0),
    ("crying", 1.0),
    ("lonely", 1.0),
    ("never got to", 1.0),
    ("goodbye", 0.5),
    ("heartbroken", 1.0),
    ("grief", 1.0),
    ("funeral", 1.0),
    ("regret", 1.0),
    ("depressed", 1.0),
    ("unhappy", 1.0),
    ("farewell", 0.5),
    ("rough", 0.5),
    ("hard time", 0.5),
    ("painful", 1.0),
    ("devastated", 1.0),
    ("lost her", 1.0),
    ("lost him", 1.0),
    ("gone forever", 1.0),
    ("sorrow", 1.0),
    ("upset", 0.5),
];

const ANGRY: Cues = &[
    ("气死我了", 1.0),
    ("no right", 1.0),
    ("how dare", 1.0),
    ("kidding me", 1.0),
    ("说了多少遍", 1.0),
    ("连个招呼都不打", 1.0),
    ("火了", 1.0),
    ("急了", 0.5),
    ("气炸", 1.0),
    ("翻脸", 1.0),
    ("怒了", 1.0),
    ("拍桌子", 1.0),
    ("气人", 1.0),
    ("可恶", 1.0),
    ("混蛋", 1.0),
    ("过分", 1.0),
    ("太过分", 1.0),
    ("够了", 1.0),
    ("别吵", 1.0),
    ("吵死", 1.0),
    ("不可理喻", 1.0),
    ("有病", 1.0),
    ("你凭", 0.5),
    ("少管", 1.0),
    ("管得着", 1.0),
    ("关你什么事", 1.0),
    ("什么态度", 1.0),
    ("发脾气", 1.0),
    ("恼火", 1.0),
    ("不耐烦", 0.5),
    ("烦", 0.5),
    ("annoying", 1.0),
    ("annoyed", 1.0),
    ("i could scream", 1.0),
    ("drives me crazy", 1.0),
    ("driving me crazy", 1.0),
    ("driving me nuts", 1.0),
    ("are you kidding me", 1.0),
    ("what the hell", 1.0),
    ("damn it", 1.0),
    ("dammit", 1.0),
    ("ugh", 0.5),
    ("enough", 0.5),
    ("get out", 1.0),
    ("leave me alone", 1.0),
    ("irritated", 1.0),
    ("irritating", 1.0),
    ("rage", 1.0),
    ("how could you", 1.0),
    ("i told you", 0.5),
    ("blame", 0.5),
    ("吵", 1.0),
    ("生气", 1.0),
    ("气死", 1.0),
    ("愤怒", 1.0),
    ("凭什么", 1.0),
    ("根本不懂", 1.0),
    ("别想", 1.0),
    ("讲点道理", 1.0),
    ("讲道理", 0.5),
    ("滚", 1.0),
    ("烦死", 1.0),
    ("受够", 1.0),
    ("闭嘴", 1.0),
    ("讨厌", 0.5),
    ("恨", 0.5),
    ("火大", 1.0),
    ("骂", 1.0),
    ("不讲理", 1.0),
    ("你每次", 0.5),
    ("你能不能", 0.5),
    ("你根本", 0.5),
    ("你总是", 0.5),
    ("发火", 1.0),
    ("怒", 0.5),
    ("angry", 1.0),
    ("anger", 1.0),
    ("furious", 1.0),
    ("mad", 1.0),
    ("yell", 1.0),
    ("yelling", 1.0),
    ("shout", 1.0),
    ("shouting", 1.0),
    ("hate", 1.0),
    ("argue", 1.0),
    ("arguing", 1.0),
    ("ridiculous", 1.0),
    ("how dare", 1.0),
    ("shut up", 1.0),
    ("stupid", 1.0),
    ("pissed", 1.0),
    ("sick of", 1.0),
    ("fed up", 1.0),
    ("you said", 1.0),
    ("you literally", 0.5),
    ("you always", 0.5),
    ("you never", 0.5),
    ("your fault", 1.0),
    ("i'm not the one", 1.0),
    ("unbelievable", 0.5),
    ("outrageous", 1.0),
    ("livid", 1.0),
    ("frustrated", 1.0),
];

const HAPPY: Cues = &[
    ("高兴", 1.0),
    ("laughed", 1.0),
    ("laughed until i cried", 1.0),
    ("laughed so hard", 1.0),
    ("surprise party", 1.0),
    ("surprise birthday", 1.0),
    ("best day ever", 1.0),
    ("热热闹闹", 1.0),
    ("高兴坏了", 1.0),
    ("开心死", 1.0),
    ("乐坏", 1.0),
    ("笑死", 1.0),
    ("好开心", 1.0),
    ("太棒", 1.0),
    ("真棒", 1.0),
    ("好棒", 1.0),
    ("爽", 0.5),
    ("好美", 1.0),
    ("真美", 1.0),
    ("太美", 1.0),
    ("激动", 0.5),
    ("感动", 0.5),
    ("惊喜", 0.5),
    ("骄傲", 1.0),
    ("自豪", 1.0),
    ("成功了", 1.0),
    ("做到了", 1.0),
    ("耶", 1.0),
    ("万岁", 1.0),
    ("恭喜", 1.0),
    ("祝福", 0.5),
    ("嘿嘿", 1.0),
    ("嘻嘻", 1.0),
    ("proud", 1.0),
    ("i did it", 1.0),
    ("we did it", 1.0),
    ("nailed it", 1.0),
    ("woohoo", 1.0),
    ("hooray", 1.0),
    ("haha", 1.0),
    ("ha", 0.5),
    ("love it", 1.0),
    ("lovely", 1.0),
    ("beautiful", 0.5),
    ("perfect", 0.5),
    ("brilliant", 1.0),
    ("congratulations", 1.0),
    ("so much fun", 1.0),
    ("blessed", 1.0),
    ("grateful", 0.5),
    ("best day", 1.0),
    ("over the moon", 1.0),
    ("can't stop smiling", 1.0),
    ("开心", 1.0),
    ("快乐", 1.0),
    ("幸福", 1.0),
    ("哈哈", 1.0),
    ("太好了", 1.0),
    ("好吃", 0.5),
    ("喜欢", 0.5),
    ("笑", 1.0),
    ("乐了", 1.0),
    ("乐呵", 1.0),
    ("欢乐", 1.0),
    ("热闹", 0.5),
    ("兴奋", 1.0),
    ("满足", 0.5),
    ("享受", 0.5),
    ("真好", 1.0),
    ("美好", 0.5),
    ("棒", 0.5),
    ("好玩", 1.0),
    ("有意思", 0.5),
    ("欣慰", 1.0),
    ("甜", 0.5),
    ("happy", 1.0),
    ("happiest", 1.0),
    ("love", 0.5),
    ("loved", 1.0),
    ("great", 0.5),
    ("amazing", 1.0),
    ("best", 0.5),
    ("so good", 1.0),
    ("smiling", 1.0),
    ("smile", 1.0),
    ("excited", 1.0),
    ("awesome", 1.0),
    ("wonderful", 1.0),
    ("fun", 1.0),
    ("glad", 1.0),
    ("enjoy", 0.5),
    ("delicious", 0.5),
    ("laugh", 1.0),
    ("laughing", 1.0),
    ("yay", 1.0),
    ("fantastic", 1.0),
    ("thrilled", 1.0),
    ("joy", 1.0),
    ("delighted", 1.0),
    ("i love", 1.0),
    ("cheerful", 1.0),
];

const TENSE: Cues = &[
    ("小心", 1.0),
    ("打不通", 1.0),
    ("不敢出声", 1.0),
    ("提心吊胆", 1.0),
    ("揪心", 1.0),
    ("屏住呼吸", 1.0),
    ("getting worse", 1.0),
    ("still isn't back", 1.0),
    ("still not back", 1.0),
    ("still hasn't", 0.5),
    ("storm", 0.5),
    ("当心", 1.0),
    ("赶紧", 1.0),
    ("赶快", 1.0),
    ("快快", 1.0),
    ("糟了", 1.0),
    ("糟糕", 1.0),
    ("完了", 0.5),
    ("慌", 1.0),
    ("发抖", 1.0),
    ("在抖", 1.0),
    ("手抖", 1.0),
    ("心跳", 0.5),
    ("忐忑", 1.0),
    ("不安", 1.0),
    ("忘词", 0.5),
    ("出汗", 0.5),
    ("careful", 1.0),
    ("watch out", 1.0),
    ("look out", 1.0),
    ("quick", 1.0),
    ("quickly", 0.5),
    ("step back", 1.0),
    ("oh no", 0.5),
    ("uh oh", 1.0),
    ("hold on", 0.5),
    ("before it", 0.5),
    ("on edge", 1.0),
    ("panic", 1.0),
    ("panicking", 1.0),
    ("shaking", 1.0),
    ("can't breathe", 1.0),
    ("what if", 0.5),
    ("urgent", 1.0),
    ("紧张", 1.0),
    ("担心", 1.0),
    ("着急", 1.0),
    ("怎么办", 1.0),
    ("来不及", 1.0),
    ("压力", 1.0),
    ("焦虑", 1.0),
    ("快点", 0.5),
    ("tense", 1.0),
    ("nervous", 1.0),
    ("worried", 1.0),
    ("worry", 1.0),
    ("pressure", 1.0),
    ("deadline", 0.5),
    ("hurry", 1.0),
    ("anxious", 1.0),
    ("stress", 1.0),
    ("stressed", 1.0),
    ("running out of time", 1.0),
];

const FEARFUL: Cues = &[
    ("吓死", 1.0),
    ("吓人", 1.0),
    ("毛骨悚然", 1.0),
    ("不敢", 0.5),
    ("救命", 1.0),
    ("scream", 0.5),
    ("nightmare", 1.0),
    ("help me", 1.0),
    ("freaked out", 1.0),
    ("freaking out", 1.0),
    ("spooky", 1.0),
    ("害怕", 1.0),
    ("怕", 0.5),
    ("恐怖", 1.0),
    ("吓", 1.0),
    ("可怕", 1.0),
    ("恐惧", 1.0),
    ("afraid", 1.0),
    ("scared", 1.0),
    ("fear", 1.0),
    ("terrified", 1.0),
    ("frightened", 1.0),
    ("creepy", 1.0),
    ("scary", 1.0),
    ("horror", 0.5),
];

const SURPRISED: Cues = &[
    ("真的假的", 1.0),
    ("不会吧", 1.0),
    ("什么？", 0.5),
    ("哇", 1.0),
    ("我的天", 1.0),
    ("想不到", 1.0),
    ("出乎意料", 1.0),
    ("no way", 1.0),
    ("really?", 0.5),
    ("unexpected", 1.0),
    ("out of nowhere", 1.0),
    ("oh wow", 1.0),
    ("whoa", 1.0),
    ("omg", 1.0),
    ("没想到", 1.0),
    ("竟然", 1.0),
    ("居然", 1.0),
    ("天哪", 1.0),
    ("天啊", 1.0),
    ("惊讶", 1.0),
    ("吃惊", 1.0),
    ("不敢相信", 1.0),
    ("wow", 1.0),
    ("surprise", 1.0),
    ("surprised", 1.0),
    ("can't believe", 1.0),
    ("shocked", 1.0),
    ("oh my god", 0.5),
];

const NEGATORS_ZH: &[&str] = &["不", "没", "别", "不是", "没有"];
/// A sentence that imagines ("要是她还在，该多高兴") speaks of joy that is missing: its happy cues
/// are a hint of sadness.
const COUNTERFACTUAL_ZH: &[&str] = &["要是", "如果", "假如", "要不是", "若是", "该多", "该有多"];
const COUNTERFACTUAL_EN: &[&str] = &[
    "if ",
    "wish",
    "would have",
    "could have",
    "would've",
    "'d be ",
    "would be ",
];
/// "今天要高高兴兴的", "you should be happy": asked for, not expressed.
const MODAL_ZH: &[&str] = &["要", "应该", "必须", "希望"];
const MODAL_EN: &[&str] = &[
    "should",
    "have to",
    "need to",
    "try to",
    "supposed to",
    "hope",
];
const NEGATORS_EN: &[&str] = &[
    "not", "never", "no", "don't", "didn't", "isn't", "wasn't", "aren't", "won't", "can't",
];
const IMPERATIVES: &[&str] = &["别", "不要", "don't", "dont", "stop"];
const DEGREE_ZH: &[&str] = &["很", "真", "非常", "太", "特别", "好", "超", "最", "可"];
const DEGREE_EN: &[&str] = &[
    "so",
    "really",
    "very",
    "extremely",
    "totally",
    "such",
    "incredibly",
    "super",
];

fn cues(e: Emotion) -> Cues {
    match e {
        Emotion::Sad => SAD,
        Emotion::Angry => ANGRY,
        Emotion::Happy => HAPPY,
        Emotion::Tense => TENSE,
        Emotion::Fearful => FEARFUL,
        Emotion::Surprised => SURPRISED,
    }
}

/// How strongly a line expresses each emotion.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EmotionScores([f32; 6]);

impl EmotionScores {
    pub fn get(&self, e: Emotion) -> f32 {
        self.0[e as usize]
    }

    /// A line expresses an emotion when its cues add up to at least one strong cue and no other
    /// emotion scores higher.
    pub fn expresses(&self, e: Emotion) -> bool {
        let s = self.get(e);
        // A tie between two emotions ("你笑我陪你笑，你哭我陪你哭") is no emotion expressed.
        s >= 1.0 && self.0.iter().filter(|o| **o >= s).count() == 1
    }

    /// The scores of a line a model labelled: the label's emotion at the strength of one strong
    /// cue, nothing else (`None`: neutral).
    pub fn labelled(label: Option<Emotion>) -> EmotionScores {
        let mut s = [0f32; 6];
        if let Some(e) = label {
            s[e as usize] = 1.0;
        }
        EmotionScores(s)
    }

    /// The dominant emotion, if any.
    pub fn dominant(&self) -> Option<Emotion> {
        Emotion::ALL.into_iter().find(|e| self.expresses(*e))
    }
}

/// Find `cue` in `text` (folded); returns byte offsets of each occurrence.
fn occurrences(text: &str, cue: &str) -> Vec<usize> {
    let cjk = cue.chars().any(is_cjk);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = text[from..].find(cue) {
        let at = from + p;
        let end = at + cue.len();
        let boundary_ok = cjk || {
            let before = text[..at].chars().next_back();
            let after = text[end..].chars().next();
            before.is_none_or(|c| !c.is_alphanumeric() && c != '\'')
                && after.is_none_or(|c| !c.is_alphanumeric() && c != '\'')
        };
        if boundary_ok {
            out.push(at);
        }
        from = at + cue.len().max(1);
    }
    out
}

fn preceded_by(text: &str, at: usize, words: &[&str], cjk: bool) -> bool {
    let before = &text[..at];
    // 特别 / 分别 / 告别 end in 别 and negate nothing.
    if cjk
        && ["特别", "分别", "告别", "区别", "级别", "个别"]
            .iter()
            .any(|w| before.ends_with(w))
    {
        return false;
    }
    if cjk {
        let tail: String = before
            .chars()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        words.iter().any(|w| tail.ends_with(w))
    } else {
        // "can't stop smiling" and "can't help laughing" are not negations.
        let mut prev = before.split_whitespace().rev();
        match prev.next() {
            Some("stop" | "help") => false,
            Some(w) if words.contains(&w) => true,
            Some(_) => prev.next().is_some_and(|w| words.contains(&w)),
            None => false,
        }
    }
}

/// The sentence of `text` before byte `at` (back to the last full stop, question or exclamation).
fn sentence_before(text: &str, at: usize) -> &str {
    let start = text[..at]
        .rfind(['.', '!', '?', '。', '！', '？'])
        .map_or(0, |k| k + 1);
    &text[start..at]
}

/// The last `n` characters of `text` before byte `at`.
fn chars_before(text: &str, at: usize, n: usize) -> String {
    let v: Vec<char> = text[..at].chars().rev().take(n).collect();
    v.into_iter().rev().collect()
}

/// Whether a happy cue at `at` is imagined or asked for rather than felt.
fn imagined_or_asked(raw: &str, folded: &str, at: usize, cjk: bool) -> (bool, bool) {
    if cjk {
        // `fold` keeps CJK characters in place, so the raw sentence is found by the cue's
        // preceding characters.
        let before = chars_before(folded, at, 12);
        let sentence_raw = raw
            .find(&before)
            .map(|k| sentence_before(raw, k + before.len()))
            .unwrap_or(&before);
        let imagined = COUNTERFACTUAL_ZH.iter().any(|w| sentence_raw.contains(w));
        let near = chars_before(folded, at, 2);
        let asked = MODAL_ZH.iter().any(|w| near.contains(w));
        (imagined, asked)
    } else {
        let before = &folded[..at];
        let words: Vec<&str> = before.split_whitespace().rev().take(8).collect();
        let window = words.into_iter().rev().collect::<Vec<_>>().join(" ") + " ";
        let imagined = COUNTERFACTUAL_EN.iter().any(|w| window.contains(w));
        let near: Vec<&str> = before.split_whitespace().rev().take(3).collect();
        let near = near.into_iter().rev().collect::<Vec<_>>().join(" ");
        let asked = MODAL_EN.iter().any(|w| near.contains(w));
        (imagined, asked)
    }
}

/// Set phrases that hold an emotion word but express no emotion ("happy hour", 哭嫁 — a wedding
/// custom): removed before the cues are looked for.
const NOT_FELT: &[&str] = &[
    "happy hour",
    "happy meal",
    "sad truth",
    "mad dash",
    "mad scientist",
    "哭嫁",
    "哭穷",
    "笑话",
    "开心果",
];

/// How people voice a feeling without naming it: accusing questions and repeated complaints
/// (angry), absence and what is kept of someone gone (sad), waiting on news (tense), "what if"
/// and hiding (fearful), disbelief at an arrival or a purchase (surprised), a long wish come true
/// (happy). Patterns over the folded line (lower case, punctuation as spaces), each a cue.
const PHRASINGS: &[(Emotion, &str, f32)] = &[
    // Angry: accusation, rhetorical questions, "I said it N times", broken promises, sarcasm.
    (
        Emotion::Angry,
        r"谁让你|谁叫你|问都不问|招呼都不打|你们怎么能|到底有没有|到底要|凭什么|怎么能|有没有把我|当回事|说了(?:\d+|[一二三四五六七八九十百几])+遍|回答过(?:\d+|[一二三四五六七八九十百几])+遍|别再.{0,12}行吗|说.就.|你们拍就拍",
        1.0,
    ),
    (
        Emotion::Angry,
        r"\byou promised\b|\bnobody tells us\b|\bno one tells us\b|\bhow many times\b|\bwhat is wrong with you\b|\byou go tell\b|\blove that for us\b|\boh great\b|\bthanks for nothing\b|\bare you serious\b|\bunacceptable\b|\bsick and tired\b",
        1.0,
    ),
    // Sad: someone gone, what is left of them, grief in the body.
    (
        Emotion::Sad,
        r"没能等到|没等到|没能看到|没来得及|一下子就空|空荡荡|不会回来了|没舍得|舍不得扔|一直没洗|到现在都没|再也见不到|嗓子.{0,2}哑|说不下去|他走的|她走的|走了以后|不在了|还炖着|留着.{0,6}(?:他|她)的",
        1.0,
    ),
    (
        Emotion::Sad,
        r"\bhaven't been back\b|\bhasn't been the same\b|\bset out a plate for\b|\bthen i remember\b|\bsince (?:he|she) (?:died|left|passed|went)\b|\bkept asking for\b|\bheld (?:his|her) hand\b|\bnot the same without\b|\bstill (?:wears?|keeps?|sets?|has|have) .{0,20}(?:his|her)\b|\bforce of habit\b|\bi can't bring myself\b",
        1.0,
    ),
    // Tense: waiting on news, money that does not add up, "be quiet, let me listen".
    (
        Emotion::Tense,
        r"还有\d*[一二三四五六七八九十几两半]*\s*(?:分钟|小时|天)就|突然.{0,4}(?:开不了|坏了|没电|停了|卡住)|来不及了|没有?消息|没下来|天天催|对不上|算了一晚上|先别说话|让我听|等结果|出来了没|结果还没|还没出来",
        1.0,
    ),
    (
        Emotion::Tense,
        r"\b\w+ (?:hours|days|minutes|weeks) of \w+ left\b|\bwe're done\b|\bif this .{0,30}(?:doesn't|does not|won't)\b|\bresults? (?:come|comes|came) back\b|\buntil then\b|\bjust wait\b|\bstill waiting\b|\bany news\b|\bno news\b|\bhold your breath\b|\bdoesn't add up\b",
        1.0,
    ),
    // Fearful: what if it goes wrong, hiding in the dark.
    (
        Emotion::Fearful,
        r"万一|不敢开|不敢出去|缩在|有动静|门锁在转|\bwhat if (?:he|she|it|they|we)\b|\bi froze\b|\bsomeone was (?:in|at)\b|\bhid(?:ing)? (?:under|behind|in)\b",
        1.5,
    ),
    // Surprised: an arrival not expected, "you did what?".
    (
        Emotion::Surprised,
        r"你怎么来了|不是说.{0,12}吗|怎么会是|原来是|\bwait hold on\b|\bhold on\b.{0,20}\byou\b|\byou bought\b|\bthe whole \w+ you\b|\bno way\b|\bsince when\b|\bwhat are you doing here\b",
        1.0,
    ),
    // Happy: a yes, a first, "best of my life", a long-awaited thanks, tears of joy.
    (
        Emotion::Happy,
        r"卖光了|卖爆了|一抢而空|大获成功|合不拢嘴|笑得|终于有人|终于等到|一道没出错|腰挺得|这辈子.{0,10}最|\bshe said yes\b|\bhe said yes\b|\bbest \w+ of my life\b|\blaugh again\b|\bi'm not sad\b|\bare you seeing this\b|\bwe made it\b|\bapproved\b|\bthat's all i wanted\b|\bit was worth it\b",
        1.0,
    ),
];

/// Score a transcript line against the emotion lexicon.
pub fn score_emotions(text: &str) -> EmotionScores {
    let mut folded = fold(text);
    // A name made of capitalised words inside a sentence ("a place called Happy Garden") names
    // something; it feels nothing.
    static PROPER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[a-z,]\s+((?:[A-Z][a-z']+\s+)+[A-Z][a-z']+)").expect("valid pattern")
    });
    for m in PROPER.captures_iter(text) {
        let name = fold(&m[1]);
        if folded.contains(&name) {
            folded = folded.replace(&name, &" ".repeat(name.len()));
        }
    }
    // "the angry red light": a colour, not a mood.
    static COLOURED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b(?:angry|happy|sad|mad|cheerful|gloomy|moody)\s+(?:red|orange|yellow|green|blue|purple|pink|white|black|grey|gray)\b")
            .expect("valid pattern")
    });
    folded = COLOURED
        .replace_all(&folded, |m: &regex::Captures<'_>| " ".repeat(m[0].len()))
        .into_owned();
    for phrase in NOT_FELT {
        if folded.contains(phrase) {
            folded = folded.replace(phrase, &" ".repeat(phrase.chars().count()));
        }
    }
    let exclaim = text.contains('!') || text.contains('！');
    let mut scores = [0f32; 6];
    for e in Emotion::ALL {
        let mut s = 0.0;
        for (cue, w) in cues(e) {
            let cjk = cue.chars().any(is_cjk);
            for at in occurrences(&folded, cue) {
                let negated = preceded_by(
                    &folded,
                    at,
                    if cjk { NEGATORS_ZH } else { NEGATORS_EN },
                    cjk,
                );
                // "Don't yell at me!" / "别吵了" is an angry imperative, not a negation.
                let imperative = e == Emotion::Angry && preceded_by(&folded, at, IMPERATIVES, cjk);
                if negated && !imperative {
                    if e == Emotion::Happy {
                        scores[Emotion::Sad as usize] += 0.5;
                    }
                    continue;
                }
                if e == Emotion::Happy {
                    let (imagined, asked) = imagined_or_asked(text, &folded, at, cjk);
                    if imagined {
                        scores[Emotion::Sad as usize] += 0.5;
                        continue;
                    }
                    if asked {
                        continue;
                    }
                }
                let degree = preceded_by(&folded, at, if cjk { DEGREE_ZH } else { DEGREE_EN }, cjk);
                s += w * if degree { 1.5 } else { 1.0 };
            }
        }
        scores[e as usize] += s;
    }
    static COMPILED: std::sync::LazyLock<Vec<(Emotion, regex::Regex, f32)>> =
        std::sync::LazyLock::new(|| {
            PHRASINGS
                .iter()
                .map(|(e, p, w)| (*e, regex::Regex::new(p).expect("valid phrasing"), *w))
                .collect()
        });
    for (e, p, w) in COMPILED.iter() {
        if p.is_match(&folded) {
            scores[*e as usize] += w;
        }
    }
    if exclaim {
        for e in [
            Emotion::Angry,
            Emotion::Happy,
            Emotion::Surprised,
            Emotion::Tense,
        ] {
            if scores[e as usize] > 0.0 {
                scores[e as usize] += 0.5;
            }
        }
    }
    EmotionScores(scores)
}

/// Neighbouring lines of one speaker share a mood: a line with only a hint of an emotion (half a
/// strong cue) expresses it when the same speaker's line just before or after does.
/// `speakers[i]` is line `i`'s speaker; lines without one take no context.
pub fn with_context(scores: &[EmotionScores], speakers: &[Option<&str>]) -> Vec<EmotionScores> {
    let mut out = scores.to_vec();
    for i in 0..scores.len() {
        let Some(who) = speakers.get(i).copied().flatten() else {
            continue;
        };
        for e in Emotion::ALL {
            let s = scores[i].get(e);
            if !(0.5..1.0).contains(&s) {
                continue;
            }
            let neighbour = |j: usize| {
                speakers.get(j).copied().flatten() == Some(who) && scores[j].expresses(e)
            };
            if (i > 0 && neighbour(i - 1)) || neighbour(i + 1) {
                out[i].0[e as usize] = 1.0;
            }
        }
    }
    out
}

/// Words that are filler when a line holds nothing else.
pub const FILLER_ZH: &[&str] = &[
    "嗯", "啊", "呃", "额", "哦", "噢", "唔", "那个", "这个", "就是", "然后", "哎", "诶", "嘛",
];
pub const FILLER_EN: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm", "like", "you know", "i mean",
    "so", "well", "okay so",
];

/// A line made only of filler words (嗯…… / 那个，那个…… / Um... / Like... you know...).
pub fn is_filler_line(text: &str) -> bool {
    let mut rest = fold(text);
    if rest.is_empty() {
        return false;
    }
    // Longest fillers first so "you know" goes before "you" could be left over.
    let mut words: Vec<&str> = FILLER_ZH.iter().chain(FILLER_EN).copied().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    loop {
        rest = rest.trim().to_string();
        if rest.is_empty() {
            return true;
        }
        let Some(w) = words.iter().find(|w| {
            rest.starts_with(**w) && {
                let after = rest[w.len()..].chars().next();
                w.chars().any(is_cjk) || after.is_none_or(|c| !c.is_alphanumeric())
            }
        }) else {
            return false;
        };
        rest = rest[w.len()..].to_string();
    }
}

/// Colour words in Chinese and English.
pub fn color_of(word: &str) -> Option<MarkerColor> {
    let w = word.trim();
    Some(match w {
        "红" | "红色" | "red" => MarkerColor::Red,
        "橙" | "橙色" | "橘色" | "橘黄" | "orange" => MarkerColor::Orange,
        "黄" | "黄色" | "yellow" => MarkerColor::Yellow,
        "绿" | "绿色" | "green" => MarkerColor::Green,
        "青" | "青色" | "cyan" => MarkerColor::Cyan,
        "蓝" | "蓝色" | "blue" => MarkerColor::Blue,
        "紫" | "紫色" | "purple" | "violet" => MarkerColor::Purple,
        "品红" | "洋红" | "magenta" => MarkerColor::Magenta,
        "粉" | "粉色" | "粉红" | "pink" => MarkerColor::Pink,
        "白" | "白色" | "white" => MarkerColor::White,
        "黑" | "黑色" | "black" => MarkerColor::Black,
        _ => return None,
    })
}

/// Colour names to look for in text, longest first.
pub const COLOR_WORDS: &[&str] = &[
    "magenta", "orange", "yellow", "purple", "violet", "green", "white", "black", "pink", "cyan",
    "blue", "red", "品红", "洋红", "粉红", "橘黄", "红色", "橙色", "橘色", "黄色", "绿色", "青色",
    "蓝色", "紫色", "粉色", "白色", "黑色", "红", "橙", "黄", "绿", "青", "蓝", "紫", "粉",
];

/// Synonym groups for paraphrase search: a query term also searches for its group.
const SYNONYMS: &[&[&str]] = &[
    &[
        "父亲", "爸", "爸爸", "老爸", "父", "他爸", "dad", "father", "daddy", "papa",
    ],
    &[
        "母亲", "妈", "妈妈", "老妈", "母", "mom", "mother", "mum", "mommy", "mama",
    ],
    &["奶奶", "外婆", "姥姥", "grandma", "grandmother", "granny"],
    &["爷爷", "外公", "姥爷", "grandpa", "grandfather"],
    &["small", "tiny", "little", "cramped", "小", "很小"],
    &["big", "huge", "large", "enormous", "大", "很大"],
    // Everyday words in both languages, so a line said in one is found by words of the other.
    &["one", "1", "一"],
    &["two", "2", "二", "两"],
    &["three", "3", "三"],
    &["four", "4", "四"],
    &["five", "5", "五"],
    &["six", "6", "六"],
    &["seven", "7", "七"],
    &["eight", "8", "八"],
    &["nine", "9", "九"],
    &["ten", "10", "十"],
    &["twenty", "20", "二十"],
    &["hundred", "百"],
    &["year", "years", "年"],
    &["month", "月"],
    &["day", "天"],
    &["summer", "夏天"],
    &["winter", "冬天"],
    &["spring", "春天"],
    &["new year", "过年", "新年", "春节"],
    &["family", "家人", "一家人", "全家", "家里"],
    &["home", "家"],
    &["photo", "picture", "照片", "合影", "全家福"],
    &["office", "办公室"],
    &["shop", "store", "店", "商店"],
    &["stall", "摊位", "摊"],
    &["restaurant", "餐厅", "饭店"],
    &["kitchen", "厨房"],
    &["street", "街", "街道"],
    &["market", "市场", "菜市场"],
    &["boat", "ship", "船"],
    &["storm", "风暴", "暴风雨"],
    &["rain", "雨"],
    &["phone", "电话"],
    &["money", "钱"],
    &["people", "人"],
    &["friend", "friends", "朋友"],
    &["brother", "哥哥", "弟弟", "兄弟"],
    &["sister", "姐姐", "妹妹", "姐妹"],
    &["son", "儿子"],
    &["daughter", "女儿"],
    &["wife", "妻子", "老婆"],
    &["husband", "丈夫", "老公"],
    &["child", "children", "kid", "kids", "孩子"],
    &["dumpling", "dumplings", "饺子"],
    &["noodle", "noodles", "面", "面条"],
    &["rice", "米饭", "饭"],
    &["cook", "cooking", "做饭", "烧菜"],
    &["eat", "吃"],
    &["rent", "rented", "租"],
    &["buy", "bought", "买"],
    &["sell", "sold", "卖"],
    &["work", "worked", "工作", "上班"],
    &["sleep", "睡", "睡觉"],
    &[
        "apologise",
        "apologize",
        "apologised",
        "apologized",
        "sorry",
        "道歉",
        "不好意思",
        "对不起",
    ],
    &["cry", "cried", "tears", "crying", "哭", "眼泪", "流泪"],
    &["laugh", "laughed", "笑"],
    &[
        "die", "died", "dead", "pass", "passed", "去世", "走", "过世",
    ],
    &["safe", "safely", "平安", "安全"],
    &["chinese", "中文", "汉语", "普通话"],
    &["english", "英文", "英语"],
    &["foreigner", "foreign", "外国人", "老外"],
    &["double", "twice", "双倍", "两倍"],
    &["first", "第一", "刚"],
    &["last", "最后"],
    &["thick", "thicker", "厚"],
    &["thin", "thinner", "薄"],
    &["middle", "center", "中间"],
    &["happy", "happiest", "开心", "高兴"],
    &["froze", "freeze", "frozen", "locked"],
    &["angry", "furious", "mad"],
    &["happy", "glad", "thrilled"],
    &["sad", "upset"],
    &["赶上", "赶回", "赶回来"],
    &["开店", "开面馆", "面馆", "小面馆"],
    &["cost", "price", "pricing"],
    &["start", "begin", "began", "started"],
    &["quit", "left", "leave"],
];

/// Add the synonyms of every term (a term already present is not repeated).
pub fn expand_synonyms(mut terms: Vec<String>) -> Vec<String> {
    let mut extra = Vec::new();
    for t in &terms {
        for group in SYNONYMS {
            if group.contains(&t.as_str()) {
                for s in *group {
                    let s = s.to_string();
                    if !terms.contains(&s) && !extra.contains(&s) {
                        extra.push(s);
                    }
                }
            }
        }
    }
    terms.extend(extra);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emotions_of_lines() {
        let sad = [
            "我真的很想他。",
            "She passed away last spring, and I never got to say goodbye.",
            "做给老张吧，可惜他再也吃不到了。",
        ];
        for s in sad {
            assert!(score_emotions(s).expresses(Emotion::Sad), "{s}");
        }
        let angry = [
            "你每次回来就知道跟我吵，你根本不懂这个店对我意味着什么！",
            "I am so mad right now.",
        ];
        for s in angry {
            assert!(score_emotions(s).expresses(Emotion::Angry), "{s}");
        }
        assert!(score_emotions("哈哈，那可热闹了！").expresses(Emotion::Happy));
        assert!(!score_emotions("I'm not happy about this").expresses(Emotion::Happy));
        assert!(!score_emotions("The train takes about an hour.").expresses(Emotion::Sad));
        assert!(
            score_emotions("I'm not happy about this at all, truly upset").get(Emotion::Sad) > 0.0
        );
    }

    /// Feelings voiced without their word, three phrasings of each family of our own.
    #[test]
    fn emotions_without_keywords() {
        let cases: &[(&str, Emotion)] = &[
            ("你们到底有没有在听我说话？", Emotion::Angry),
            ("我都说了五遍了，五遍！", Emotion::Angry),
            ("You promised me you'd call. You promised.", Emotion::Angry),
            ("How many times do I have to say it?", Emotion::Angry),
            ("我到现在都没敢删他的微信。", Emotion::Sad),
            ("I haven't been back to the house since.", Emotion::Sad),
            ("She still keeps his coat by the door.", Emotion::Sad),
            ("结果还没出来，我们就在这儿等。", Emotion::Tense),
            ("The biopsy results come back Monday.", Emotion::Tense),
            ("Any news yet? Anything?", Emotion::Tense),
            ("万一他们找上门来怎么办？", Emotion::Fearful),
            ("What if it collapses while we're inside?", Emotion::Fearful),
            ("你怎么来了？不是说明年才回来吗？", Emotion::Surprised),
            (
                "Wait, hold on, you sold the restaurant?",
                Emotion::Surprised,
            ),
            ("She said yes! She actually said yes!", Emotion::Happy),
            ("那是我这辈子吃过最香的一顿饭。", Emotion::Happy),
            ("Visa approved! We made it!", Emotion::Happy),
        ];
        for (line, e) in cases {
            assert!(
                score_emotions(line).expresses(*e),
                "{line}: {:?}",
                score_emotions(line)
            );
        }
        // Named but not felt.
        for line in [
            "The place is called Happy Garden.",
            "我们拍过一个关于哭嫁的片子。",
        ] {
            assert_eq!(score_emotions(line).dominant(), None, "{line}");
        }
    }

    #[test]
    fn filler_lines() {
        for s in [
            "嗯……",
            "那个，那个……",
            "Um...",
            "Like... you know...",
            "嗯，那个……",
            "Er...",
        ] {
            assert!(is_filler_line(s), "{s}");
        }
        for s in [
            "好，好。",
            "Like it or not, we ship.",
            "Umbrella time",
            "那个店",
        ] {
            assert!(!is_filler_line(s), "{s}");
        }
    }

    #[test]
    fn colors() {
        assert_eq!(color_of("绿色"), Some(MarkerColor::Green));
        assert_eq!(color_of("blue"), Some(MarkerColor::Blue));
        assert_eq!(color_of("chartreuse"), None);
    }
}
