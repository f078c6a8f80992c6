//! Time in an instruction: spans (前10秒, the last 5 seconds, from 1:20 to 1:35, timecodes, after
//! 2:10), durations and margins (pauses over 2 seconds, leave 8 frames), transition lengths and
//! speed factors.

use std::sync::LazyLock;

use protocol::intent::{Length, Target, TimePoint};
use regex::Regex;

use super::vocab::{SPEED_SLOW, pattern, re};

// Time.
pattern!(pub(super) TIMECODE, r"(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2})");
pattern!(
    pub(super) TIME_SPAN,
    r"(?:从|from\s+|between\s+)?(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}|\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:分钟|分|min(?:ute)?s?\b)\s*(?:\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b)?)?|\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))\s*(?:到|至|~|-|–|\bto\b|\buntil\b|\bthrough\b|\band\b)\s*(?:第)?(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}|\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:分钟|分|min(?:ute)?s?\b)\s*(?:\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b)?)?|\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))"
);
const POINT: &str = r"(\d{1,2}[:;]\d{2}[:;]\d{2}[:;.]\d{2}|\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:分钟|分|min(?:ute)?s?\b)\s*(?:\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b)?)?|\d+(?:\.\d+)?\s*(?:秒|s(?:ec(?:ond)?s?)?\b))";
pub(super) static OPEN_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:after|past|from)\s+(?:the\s+)?{POINT}(?:\s*mark)?\s*(?:on(?:wards?)?\b|to the end\b|until the end\b)|从\s*{POINT}\s*(?:开始|起|以后|之后|往后|到(?:最后|结尾|片尾|结束))|\b(?:after|past)\s+(?:the\s+)?{POINT}(?:\s*mark\b)?|{POINT}\s*(?:之后|以后|往后)"
    ))
});
pub(super) static OPEN_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:before|until|up to|till)\s+(?:the\s+)?{POINT}(?:\s*mark\b)?|{POINT}\s*(?:之前|以前)"
    ))
});
pattern!(
    pub(super) SAME_UNIT_SPAN,
    r"(?:第|from\s+|between\s+)?(\d+(?:\.\d+)?)\s*(?:到|至|~|-|–|\bto\b|\band\b|\bthrough\b)\s*第?(\d+(?:\.\d+)?)\s*(秒|分钟|seconds?|secs?|s\b|minutes?|mins?)"
);
pattern!(
    pub(super) HEAD_ZH,
    r"(?:(?:开头|开始|片头|头)的?\s*(?:前(?:面|边|头)?的?\s*)?|前(?:面|边|头)?的?\s*)(\d+(?:\.\d+)?)\s*(秒|分钟|分)"
);
pattern!(
    pub(super) TAIL_ZH,
    r"(?:(?:最后|末尾|结尾|片尾)的?\s*(?:最后|后)?(?:面|边|头)?的?|(?:最后|后)(?:面|边|头)?的?)\s*(\d+(?:\.\d+)?)\s*(秒|分钟|分)"
);
pattern!(
    pub(super) HEAD_EN,
    r"\b(?:first|opening|initial)\s+(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty|sixty|ninety|half a)?\s*(seconds?|secs?|s|minutes?|mins?)\b"
);
pattern!(
    pub(super) TAIL_EN,
    r"\b(?:last|final|closing)\s+(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|fifty|sixty|ninety|half a)?\s*(seconds?|secs?|s|minutes?|mins?)\b"
);

// Pauses.
pattern!(
    pub(super) PAUSE_WORD,
    r"停顿|空白|沉默|静音|没有声音|没(?:有)?人?(?:说话|讲话|出声)|无声|气口|空档|冷场|pauses?|silences?|silent|dead air|gaps?|quiet (?:parts?|bits?|stretches|moments?)|no talk|nobody (?:is )?(?:talking|speaking)|no one (?:is )?(?:talking|speaking)|lulls?"
);
pattern!(
    pub(super) DURATION,
    r"(\d+(?:\.\d+)?)[\s-]*(秒|帧|分钟|seconds?|secs?|s\b|frames?|f\b|minutes?)|(half a second|half-second|half second|a second and a half|a second|one second|a minute|one minute)"
);
pattern!(
    pub(super) MARGIN,
    r"(?:留|保留|剩|leave|leaving|keep|keeping|with|but)\s*(?:下|出|个|各)?\s*(\d+(?:\.\d+)?)[\s-]*(秒|帧|seconds?|secs?|s\b|frames?|f\b)|(?:两边|两头|前后|每边|各)\s*(?:各|都)?\s*(?:留|保留)\s*(\d+(?:\.\d+)?)\s*(秒|帧)"
);

pub(super) fn en_number(w: &str) -> Option<f64> {
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

pub(super) fn speed_factor(c: &str) -> f64 {
    static X: LazyLock<Regex> =
        LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s*(?:倍|x\b)|\bx\s*(\d+(?:\.\d+)?)\b"));
    static PCT_BY: LazyLock<Regex> = LazyLock::new(|| re(r"by\s+(\d+(?:\.\d+)?)\s*%"));
    static PCT: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+(?:\.\d+)?)\s*%"));
    static TIMES: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(two|three|four|\d+(?:\.\d+)?)\s+times\b"));
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
    if c.contains("triple") || c.contains("三倍速") {
        return if slow { 1.0 / 3.0 } else { 3.0 };
    }
    if c.contains("quadruple") {
        return if slow { 0.25 } else { 4.0 };
    }
    if c.contains("twice") || c.contains("double") {
        return 2.0;
    }
    if slow { 0.5 } else { 2.0 }
}

pattern!(pub(super) HALF, r"\bhalf\b");

pub(super) fn length_in(c: &str) -> Option<Length> {
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

pub(super) fn parse_time_point(s: &str) -> Option<TimePoint> {
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
            r"^(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min(?:ute)?s?))?\s*(?:(\d+(?:\.\d+)?)\s*(?:秒|s(?:ec(?:ond)?s?)?)?)?$",
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

pub(super) fn time_target(p: &str) -> Option<Target> {
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

pub(super) fn pause_target(p: &str) -> Option<Target> {
    if !PAUSE_WORD.is_match(p) {
        return None;
    }
    let margin = MARGIN.captures(p).and_then(|m| {
        let (n, unit) = match (m.get(1).or(m.get(3)), m.get(2).or(m.get(4))) {
            (Some(n), Some(u)) => (n.as_str(), u.as_str()),
            _ => return None,
        };
        let n: f64 = n.parse().ok()?;
        Some(if unit.starts_with('帧') || unit.starts_with('f') {
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

pub(super) fn en_small_number(s: &str) -> Option<i64> {
    en_number(s).map(|f| f as i64)
}

pattern!(
    /// "第一分钟" / "the second minute": the minute counted from the start.
    NTH_MINUTE,
    r"第\s*(\d+)\s*分钟|\b(first|second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+minute\b(?:\s+mark)?"
);
pattern!(
    /// "after the first minute", "第一分钟以后": from there to the end.
    AFTER_FIRST,
    r"\bafter the (?:first|opening)\s+(\d+(?:\.\d+)?)?\s*(seconds?|minutes?)\b|(?:前|第)\s*(\d+(?:\.\d+)?)\s*(秒|分钟)\s*(?:以后|之后|往后)"
);

fn nth_minute(m: &str) -> Option<Target> {
    let c = NTH_MINUTE.captures(m)?;
    let n: f64 = if let Some(d) = c.get(1) {
        d.as_str().parse().ok()?
    } else {
        let w = c.get(2)?.as_str();
        match w {
            "first" => 1.0,
            "second" => 2.0,
            "third" => 3.0,
            "fourth" => 4.0,
            "fifth" => 5.0,
            _ => w.trim_end_matches(char::is_alphabetic).parse().ok()?,
        }
    };
    (n >= 1.0).then_some(Target::TimeRange {
        from: if n == 1.0 {
            TimePoint::Start
        } else {
            TimePoint::Seconds {
                seconds: (n - 1.0) * 60.0,
            }
        },
        to: TimePoint::Seconds { seconds: n * 60.0 },
    })
}

fn after_first(m: &str) -> Option<Target> {
    let c = AFTER_FIRST.captures(m)?;
    let n: f64 = c
        .get(1)
        .or(c.get(3))
        .map_or(Some(1.0), |d| d.as_str().parse().ok())?;
    let unit = c.get(2).or(c.get(4))?.as_str();
    let seconds = if unit.starts_with("min") || unit.starts_with('分') {
        n * 60.0
    } else {
        n
    };
    Some(Target::TimeRange {
        from: TimePoint::Seconds { seconds },
        to: TimePoint::End,
    })
}

pattern!(
    /// "前半段", "后半部分", "the second half": half of the timeline.
    HALVES,
    r"(前|后|上|下)半(?:段|部分|部|场|截)|\bthe (first|second|last|latter|back) half\b"
);

fn halves(m: &str) -> Option<Target> {
    let c = HALVES.captures(m)?;
    let first = matches!(c.get(1).or(c.get(2))?.as_str(), "前" | "上" | "first");
    let mid = TimePoint::Fraction { fraction: 0.5 };
    Some(if first {
        Target::TimeRange {
            from: TimePoint::Start,
            to: mid,
        }
    } else {
        Target::TimeRange {
            from: mid,
            to: TimePoint::End,
        }
    })
}

/// Every span of time the phrase names ("开头5秒和结尾5秒" is two), and the phrase without them.
pub(super) fn extract_spans(p: &str) -> (Vec<Target>, String) {
    let finders: [&LazyLock<Regex>; 8] = [
        &TIME_SPAN,
        &SAME_UNIT_SPAN,
        &OPEN_AFTER,
        &OPEN_BEFORE,
        &HEAD_ZH,
        &TAIL_ZH,
        &HEAD_EN,
        &TAIL_EN,
    ];
    let mut rest = p.to_string();
    let mut spans = Vec::new();
    for (finder, read) in [
        (&AFTER_FIRST, after_first as fn(&str) -> Option<Target>),
        (&NTH_MINUTE, nth_minute),
        (&HALVES, halves),
    ] {
        if let Some(m) = finder.find(&rest)
            && let Some(t) = read(m.as_str())
        {
            spans.push(t);
            rest.replace_range(m.range(), " ");
        }
    }
    'outer: for _ in 0..4 {
        for f in finders {
            if let Some(m) = f.find(&rest)
                && let Some(t) = time_target(m.as_str())
            {
                spans.push(t);
                rest.replace_range(m.range(), " ");
                continue 'outer;
            }
        }
        break;
    }
    (spans, rest)
}
