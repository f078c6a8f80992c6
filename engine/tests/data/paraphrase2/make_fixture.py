#!/usr/bin/env python3
"""Write the second paraphrase fixture: fixture.otio and fixture.srt beside this script.

A bilingual startup product-launch film ("潮汐科技 WaveCup 发布 / WaveCup Launch Day"), 14 shots,
180 s, 30 fps, starting at 01:00:00:00 (frame 108000). It follows the input conventions of
shared/eval/SPEC.md, like ../paraphrase/make_fixture.py: a video track V1 and an audio track A1
whose clips mirror it (same names, media and source ranges), every clip an ExternalReference with
handles (available_range wider than source_range), markers on V1 (on the track and on one clip)
with a color, a name and a comment, and an SRT timed from the first frame whose lines start with a
speaker label (`林晓：`, `赵磊：`, `MAYA: `, `TOM: `, `RAJ: `).

It is a second, independent set written to measure how far the parser generalises: another kind
of programme, other speakers, other people's phrasing. paraphrases.tsv beside this script lists
instructions and the outcome each must produce on it. Every clip boundary and subtitle time is a
whole number of frames (multiples of 0.2 s = 6 frames), so the expected ranges are exact.

Only the standard library is used, so the files are byte-for-byte reproducible:

    python3 engine/tests/data/paraphrase2/make_fixture.py

Record layout (seconds from the first frame):

    C1    0-14   A01_林晓_开场             L1-L3
    C2   14-22   drone_coast               L4
    C3   22-32   b-roll office 1           L5-L7
    C4   32-48   04_采访_工程部            L8-L11
    C5   48-60   05 product demo take 1    L12-L14   RED NG marker 50.0-55.2 (over L13's flub)
    C6   60-76   06 product demo take 2    L15-L17
    C7   76-90   cam B wide                L18-L20
    C8   90-100  b-roll office 2           L21-L22
    C9  100-118  09_测试_海边              L23-L27
    C10 118-126  b-roll waves              L28-L29   YELLOW 备注 point marker at 121.0 (这个镜头有点晃)
    C11 126-144  11_发布会_现场            L30-L33   GREEN SELECT point marker (clip marker, 136.0)
    C12 144-154  cam B close-up            L34-L35   BLUE chapter marker 126-154 (C11 + C12)
    C13 154-160  drone_city_night          (no lines)
    C14 160-180  14_团队合影_结尾          L36-L40

Shared name words: b-roll (C3, C8, C10), office (C3, C8), product demo / take (C5, C6), cam B
(C7, C12), drone (C2, C13). A speaker's name is in one clip name (C1, 林晓). C5 and C6 are two
takes of the same demo: L14 and L15 say the same thing, L13 is the flubbed attempt.

Speakers (lines): 林晓 12 (the lead), MAYA 9, 赵磊 8, RAJ 6, TOM 5.

Intended emotions (SRT line numbers):
    sad:     L10, L21, L22, L36, L37   (L10, L21, L37 without an obvious sad keyword)
    angry:   L8, L9, L19, L28          (L9, L19 without an obvious angry keyword)
    happy:   L17, L24, L32, L34, L35   (L24, L35 without a keyword; L34 says "cried" but is happy)
    tense:   L18, L23, L30, L31        (L18, L30 without an obvious tense keyword)
    filler:  L5 (嗯……), L11 (那个……), L12 (Um...), L20 (Uh, you know...), L25 (Like... er...)
    neutral lines that only mention an emotion word: L7 (痛苦), L16 ("Happy Blue"),
             L26 ("angry red light"), L27 ("You know, like," but not filler-only)

Gaps between lines (seconds): longer than 2 s: 12.6-16.0, 20.2-22.6, 29.8-32.6, 46.2-49.0,
74.0-77.2, 88.4-90.8, 98.0-100.8, 117.4-120.2, 142.4-144.6, 153.2-161.0; of those, longer than
3 s: 12.6-16.0, 74.0-77.2 and 153.2-161.0; longer than 2.5 s: those three and 29.8-32.6,
46.2-49.0, 98.0-100.8, 117.4-120.2; longer than 4 s (or 5 s): 153.2-161.0 only. Gaps of 1-2 s:
59.4-61.2, 125.6-126.8, 178.6-180.0 (the tail), and 149.2-150.2 is exactly 1.0 s. All other gaps
are 0.4 s, the first one (before L1) 0-0.8. No line straddles 30, 45, 60, 90, 100, 120 or 150 s.

paraphrases.tsv (lang, action, target, instruction, expect, status) uses the notation of
../paraphrase/make_fixture.py: `expect` is the outcome as steps joined with ` ; `, each
`ACTION WHAT`: ACTION is delete, keep (keep only), `speed F`, `move to start|end|S` (S = record
second of the original timeline the range goes to), `mark COLOR` or `dissolve Nf cuts K,...`
(N frames at 30 fps, 30f where no length is said; K = the cut right after V1 clip K); WHAT lists
L<n> (SRT line n), C<n> (V1 clip n) and T<a>-<b> (record seconds from the first frame) in
timeline order. In a later step C<n> counts the clips as the earlier steps left them, while L<n>
always names the original SRT line. `refused KIND` is an exit 2, with KIND one of unsupported,
not_understood, no_match, ambiguous, too_much. `action` is the first step's action (or
unsupported / unclear), `target` the first step's kind of target: content (a paraphrase, in the
language of the line), quote, speaker, lead, emotion, filler, pauses, clip-ordinal, clip-set,
clip-name, marker, time, combined (several constraints at once), or none. `status` was `ok` for
every row as written: each instruction has one reasonable reading on this fixture. After the
first run against the parser, two rows became `gap` (a paraphrase it cannot find: it must be
refused) and five `near` (rows that hang on reading L24, "Oh wow … Can I keep it?", as joy where
the lexicon reads surprise: the outcome may differ by that one line).
"""

import os
import sys

# The shared writers live beside the bundled sample (examples/otio_sample.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "examples"))
from otio_sample import Sample  # noqa: E402

RATE = 30.0
START = 108000  # 01:00:00:00 at 30 fps
MEDIA_ROOT = "file:///Volumes/TideLab/launch_film/media/"

# name, media file, media start (its own timecode, frames), media length, first frame used, length
CLIPS = [
    ("A01_林晓_开场", "A001_C003_linxiao_intro.mov", 108000, 900, 108120, 420),
    ("drone_coast", "DJI_0042_coast.mp4", 0, 1200, 300, 240),
    ("b-roll office 1", "BR_office_01.mov", 0, 900, 150, 300),
    ("04_采访_工程部", "A002_C011_zhaolei_iv.mov", 111600, 9000, 112500, 480),
    ("05 product demo take 1", "B001_C001_demo_t1.mov", 120000, 1800, 120300, 360),
    ("06 product demo take 2", "B001_C002_demo_t2.mov", 122000, 1800, 122240, 480),
    ("cam B wide", "B003_C007_wide.mov", 126000, 3000, 126600, 420),
    ("b-roll office 2", "BR_office_02.mov", 0, 600, 90, 300),
    ("09_测试_海边", "A003_C020_beach_test.mov", 133200, 6000, 134000, 540),
    ("b-roll waves", "BR_waves_03.mov", 0, 900, 200, 240),
    ("11_发布会_现场", "A004_C031_launch.mov", 140400, 9000, 141600, 540),
    ("cam B close-up", "B004_C032_closeup.mov", 141000, 3000, 141300, 300),
    ("drone_city_night", "DJI_0088_city_night.mp4", 0, 900, 240, 180),
    ("14_团队合影_结尾", "A005_C040_team_photo.mov", 144000, 3000, 144300, 600),
]

# color, name, comment, start (record frame from the timeline start), duration
TRACK_MARKERS = [
    ("RED", "NG", "MAYA 说错了 cap on wrong, use take 2", 1500, 156),  # 50.0-55.2 s, in C5
    ("YELLOW", "备注", "这个镜头有点晃，考虑换掉", 3630, 0),  # 121.0 s, in C10
    ("BLUE", "CHAPTER 3", "第三章 发布会 / launch day", 3780, 840),  # 126-154 s = C11 + C12
]

# On clip 11 (index 10), in the clip's source (media) time: record 136.0 s = 10 s into the clip.
CLIP_MARKER_INDEX = 10
CLIP_MARKER = ("GREEN", "SELECT", "best reaction, use in the trailer", 141600 + 300, 0)

# start and end in seconds from the first frame, text with its speaker label
SUBTITLES = [
    (0.8, 5.0, "林晓：大家好，我是林晓，潮汐科技的创始人。"),
    (5.4, 10.4, "林晓：三年前我们只有一个想法，让每个人随时随地都能喝上干净的水。"),
    (10.8, 12.6, "赵磊：这个想法当时没几个人看好。"),
    (16.0, 20.2, "林晓：这片海，就是我们第一次做测试的地方。"),
    (22.6, 23.6, "赵磊：嗯……"),
    (24.0, 26.6, "赵磊：那时候我们五个人挤在一间十平米的屋子里。"),
    (27.0, 29.8, "林晓：很多人问我创业痛不痛苦，我觉得这个问题挺有意思的。"),
    (32.6, 36.6, "赵磊：供应商又把货拖了一个月，我当时真的气炸了！"),
    (37.0, 40.8, "赵磊：谁让你们动我的电路板的？问都不问一声！"),
    (41.2, 44.6, "赵磊：我爸没能等到产品上市的这一天。"),
    (45.0, 46.2, "林晓：那个……"),
    (49.0, 50.0, "MAYA: Um..."),
    (50.4, 55.0, "MAYA: So this is WaveCup, it, uh, filters... wait, the cap's on wrong, can we go again?"),
    (55.4, 59.4, "MAYA: This is WaveCup. Fill it from any river or tap and it's clean in sixty seconds."),
    (61.2, 65.4, "MAYA: This is WaveCup. Fill it from any river, lake or tap, and sixty seconds later it's clean."),
    (65.8, 69.0, "MAYA: We named the blue one Happy Blue, after our office cat."),
    (69.4, 74.0, "MAYA: When the first prototype actually worked, I was so happy I screamed."),
    (77.2, 81.6, "TOM: We have forty-eight hours of cash left. If this round doesn't close, we're done."),
    (82.0, 86.2, "TOM: They copied our design line for line, and then they sued us? Unbelievable!"),
    (86.6, 88.4, "TOM: Uh, you know..."),
    (90.8, 94.4, "林晓：送走最后一个离职的同事，办公室一下子就空了。"),
    (94.8, 98.0, "TOM: I was heartbroken when we had to let half the team go."),
    (100.8, 104.4, "RAJ: Man, I'm nervous. If this thing fails on camera, that's it for them."),
    (104.8, 108.4, "RAJ: Oh wow, this tastes like mountain spring water! Can I keep it?"),
    (108.8, 109.8, "RAJ: Like... er..."),
    (110.2, 113.6, "RAJ: The angry red light just means the filter needs changing."),
    (114.0, 117.4, "MAYA: You know, like, we tested it in forty countries before today."),
    (120.2, 123.2, "RAJ: I was furious when the first one leaked all over my bag."),
    (123.6, 125.6, "RAJ: Not a drop since, though."),
    (126.8, 130.8, "赵磊：还有五分钟就上台了，演示机突然开不了机。"),
    (131.2, 134.8, "林晓：发布会前一晚，所有人都紧张得不行。"),
    (135.2, 138.6, "林晓：今天能站在这里，我真的太开心了。"),
    (139.0, 142.4, "林晓：谢谢每一位相信我们的用户。"),
    (144.6, 149.2, "MAYA: I cried like a baby when the first order came in. Best day of my life."),
    (150.2, 153.2, "赵磊：成了！一千台，一个小时就卖光了！"),
    (161.0, 165.4, "林晓：说实话，那段时间我特别难过，觉得对不起跟着我的每一个人。"),
    (165.8, 169.8, "MAYA: My grandmother walked two miles for water every day. She never got to see this."),
    (170.2, 173.0, "林晓：下一站，我们要把WaveCup带到更多缺水的地方。"),
    (173.4, 175.0, "TOM: Okay everyone, squeeze in."),
    (175.4, 178.6, "林晓：来，大家看镜头，三、二、一！"),
]


def check():
    """The layout promises of the docstring: every line inside one clip, frame-exact times."""
    bounds, t = [], 0
    for c in CLIPS:
        assert c[2] < c[4] and c[4] + c[5] < c[2] + c[3], c  # handles on both sides
        bounds.append((t, t + c[5]))
        t += c[5]
    prev_end = 0.0
    for start, end, text in SUBTITLES:
        assert prev_end <= start < end, text
        for v in (start, end):
            assert abs(v * RATE - round(v * RATE)) < 1e-6, text
        f0, f1 = round(start * RATE), round(end * RATE)
        assert any(a <= f0 and f1 <= b for a, b in bounds), text  # never straddles a cut
        for mark in (30, 45, 60, 90, 100, 120, 150):
            assert not (start < mark < end), text
        prev_end = end
    assert prev_end * RATE <= t
    first, length = CLIPS[CLIP_MARKER_INDEX][4:6]
    assert first <= CLIP_MARKER[3] < first + length


def sample():
    return Sample(
        name="潮汐科技 WaveCup Launch Day - paraphrase fixture 2",
        rate=RATE,
        start=START,
        media_root=MEDIA_ROOT,
        clips=CLIPS,
        track_markers=TRACK_MARKERS,
        clip_markers={CLIP_MARKER_INDEX: CLIP_MARKER},
        subtitles=SUBTITLES,
    )


def main():
    check()
    sample().write(os.path.dirname(os.path.abspath(__file__)), "fixture")


if __name__ == "__main__":
    main()
