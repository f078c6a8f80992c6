//! The `rules` backend: deterministic, bilingual (Chinese and English) instruction parsing.
//!
//! A small grammar, not a list of phrasings. An instruction is normalised (width, numerals in
//! digits or words, spoken fillers and politeness dropped) and checked for edits CutBridge does
//! not make before anything else is read: one such step refuses the whole instruction. It is then
//! split into steps (然后 / 再 / then / a comma before a second verb), and each step is read as
//! ACTION + TARGET + PARAMETERS wherever each piece stands, in either language's word order:
//!
//! - [`vocab`]: the words — actions with their synonyms and editors' slang, unsupported edits,
//!   fillers and politeness, noise words;
//! - [`time`]: spans, durations, margins, transition lengths and speed factors;
//! - [`targets`]: the target phrase read for every constraint it holds (time span, clip
//!   positions and sets, markers, quotes and paraphrases, filler, emotion, speakers or the lead,
//!   clip-name scope), combined into one target and never silently dropped.
//!
//! An action that is not clearly read is refused (exit 2), never guessed.

mod targets;
mod time;
mod vocab;

use std::sync::LazyLock;

use protocol::Intent;
use protocol::intent::{
    Action, ClipSelector, Destination, Length, MarkerColor, Placement, Step, Target,
};
use regex::Regex;

use super::{Context, Understand};
use crate::text::normalize::normalize_instruction;
use crate::{Refusal, RefusalKind};
use targets::{AROUND, EVERY_CLIP, content_words, find_color, look_in, strip_colors, target_of};
use time::{DURATION, length_in, speed_factor};
use vocab::{
    ADDS_SOMETHING, ALL_WORDS, ASIDE, DELETE, KEEP_ONLY, MARK_ADD, MOVE_EN, SPEED_FAST, SPEED_SLOW,
    TRANSITION_WORD, UNSUPPORTED_ALWAYS, UNSUPPORTED_UNLESS_TARGET, VAGUE_PREFACE, Verb,
    detect_verb, pattern, re, spoken_amounts, strip_spoken,
};

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

pattern!(
    SPLIT,
    r"\s*(?:[,;.:]\s*(?:然后|接着|随后|之后|再|and then|then|after that|next|also)\s*|然后|接着|随后|;\s*|\band then\b|\bafter that\b|,?\s+then\s+)"
);

/// Parse an instruction with the rules backend.
pub fn parse(text: &str, ctx: &Context) -> Result<Intent, Refusal> {
    let norm = spoken_amounts(&space_scripts(&normalize_instruction(text)));
    let norm = strip_spoken(norm.trim().trim_end_matches(['.', '!', '?', '。']).trim());
    let norm = norm.trim().trim_end_matches(['.', '!', '?', ',']).trim();
    if norm.is_empty() {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "the instruction is empty",
        ));
    }
    // Safety first: one step CutBridge cannot do refuses the whole instruction, before any step
    // is read or any aside dropped, so nothing is deleted on the way to a J-cut.
    for c in split_steps(norm) {
        if let Some(why) = unsupported(&c) {
            return Err(Refusal::new(RefusalKind::Unsupported, why));
        }
    }
    // "ditch take one": a take's number said in words is the number in its name.
    let norm = take_numbers(norm, ctx);
    // ", it's for a blooper reel", "我要做个花絮，…": an aside that says why adds no edit.
    pattern!(
        TRAILING_ASIDE,
        r"\s+(?:用.{1,16}(?:就行|就好|就可以|代替)|先别删|别删|不用删|不要删)$"
    );
    let norm = norm
        .split(',')
        .filter(|part| !ASIDE.is_match(part.trim()))
        .map(|part| TRAILING_ASIDE.replace(part.trim_end(), "").into_owned())
        .collect::<Vec<_>>()
        .join(",");
    let clauses = split_steps(&norm);
    let mut steps = Vec::new();
    for c in &clauses {
        steps.push(parse_clause(c, ctx)?);
    }
    Ok(Intent { steps })
}

/// "take one" → "take 1" when the timeline's takes are numbered in digits.
fn take_numbers(s: &str, ctx: &Context) -> String {
    pattern!(
        TAKE_WORD,
        r"\b(takes?|cam(?:era)?|scene)\s+(one|two|three|four|five|six|seven|eight|nine|ten)\b"
    );
    pattern!(NUMBERED, r"\b(?:takes?|cam(?:era)?|scene)\s*\d");
    if !ctx
        .clip_names
        .iter()
        .any(|n| NUMBERED.is_match(&n.to_lowercase()))
    {
        return s.to_string();
    }
    TAKE_WORD
        .replace_all(s, |c: &regex::Captures<'_>| {
            let n = match &c[2] {
                "one" => 1,
                "two" => 2,
                "three" => 3,
                "four" => 4,
                "five" => 5,
                "six" => 6,
                "seven" => 7,
                "eight" => 8,
                "nine" => 9,
                _ => 10,
            };
            format!("{} {n}", &c[1])
        })
        .into_owned()
}

/// A space where Latin letters meet Chinese characters ("sarah的台词" → "sarah 的台词"), so a
/// name or a word said inside Chinese is a word of its own.
fn space_scripts(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev {
            let latin = |x: char| x.is_ascii_alphabetic();
            let han = crate::text::normalize::is_cjk;
            if (latin(p) && han(c)) || (han(p) && latin(c)) {
                out.push(' ');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

fn split_steps(s: &str) -> Vec<String> {
    let s = s
        .strip_prefix("先")
        .or_else(|| s.strip_prefix("首先"))
        .or_else(|| s.strip_prefix("first,"))
        .or_else(|| s.strip_prefix("first "))
        .unwrap_or(s);
    let mut parts: Vec<String> = Vec::new();
    for piece in SPLIT.split(s) {
        // 先…再… without a comma: split at the 再 that starts the second verb phrase.
        let mut rest = piece.trim().to_string();
        while let Some(p) = rest
            .find("再把")
            .or_else(|| rest.find("再在"))
            .or_else(|| rest.find("再加"))
            .or_else(|| rest.find("再给"))
            .or_else(|| rest.find("再将"))
            .filter(|p| *p > 0)
        {
            parts.push(rest[..p].trim().to_string());
            rest = rest[p + "再".len()..].trim().to_string();
        }
        if !rest.is_empty() {
            parts.extend(split_joined_clauses(&rest));
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| {
            p.trim_start_matches("先")
                .trim_start_matches("再")
                .trim_start_matches("and ")
                .trim_matches([',', ' '])
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect();
    // "tighten it up, remove every pause over 2 seconds": the wish adds nothing to the step
    // that names a target.
    if parts.len() > 1 {
        let kept: Vec<String> = parts
            .iter()
            .filter(|p| !VAGUE_PREFACE.is_match(p))
            .cloned()
            .collect();
        if !kept.is_empty() {
            return kept;
        }
    }
    parts
}

/// "remove the last clip and add dissolves between the rest", "删掉最后一个镜头，每个镜头之间加溶解":
/// two clauses joined by "and" or a comma, each with its own verb, are two steps. A right-hand
/// side that only says what happens to the rest ("其他都删掉"), or only how to mark what the left
/// found ("and mark it yellow", "，标成红色"), belongs to the left.
fn split_joined_clauses(s: &str) -> Vec<String> {
    static JOIN: LazyLock<Regex> =
        LazyLock::new(|| re(r",\s*(?:并且|并|同时|and\s+)?|\s+and\s+|并且|同时|:\s+"));
    static REST: LazyLock<Regex> = LazyLock::new(|| {
        re(r"^\s*(?:其他|其余|剩下|剩余|别的|the rest|everything else|all else|anything else)")
    });
    // The last join first: in "delete the 2nd and 3rd clips, and slow down the last one" the
    // first "and" joins two ordinals, not two clauses.
    let joins: Vec<regex::Match<'_>> = JOIN.find_iter(s).collect();
    for m in joins.into_iter().rev() {
        let (left, right) = (&s[..m.start()], &s[m.end()..]);
        if detect_verb(left).is_some()
            && detect_verb(right).is_some()
            && starts_a_step(right)
            && !REST.is_match(right)
            && !only_marks_it(right)
            && !only_parameters(right)
            && !VAGUE_PREFACE.is_match(right.trim())
        {
            let mut out = split_joined_clauses(left);
            out.push(right.trim().to_string());
            return out;
        }
    }
    vec![s.to_string()]
}

/// An English clause after "and" is a step of its own when it starts with a verb ("and slow down
/// the last one"); "the uhs and ums to triple speed" is one target. Chinese puts the verb later.
fn starts_a_step(right: &str) -> bool {
    pattern!(
        IMPERATIVE,
        r"^(?:then |also |please |and )*(?:delete|remove|cut|drop|lose|trim|take|get|kill|ditch|scrap|nuke|pull|ripple|keep|speed|slow|move|put|place|bring|shift|add|insert|mark|flag|find|highlight|make|send|bump|strip|zap|chop|toss|tag|set|give|apply|use|throw|stick|play|retime|label|color|colour|dissolve|cross|fade|lay|stabili[sz]e|grade)\b"
    );
    let r = right.trim_start();
    !r.starts_with(|c: char| c.is_ascii_alphabetic()) || IMPERATIVE.is_match(r)
}

/// "mark it yellow", "标成红色", "用绿色": a marker verb and a colour with no target of its own.
fn only_marks_it(s: &str) -> bool {
    pattern!(
        PRONOUNS,
        r"\b(?:it|them|those|these|that|this|one|ones|in|as|with|on)\b|一下|出来|起来|来|用|色|的|它们?|这些|那些|都"
    );
    if !MARK_ADD.is_match(s) && find_color(s).is_none() {
        return false;
    }
    let rest = MARK_ADD.replace_all(s, " ");
    let rest = MARKER_NOUNS.replace_all(&rest, " ");
    let rest = strip_colors(&rest);
    let rest = PRONOUNS.replace_all(&rest, " ");
    content_words(&rest).is_empty()
}

/// "，两倍速", ", at 2x": a speed or a length with no target of its own.
fn only_parameters(s: &str) -> bool {
    pattern!(
        PARAMETERS,
        r"\d+(?:\.\d+)?\s*(?:倍速?|x\b|%|秒|帧|frames?|seconds?)|速度|speed|\bat\b|\bby\b|一下"
    );
    let rest = PARAMETERS.replace_all(s, " ");
    let rest = SPEED_FAST.replace_all(&rest, " ");
    let rest = SPEED_SLOW.replace_all(&rest, " ");
    content_words(&rest)
        .iter()
        .all(|w| w.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Why a clause asks for something CutBridge does not do, if it does.
fn unsupported(c: &str) -> Option<&'static str> {
    static ALWAYS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
        UNSUPPORTED_ALWAYS
            .iter()
            .map(|(p, why)| (re(p), *why))
            .collect()
    });
    static UNLESS_TARGET: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
        UNSUPPORTED_UNLESS_TARGET
            .iter()
            .map(|(p, why)| (re(p), *why))
            .collect()
    });
    let verb = detect_verb(c);
    // "冷色调的镜头放慢" names shots by their look; it is not colour grading.
    let picture_target = matches!(
        verb,
        Some(Verb::Delete | Verb::KeepOnly | Verb::Speed | Verb::Move | Verb::Marker)
    ) && look_in(c).is_some();
    for (p, why) in ALWAYS.iter() {
        // "mark every subtitle that says 'you know' in yellow" is a marker, not caption styling.
        let marking_lines = verb == Some(Verb::Marker) && why.starts_with("caption");
        if p.is_match(c) && !(picture_target && why.starts_with("colouring")) && !marking_lines {
            return Some(why);
        }
    }
    for (p, why) in UNLESS_TARGET.iter() {
        if let Some(m) = p.find(c) {
            // An edit verb with an unsupported object ("add music") is still unsupported; a cut
            // of a target that merely mentions such a word ("cut the music cue marker") is not.
            let added = ADDS_SOMETHING.is_match(&c[..m.start()]);
            let edit_with_target = matches!(
                verb,
                Some(Verb::Delete | Verb::KeepOnly | Verb::Speed | Verb::Move | Verb::Marker)
            );
            if added || !edit_with_target {
                return Some(why);
            }
        }
    }
    None
}

fn parse_clause(c: &str, ctx: &Context) -> Result<Step, Refusal> {
    let Some(verb) = detect_verb(c) else {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            format!(
                "no edit found in \"{c}\": CutBridge deletes, keeps only, speeds up or slows down, moves, adds dissolves and adds markers"
            ),
        ));
    };
    // "停顿太长了剪短点，两秒以上的空白都去掉": the wish goes, the clause that names a target stays.
    let stripped = VAGUE_PREFACE.replace(c.trim(), " ").trim().to_string();
    let vague = VAGUE_PREFACE.is_match(c.trim());
    if vague && (stripped.is_empty() || detect_verb(&stripped).is_none()) {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            format!("\"{c}\" does not say what to cut: name the lines, clips, pauses or time"),
        ));
    }
    let c = if stripped.is_empty() {
        c
    } else {
        stripped.as_str()
    };
    let all = ALL_WORDS.is_match(c);
    match verb {
        Verb::Transition => transition_step(c, ctx),
        Verb::KeepOnly => {
            // "除了主角的台词其他都不要", "cut everything but Maya's lines": the target is what
            // is spared.
            pattern!(
                SPARED,
                r"除了(.+?)(?:以外|之外)?[,\s]*(?:其他|其余|别的|剩下)|\b(?:everything|all) (?:but|except(?: for)?)\s+(.+)$|\ball but\s+(.+)$"
            );
            let spared = SPARED
                .captures(c)
                .and_then(|m| m.get(1).or(m.get(2)).or(m.get(3)))
                .map(|g| g.as_str().to_string());
            let phrase = match &spared {
                Some(t) => t.clone(),
                None => KEEP_ONLY.replace_all(c, " ").into_owned(),
            };
            let phrase = strip_trailing_clause(&phrase);
            let phrase = DELETE.replace_all(&phrase, " ");
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
            let phrase = SPEED_VERBS.replace_all(&phrase, " ");
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
            Ok(Step {
                action: Action::Delete,
                target,
                all,
            })
        }
    }
}

pattern!(
    SPEED_VERBS,
    r"\b(?:make|play|plays|playing|run|set|put|back|have|let|turn)\b|播放|速度|一下|做成|弄成|变成|调成|改成"
);

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
    TRANSITION_NOISE,
    r"\badd\b|\bput\b|\binsert\b|\buse\b|\bapply\b|\bbetween\b|\bcross\b|加(?:一|1)?个|加|之间|中间|交叉|的|在|an?\b|\bof\b|\bs\b"
);

fn move_step(c: &str, ctx: &Context, all: bool) -> Result<Step, Refusal> {
    static START: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^\s*(?:the\s+)?(?:very\s+)?(?:最前|最开始|最开头|一开始|开头|片头|开始|起始|start\b|beginning\b|front\b|top\b|head\b|open(?:ing)?\b)",
        )
    });
    static END: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^\s*(?:the\s+)?(?:very\s+)?(?:最后|片尾|结尾|末尾|最末|结束|end\b|ending\b|close\b|closing\b|tail\b)",
        )
    });
    static ZH_DEST: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^(?:挪到|移到|放到|搬到|调到|移动到|拖到|拿到|换到|挪至|移至|放在|提前到|提到|挪去|移去|放去|调至|搬去|挪|移|放)(.*)$",
        )
    });
    static ZH_DEST_WORD: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"最前|开头|片头|开始|起始|最后|片尾|结尾|末尾|最末|结束|后面|后边|前面|前边|之后|之前|后$|前$",
        )
    });
    // The move verb is the last one followed by a destination ("把放烟花的航拍挪到最前面": not 放).
    let zh_dest = {
        let mut best = None;
        for (at, _) in c.char_indices() {
            if let Some(m) = ZH_DEST.captures(&c[at..])
                && ZH_DEST_WORD.is_match(&m[1])
            {
                best = Some((at, m[1].to_string()));
            }
        }
        best
    };
    static EN_DEST: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^(.*?)\s+(?:so (?:that )?it (?:comes|goes|sits|plays|is)\s+|so they (?:come|go|sit|play|are)\s+)?\b(to|at|after|before|in front of|behind)\b\s+(.*)$",
        )
    });
    let (what, dest_kind, dest_phrase) = if let Some((at, dest)) = zh_dest {
        let what = c[..at].to_string();
        // "挪到片子最前面", "放到整个视频的最后": the programme named before its start or end.
        pattern!(
            PROGRAMME,
            r"^\s*(?:整个|整部|这个)?(?:片子|视频|影片|时间线|节目|成片)的?"
        );
        let dest = PROGRAMME.replace(&dest, "").into_owned();
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
        // "to right after the first clip", "to just before the sunset".
        pattern!(
            TO_RELATIVE,
            r"^(?:right |just |directly |immediately )?(after|before|behind|in front of)\s+(.*)$"
        );
        match TO_RELATIVE.captures(m[3].trim()).filter(|_| &m[2] == "to") {
            Some(r) => (what, r[1].to_string(), r[2].to_string()),
            None => (what, m[2].to_string(), m[3].to_string()),
        }
    } else {
        return Err(Refusal::new(
            RefusalKind::NotUnderstood,
            "a move needs a destination: to the start, to the end, or after/before something",
        ));
    };
    let dest_kind = match dest_kind.as_str() {
        "behind" => "after".to_string(),
        "in front of" => "before".to_string(),
        _ => dest_kind,
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod paraphrases;
