//! Data-driven tests: instruction → intent, in both languages. Each case is the instruction and a
//! compact rendering of the steps it must parse into.

use super::*;

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
    }
}

fn point(p: &TimePoint) -> String {
    match p {
        TimePoint::Start => "start".into(),
        TimePoint::End => "end".into(),
        TimePoint::Seconds { seconds } => format!("{seconds}s"),
        TimePoint::BeforeEnd { seconds } => format!("end-{seconds}s"),
        TimePoint::Timecode { timecode } => format!("tc {timecode}"),
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
        },
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
        ("把厨房争吵那场戏放慢到0.5倍", "speed 0.5 clip:厨房"),
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
            "move after clip:take 2 clip:train b roll",
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
        ("mark Raj's sad lines in blue", "mark blue emotion:sad"),
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
            "delete filler ; speed 1.5 clip:b roll",
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
            "speed 1.5 clip:dashboard b roll",
        ),
        (
            "15 frame dissolves between all the shots",
            "dissolve 15f between clips:all",
        ),
        (
            "12 frame dissolves between the harbour shots",
            "dissolve 12f between says:harbour",
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
