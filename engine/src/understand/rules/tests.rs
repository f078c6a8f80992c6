//! Data-driven tests: instruction → intent, in both languages. Each case is the instruction and a
//! compact rendering of the steps it must parse into.

use super::*;
use protocol::intent::TimePoint;

fn ctx() -> Context {
    Context {
        speakers: vec![
            "李秀英".into(),
            "张伟".into(),
            "记者".into(),
            "MAYA".into(),
            "JORDAN".into(),
            "Dana".into(),
        ],
        clip_names: vec![
            "01_空镜_老街清晨航拍".into(),
            "05_厨房_母子争吵".into(),
            "03 hotel room take 1".into(),
            "04 hotel room take 2".into(),
            "02 B-roll train window".into(),
            "06 B-roll Shibuya crossing".into(),
            "screen rec dashboard B-roll".into(),
            "05 ramen counter".into(),
            "09 B-roll neon night".into(),
        ],
        marker_labels: vec![
            "NG".into(),
            "false start".into(),
            "SELECT".into(),
            "待删".into(),
            "导演：这个提问不要".into(),
        ],
        ..Context::default()
    }
}

fn point(p: &TimePoint) -> String {
    match p {
        TimePoint::Start => "start".into(),
        TimePoint::End => "end".into(),
        TimePoint::Seconds { seconds } => format!("{seconds}s"),
        TimePoint::BeforeEnd { seconds } => format!("end-{seconds}s"),
        TimePoint::Timecode { timecode } => format!("tc {timecode}"),
        TimePoint::Fraction { fraction } => format!("{fraction}of"),
    }
}

fn target(t: &Target) -> String {
    match t {
        Target::Everything => "everything".into(),
        Target::Content {
            query,
            quoted,
            speaker,
        } => {
            format!(
                "{}{}{}",
                if *quoted { "quote:" } else { "says:" },
                query.trim(),
                speaker
                    .as_ref()
                    .map(|s| format!("@{s}"))
                    .unwrap_or_default()
            )
        }
        Target::Speaker { name } => format!("speaker:{name}"),
        Target::Emotion { emotion, speaker } => {
            format!(
                "emotion:{}{}",
                emotion.label(),
                speaker
                    .as_ref()
                    .map(|s| format!("@{s}"))
                    .unwrap_or_default()
            )
        }
        Target::Filler => "filler".into(),
        Target::Pauses {
            min_seconds,
            margin,
        } => format!(
            "pauses>{min_seconds}s{}",
            match margin {
                Some(Length::Frames(f)) => format!(" margin {f}f"),
                Some(Length::Seconds(s)) => format!(" margin {s}s"),
                None => String::new(),
            }
        ),
        Target::Clips { select } => match select {
            ClipSelector::All => "clips:all".into(),
            ClipSelector::Ordinals { ordinals } => format!("clips:{ordinals:?}"),
            ClipSelector::OrdinalRange { from, to } => format!("clips:{from}..{to}"),
            ClipSelector::Name { words } => format!("clip:{}", words.join(" ")),
            ClipSelector::NamedOrdinals { words, ordinals } => {
                format!("clip:{}{ordinals:?}", words.join(" "))
            }
        },
        Target::Lines { filter: f } => {
            let mut parts = Vec::new();
            if let Some(s) = &f.speaker {
                parts.push(format!("speaker={s}"));
            }
            if f.lead {
                parts.push("lead".into());
            }
            if let Some(e) = f.emotion {
                parts.push(format!("emotion={}", e.label()));
            }
            if f.filler {
                parts.push("filler".into());
            }
            if let Some(q) = &f.says {
                parts.push(format!("{}={q}", if f.quoted { "quote" } else { "says" }));
            }
            if !f.in_clips.is_empty() {
                parts.push(format!("in={}", f.in_clips.join(" ")));
            }
            if let Some(w) = &f.within {
                parts.push(format!("within={}..{}", point(&w.from), point(&w.to)));
            }
            format!("lines[{}]", parts.join(" "))
        }
        Target::Markers { color, words } => format!(
            "markers:{}{}",
            color
                .map(|c| c.otio_name().to_lowercase())
                .unwrap_or_default(),
            if words.is_empty() {
                String::new()
            } else {
                format!("[{}]", words.join(" "))
            }
        ),
        Target::TimeRange { from, to } => format!("time:{}..{}", point(from), point(to)),
        Target::Union { targets } => targets.iter().map(target).collect::<Vec<_>>().join("+"),
        Target::Picture { look } => format!("picture:{}", look.label()),
    }
}

fn action(a: &Action) -> String {
    match a {
        Action::Delete => "delete".into(),
        Action::KeepOnly => "keep".into(),
        Action::Speed { factor } => format!("speed {factor}"),
        Action::Move { to } => match to {
            Destination::Start => "move start".into(),
            Destination::End => "move end".into(),
            Destination::After { target: t } => format!("move after {}", target(t)),
            Destination::Before { target: t } => format!("move before {}", target(t)),
        },
        Action::Transition { length, placement } => format!(
            "dissolve {} {}",
            match length {
                Length::Frames(f) => format!("{f}f"),
                Length::Seconds(s) => format!("{s}s"),
            },
            if *placement == Placement::Around {
                "around"
            } else {
                "between"
            }
        ),
        Action::Marker { color } => format!("mark {}", color.otio_name().to_lowercase()),
    }
}

fn render(text: &str) -> String {
    match parse(text, &ctx()) {
        Ok(i) => i
            .steps
            .iter()
            .map(|s| format!("{} {}", action(&s.action), target(&s.target)))
            .collect::<Vec<_>>()
            .join(" ; "),
        Err(r) => format!("refused {:?}", r.kind),
    }
}

/// Every instruction of the table parses to its rendering; all differences are listed at once.
fn check_table(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got = render(text);
        if got != *want {
            failures.push(format!("{text}\n    got:  {got}\n    want: {want}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn chinese_instructions() {
    let cases = [
        ("删除所有悲伤情绪片段", "delete emotion:sad"),
        ("吵架那几句都剪掉吧", "delete emotion:angry"),
        ("把嗯啊那个这种语气词全部去掉", "delete filler"),
        ("去掉所有的嗯和啊", "delete filler"),
        ("张伟说的话全删了", "delete speaker:张伟"),
        ("只留李秀英的部分，其他都删掉", "keep speaker:李秀英"),
        ("超过两秒的停顿都删掉", "delete pauses>2s"),
        (
            "删掉超过1秒半的空白，两边各留5帧",
            "delete pauses>1.5s margin 5f",
        ),
        ("删掉第三个镜头", "delete clips:[3]"),
        ("把第一个和最后一个镜头删掉", "delete clips:[1, -1]"),
        (
            "删掉最后一个镜头，每个镜头之间加12帧溶解",
            "delete clips:[-1] ; dissolve 12f between clips:all",
        ),
        ("把厨房争吵那场戏放慢到0.5倍", "speed 0.5 clip:厨房 争吵"),
        ("导演标红的那段删掉", "delete markers:red[导演]"),
        (
            "把记者问面馆什么时候开的那句删了",
            "delete says:面馆什么时候开@记者",
        ),
        ("第三段删掉", "delete clips:[3]"),
        ("删掉倒数第二个镜头", "delete clips:[-2]"),
        ("删掉最后一个镜头", "delete clips:[-1]"),
        ("把厨房那场戏挪到最前面", "move start clip:厨房"),
        ("所有空镜加速两倍", "speed 2 clip:空镜"),
        ("前10秒剪掉", "delete time:start..10s"),
        ("最后5秒删掉", "delete time:end-5s..end"),
        (
            "把开头5秒和结尾5秒都剪掉",
            "delete time:start..5s+time:end-5s..end",
        ),
        (
            "删除01:00:20:00到01:00:35:00之间的内容",
            "delete time:tc 01:00:20:00..tc 01:00:35:00",
        ),
        ("1分20秒到1分35秒这段放慢一半", "speed 0.5 time:80s..95s"),
        ("2分钟以后的都删掉", "delete time:120s..end"),
        (
            "每个镜头之间加12帧的交叉溶解",
            "dissolve 12f between clips:all",
        ),
        (
            "第五个和第六个镜头之间加一秒叠化",
            "dissolve 1s between clips:[5, 6]",
        ),
        ("把“我不走”那句删了", "delete quote:我不走"),
        ("导演标了不要的那段删掉", "delete markers:[不要 导演]"),
        (
            "张伟说他没赶上见父亲最后一面的那句拿掉",
            "delete says:没赶上见父亲最后一面@张伟",
        ),
        ("开心的句子都打上绿色标记", "mark green emotion:happy"),
        ("给记者提问的地方加蓝色标记", "mark blue speaker:记者"),
        ("第二到第四个镜头加速1.5倍", "speed 1.5 clips:2..4"),
        ("只保留前一分钟", "keep time:start..60s"),
        (
            "先把语气词都删掉，再在每个镜头之间加8帧溶解",
            "delete filler ; dissolve 8f between clips:all",
        ),
        (
            "把吵架的部分删掉，然后把最后一个镜头移到开头",
            "delete emotion:angry ; move start clips:[-1]",
        ),
        (
            "删掉所有悲伤的句子，再把开心的句子标成黄色",
            "delete emotion:sad ; mark yellow emotion:happy",
        ),
        ("把画面整体调成暖色调", "refused Unsupported"),
        ("删掉黑屏的部分", "delete picture:black"),
        ("冷色调的镜头放慢", "speed 0.5 picture:cold"),
        ("加点背景音乐", "refused Unsupported"),
        ("删掉王建国说的所有话", "delete speaker:王建国"),
        ("把第二个镜头移到最后", "move end clips:[2]"),
        (
            "把第二个镜头放到第四个镜头后面",
            "move after clips:[4] clips:[2]",
        ),
        ("你好", "refused NotUnderstood"),
    ];
    check_table(&cases);
}

#[test]
fn english_instructions() {
    let cases = [
        (
            "cut all the filler, the ums, uhs and you knows",
            "delete filler",
        ),
        (
            "cut the lines where Maya gets sad",
            "delete emotion:sad@MAYA",
        ),
        ("delete everything Jordan says", "delete speaker:JORDAN"),
        ("keep only Maya's lines", "keep speaker:MAYA"),
        ("take out all of Dana's lines", "delete speaker:Dana"),
        ("remove take 1", "delete clip:take 1"),
        (
            "cut any silence longer than a second but leave 6 frames either side",
            "delete pauses>1s margin 6f",
        ),
        (
            "remove pauses longer than 1.5 seconds",
            "delete pauses>1.5s",
        ),
        ("speed up the argument 2x", "speed 2 emotion:angry"),
        ("make the argument twice as fast", "speed 2 emotion:angry"),
        (
            "slow-mo the Shibuya crossing shot",
            "speed 0.5 clip:shibuya crossing",
        ),
        ("put the ramen scene at the very end", "move end clip:ramen"),
        (
            "move the train b-roll so it comes after take 2",
            "move after clip:take 2 clip:train roll",
        ),
        (
            "add a half-second dissolve between every clip",
            "dissolve 0.5s between clips:all",
        ),
        (
            "10 frame cross dissolve in and out of the neon shot",
            "dissolve 10f around clip:neon",
        ),
        (
            "put a green marker on every happy line",
            "mark green emotion:happy",
        ),
        // An unknown speaker stays a constraint (and matches nothing), never dropped.
        ("mark Raj's sad lines in blue", "mark blue emotion:sad@raj"),
        ("trim off the first 20 seconds", "delete time:start..20s"),
        ("lose the last 10 seconds", "delete time:end-10s..end"),
        (
            "delete from 00:01:12:00 to 00:01:20:00",
            "delete time:tc 00:01:12:00..tc 00:01:20:00",
        ),
        (
            "cut 01:01:30:00 to 01:01:45:00",
            "delete time:tc 01:01:30:00..tc 01:01:45:00",
        ),
        (
            "only keep the part between 1:05 and 2:10",
            "keep time:65s..130s",
        ),
        ("remove everything after 2:00", "delete time:120s..end"),
        (
            "remove the line where Jordan says the room is small",
            "delete says:the room is small@JORDAN",
        ),
        (
            "cut the filler words and then speed up the b-roll 1.5x",
            "delete filler ; speed 1.5 clip:roll",
        ),
        ("delete all the NG takes", "delete markers:[ng]"),
        ("keep only the selects", "keep markers:[selects]"),
        (
            "cut the section whose marker says false start",
            "delete markers:[false start]",
        ),
        ("delete the orange markers", "delete markers:orange"),
        ("drop the screen recording", "delete clip:screen recording"),
        (
            "speed up the dashboard b-roll by 50%",
            "speed 1.5 clip:dashboard roll",
        ),
        (
            "15 frame dissolves between all the shots",
            "dissolve 15f between clips:all",
        ),
        (
            "12 frame dissolves between the harbour shots",
            "dissolve 12f between clip:harbour",
        ),
        (
            "add a 12-frame dissolve between every shot",
            "dissolve 12f between clips:all",
        ),
        (
            "a 2-second cross-fade between all clips",
            "dissolve 2s between clips:all",
        ),
        ("delete the 2nd and 3rd clips", "delete clips:[2, 3]"),
        (
            "slow the last clip down to half speed",
            "speed 0.5 clips:[-1]",
        ),
        (
            "cut the NGs, then cross-dissolve 10 frames between every clip",
            "delete markers:[ngs] ; dissolve 10f between clips:all",
        ),
        ("delete the second to last shot", "delete clips:[-2]"),
        ("delete the opening shot", "delete clips:[1]"),
        ("slow down the final clip", "speed 0.5 clips:[-1]"),
        (
            "cut Maya's line 'let me start again'",
            "delete quote:let me start again@MAYA",
        ),
        (
            "remove the line \"that is a total lie\"",
            "delete quote:that is a total lie",
        ),
        ("delete shots 2 through 4", "delete clips:2..4"),
        (
            "remove the last clip and add 10 frame dissolves between the rest",
            "delete clips:[-1] ; dissolve 10f between clips:all",
        ),
        (
            "delete the 2nd and 3rd clips, and slow down the last one",
            "delete clips:[2, 3] ; speed 0.5 clips:[-1]",
        ),
        (
            "speed up clips three to five by 50%",
            "speed 1.5 clips:3..5",
        ),
        (
            "get rid of every pause over two seconds",
            "delete pauses>2s",
        ),
        (
            "put a cross dissolve between the train b-roll and hotel take 1",
            "dissolve 1s between clip:train b roll+clip:hotel take 1",
        ),
        ("make it pop more", "refused Unsupported"),
        ("cut the dark shots", "delete picture:dark"),
        ("speed up the warm-toned clips", "speed 2 picture:warm"),
        ("make the image warmer", "refused Unsupported"),
        (
            "add some background music under the intro",
            "refused Unsupported",
        ),
        ("color grade the interview", "refused Unsupported"),
        (
            "delete everything the tour guide says",
            "delete speaker:tour guide",
        ),
    ];
    check_table(&cases);
}

#[test]
fn all_flag_follows_the_words() {
    let i = parse("张伟说的话全删了", &ctx()).unwrap();
    assert!(i.steps[0].all);
    let i = parse("cut the lines where Maya gets sad", &ctx()).unwrap();
    assert!(!i.steps[0].all);
}

/// Constraints combine and are never dropped: speaker AND emotion AND clip scope AND span.
#[test]
fn constraints_combine() {
    let cases = [
        (
            "张伟在厨房里生气的话删掉",
            "delete lines[speaker=张伟 emotion=angry in=厨房]",
        ),
        (
            "把厨房里张伟发火的那几句去掉",
            "delete lines[speaker=张伟 emotion=angry in=厨房]",
        ),
        (
            "嗯张伟在厨房生气说的那些都不要了",
            "delete lines[speaker=张伟 emotion=angry in=厨房]",
        ),
        (
            "cut Maya's angry lines in the hotel room shots",
            "delete lines[speaker=MAYA emotion=angry in=hotel room]",
        ),
        (
            "in the hotel room takes remove everything maya says when she's mad",
            "delete lines[speaker=MAYA emotion=angry in=hotel room takes]",
        ),
        (
            "Dana's lines in the first minute, delete them",
            "delete lines[speaker=Dana within=start..60s]",
        ),
        (
            "delete whatever Jordan says after 2:10",
            "delete lines[speaker=JORDAN within=130s..end]",
        ),
        (
            "前一分钟里李秀英说的话都删掉",
            "delete lines[speaker=李秀英 within=start..60s]",
        ),
        (
            "两分钟以后张伟说的话全部去掉",
            "delete lines[speaker=张伟 within=120s..end]",
        ),
        (
            "remove the filler in the first half minute",
            "delete lines[filler within=start..30s]",
        ),
        (
            "开头三十秒里的语气词删掉",
            "delete lines[filler within=start..30s]",
        ),
        (
            "mark the host's happy lines in green",
            "mark green lines[lead emotion=happy]",
        ),
        ("主角说的话全删了", "delete lines[lead]"),
        ("只保留女主角的台词", "keep lines[lead]"),
        ("keep only the lead's lines", "keep lines[lead]"),
        (
            "女主角开心的句子标成粉色",
            "mark pink lines[lead emotion=happy]",
        ),
        (
            "只保留李秀英和张伟说话的部分",
            "keep speaker:李秀英+speaker:张伟",
        ),
        // A place no clip is called stays a constraint: it matches nothing rather than widening.
        (
            "王芳在书房哭的那几句删掉",
            "delete lines[emotion=sad says=王芳 书房]",
        ),
    ];
    check_table(&cases);
}

/// Positions, ranges and lists of clips, and positions among clips so named.
#[test]
fn clip_sets() {
    let cases = [
        ("delete shots 5 through 7", "delete clips:5..7"),
        ("第3到第5个镜头删掉", "delete clips:3..5"),
        ("把第三个到第五个镜头都去掉", "delete clips:3..5"),
        ("clips 9 and 10 at 1.5x", "speed 1.5 clips:[9, 10]"),
        ("speed up shots 2, 4 and 6", "speed 2 clips:[2, 4, 6]"),
        ("kill the last two clips", "delete clips:-2..-1"),
        ("最后两个镜头不要了", "delete clips:-2..-1"),
        (
            "slow the second b-roll shot to half speed",
            "speed 0.5 clip:roll[2]",
        ),
        (
            "move the last b-roll to the start",
            "move start clip:roll[-1]",
        ),
        ("最后一个空镜删掉", "delete clip:空镜[-1]"),
        ("第一个空镜加速两倍", "speed 2 clip:空镜[1]"),
        (
            "1 second cross dissolve between clips 3 and 4",
            "dissolve 1s between clips:[3, 4]",
        ),
        ("ditch take 1", "delete clip:take 1"),
        ("make take 2 play at 1.25x", "speed 1.25 clip:take 2"),
    ];
    check_table(&cases);
}

/// Editors' verbs and slang in both languages, and spoken input with fillers and politeness.
#[test]
fn verbs_slang_and_speech() {
    let cases = [
        ("语气词全部干掉", "delete filler"),
        ("把语气词都砍了", "delete filler"),
        ("那些语气词拿掉", "delete filler"),
        ("nuke the filler", "delete filler"),
        ("pull the ums and uhs", "delete filler"),
        ("strip out every um", "delete filler"),
        ("lose the third clip", "delete clips:[3]"),
        ("ripple out the NG", "delete markers:[ng]"),
        ("快放第二个镜头", "speed 2 clips:[2]"),
        ("第二个镜头快放一下", "speed 2 clips:[2]"),
        ("第二个镜头慢放", "speed 0.5 clips:[2]"),
        ("slow-mo the last clip", "speed 0.5 clips:[-1]"),
        ("the last clip, slow it down", "speed 0.5 clips:[-1]"),
        ("把最后一个镜头提前到开头", "move start clips:[-1]"),
        ("最后一个镜头挪到最前面", "move start clips:[-1]"),
        (
            "bump the last clip up to the front",
            "move start clips:[-1]",
        ),
        ("开心的地方标一下,用绿色", "mark green emotion:happy"),
        ("找出所有语气词,标成红色", "mark red filler"),
        ("flag every filler word in red", "mark red filler"),
        (
            "drop a green marker on every happy moment",
            "mark green emotion:happy",
        ),
        (
            "find where Maya talks about the train and mark it yellow",
            "mark yellow says:the train@MAYA",
        ),
        // Spoken: fillers, politeness, no punctuation, numbers in words.
        ("嗯那个帮我把第三个镜头删了吧谢谢", "delete clips:[3]"),
        ("那个你帮我把前三十秒剪掉吧", "delete time:start..30s"),
        ("呃就是张伟说的话都不要了麻烦了", "delete speaker:张伟"),
        ("嗯只保留最后1分半", "keep time:end-90s..end"),
        ("啊那个第十个镜头慢放一下谢谢", "speed 0.5 clips:[10]"),
        ("uh can you like delete the second clip", "delete clips:[2]"),
        (
            "um could you cut the first thirty seconds please",
            "delete time:start..30s",
        ),
        (
            "so yeah just lose everything jordan says thanks",
            "delete speaker:JORDAN",
        ),
        (
            "okay um slow down the last clip to half speed thank you",
            "speed 0.5 clips:[-1]",
        ),
        (
            "hey can you get rid of the pauses longer than two seconds",
            "delete pauses>2s",
        ),
        ("删掉第３个镜头", "delete clips:[3]"),
        (
            "tighten it up, remove every pause over 2 seconds",
            "delete pauses>2s",
        ),
        ("停顿太长了剪短点,两秒以上的空白都去掉", "delete pauses>2s"),
        ("tighten it up", "refused NotUnderstood"),
        ("这段怎么样", "refused NotUnderstood"),
    ];
    check_table(&cases);
}

/// An edit CutBridge does not make refuses the whole instruction, even beside supported steps;
/// a word like "cut" or "剪" inside it never turns it into a delete.
#[test]
fn unsupported_edits_refuse_everything() {
    let cases = [
        "誓词那段给我做个J-cut",
        "敬酒两个镜头之间做个L-cut",
        "J-cut the tasting scene so we hear her before we see her",
        "L-cut the answer",
        "give the interview a split edit",
        "add an audio crossfade between the last two clips",
        "crossfade the audio between shots 3 and 4",
        "先把语气词删了再加一首浪漫的背景音乐",
        "delete the filler then lay some music under the intro",
        "cut the third clip and color grade the rest warmer",
        "航拍有点抖，帮我防抖一下",
        "stabilize the wide shots",
        "字幕换成白色描边的字体",
        "make the captions bigger and yellow",
        "画面调得温馨一点，偏暖色调",
        "make it pop",
        "删掉第三个镜头，然后加个标题",
    ];
    let mut wrong = Vec::new();
    for text in cases {
        match parse(text, &ctx()) {
            Err(r) if r.kind == RefusalKind::Unsupported => {}
            other => wrong.push(format!("{text}: {other:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "not refused as unsupported:\n{}",
        wrong.join("\n")
    );
    // A target that merely names such a thing is still an edit.
    assert_eq!(
        render("cut the music cue marker"),
        "delete markers:[music cue]"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Pieces editors' instructions are made of, mixed at random.
    const PIECES: &[&str] = &[
        "删掉",
        "把",
        "第",
        "三",
        "个",
        "镜头",
        "和",
        "然后",
        "再",
        "张伟",
        "说的",
        "话",
        "开心",
        "的",
        "前",
        "10",
        "秒",
        "之间",
        "加",
        "溶解",
        "标成",
        "红色",
        "只保留",
        "挪到",
        "最后",
        "“",
        "”",
        "delete",
        "the",
        "second",
        "clip",
        "and",
        "then",
        "Maya's",
        "lines",
        "in",
        "hotel",
        "room",
        "first",
        "minute",
        "after",
        "2:10",
        "01:00:20:00",
        "to",
        "speed",
        "up",
        "2x",
        "slow",
        "mark",
        "green",
        "keep",
        "only",
        "b-roll",
        "take",
        "1",
        "uh",
        "um",
        "please",
        "'",
        "\"",
        ",",
        ".",
        "，",
        "。",
        "！",
        "?",
        "-",
        " ",
        "１２",
        "半",
        "分钟",
        "J-cut",
        "crossfade",
        "music",
        "每",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Any mix of instruction pieces parses to an intent or a refusal, never a panic.
        #[test]
        fn random_instructions_never_panic(idx in proptest::collection::vec(0..PIECES.len(), 0..24)) {
            let text: String = idx.iter().map(|i| PIECES[*i]).collect::<Vec<_>>().join(" ");
            let _ = parse(&text, &ctx());
            let glued: String = idx.iter().map(|i| PIECES[*i]).collect();
            let _ = parse(&glued, &ctx());
        }

        /// Arbitrary text, too.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
            let _ = parse(&text, &ctx());
        }

        /// An unsupported edit anywhere refuses the whole instruction: nothing is deleted on the
        /// way to it.
        #[test]
        fn an_unsupported_step_refuses_everything(
            before in proptest::sample::select(vec!["删掉第三个镜头", "delete the filler", "cut the first 10 seconds", "把语气词删了"]),
            bad in proptest::sample::select(vec!["做个J-cut", "add an L-cut to the answer", "加一段背景音乐", "add an audio crossfade", "调个色", "stabilize it"]),
            join in proptest::sample::select(vec![", then ", "，然后", " and then ", "，再"]),
        ) {
            for text in [format!("{before}{join}{bad}"), format!("{bad}{join}{before}")] {
                let r = parse(&text, &ctx());
                prop_assert!(matches!(&r, Err(e) if e.kind == RefusalKind::Unsupported), "{text}: {r:?}");
            }
        }
    }
}
