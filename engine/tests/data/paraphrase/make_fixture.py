#!/usr/bin/env python3
"""Write the paraphrase fixture: fixture.otio and fixture.srt beside this script.

A bilingual family documentary ("回家过年 Going Home"), 12 shots, 154 s, 25 fps, starting at
01:00:00:00. It follows the input conventions of shared/eval/SPEC.md, like
examples/make_interview.py: a video track V1 and an audio track A1 whose clips mirror it (same
names, media and source ranges), every clip an ExternalReference with handles (available_range
wider than source_range), markers on V1 (on the track and on one clip) with a color, a name and a
comment, and an SRT timed from the first frame whose lines start with a speaker label
(`王芳：`, `陈刚：`, `DANA: `, `UNCLE JOE: `).

paraphrases.tsv beside this script lists instructions and the outcome each must produce on it.
Every clip boundary and subtitle time is a whole number of frames (multiples of 0.2 s), so the
expected ranges are exact.

Only the standard library is used, so the files are byte-for-byte reproducible:

    python3 engine/tests/data/paraphrase/make_fixture.py

Record layout (seconds from the first frame):

    C1   0-8    01_开场_航拍              L1
    C2   8-22   02_厨房_做饭              L2-L5
    C3  22-34   03 interview take 1       L6-L8     RED NG marker 22.6-26.6 (over L6's flub)
    C4  34-50   04 interview take 2       L9-L11
    C5  50-64   05 b-roll market          L12-L14
    C6  64-70   06_空镜_夜景              (no lines) YELLOW 客户意见 point marker at 66.0
    C7  70-88   07_采访_王芳              L15-L19
    C8  88-98   08 b-roll street          L20-L21
    C9  98-118  09_厨房_包饺子            L22-L26   GREEN SELECT point marker (clip marker, 104.0)
    C10 118-126 10 空镜 drone sunset      L27-L28   BLUE chapter marker 98-126 (C9 + C10)
    C11 126-138 11 b-roll harbour         L29-L31
    C12 138-154 12_结尾_全家福            L32-L36

Speakers (lines): 王芳 13 (the lead), DANA 10, 陈刚 7, UNCLE JOE 6.

Intended emotions (SRT line numbers):
    sad:     L11, L16, L17, L33, L34   (L11, L16, L33, L34 without an obvious sad keyword)
    angry:   L13, L14, L20, L25        (L13, L14, L20 without an obvious angry keyword)
    happy:   L4, L10, L23, L26, L30    (L10 says "cried" but is happy)
    tense:   L28, L29
    filler:  L3 (嗯……), L7 (Um...), L18 (那个……), L24 (Uh...), L31 (You know...)
    neutral lines that only mention an emotion word: L5 ("happy hour"), L15 (哭嫁),
             L21 ("you know", "like": not filler-only)
    a take-1/take-2 pair: L6 (flubbed), L8 and L9 all say Dana came here in 2015.

Gaps between lines (seconds): longer than 2 s: 0-2.6, 6.8-9.0, 58.0-60.4, 63.6-71.2, 87.4-90.8,
124.6-126.8; of those, longer than 3 s: 63.6-71.2 and 87.4-90.8; longer than 5 s: 63.6-71.2.
Gaps of 1-2 s: 21.4-23.0, 33.4-35.0, 49.2-50.6, 97.6-99.0, 116.8-118.6, 137.2-139.0. All other
gaps are under 1 s (0.4-0.8), the last one 153.2-154.0. No line straddles 60 s or 120 s.

paraphrases.tsv (lang, action, target, instruction, expect, status): `expect` is the outcome as steps
joined with ` ; `, each `ACTION WHAT`: ACTION is delete, keep (keep only), `speed F`,
`move to start|end|S` (S = record second of the original timeline), `mark COLOR` or
`dissolve Nf cuts K,...` (K = the cut right after V1 clip K); WHAT lists L<n> (SRT line n),
C<n> (V1 clip n) and T<a>-<b> (seconds) in timeline order. `refused KIND` is an exit 2, with
KIND one of unsupported, not_understood, no_match, ambiguous, too_much. `status` is `ok`, or
`gap` for a phrasing the rules backend cannot read yet (mostly a paraphrase of a line said in the
other language): a gap must be refused, never guessed, and is marked ok once it reads.
"""

import os
import sys

# The shared writers live beside the bundled sample (examples/otio_sample.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "examples"))
from otio_sample import Sample  # noqa: E402

RATE = 25.0
START = 90000  # 01:00:00:00 at 25 fps
MEDIA_ROOT = "file:///Volumes/GoingHome/media/"

# name, media file, media start (its own timecode, frames), media length, first frame used, length
CLIPS = [
    ("01_开场_航拍", "A001_aerial_town.mov", 0, 750, 150, 200),
    ("02_厨房_做饭", "A002_kitchen_hongshaorou.mov", 86400, 4500, 87000, 350),
    ("03 interview take 1", "B001_dana_interview_t1.mov", 180000, 6000, 180500, 300),
    ("04 interview take 2", "B002_dana_interview_t2.mov", 185000, 6000, 185250, 400),
    ("05 b-roll market", "C001_broll_market.mov", 0, 1200, 300, 350),
    ("06_空镜_夜景", "C002_night_town.mov", 0, 500, 100, 150),
    ("07_采访_王芳", "A003_wangfang_interview.mov", 90000, 9000, 91200, 450),
    ("08 b-roll street", "C003_broll_street.mov", 0, 900, 250, 250),
    ("09_厨房_包饺子", "A004_kitchen_dumplings.mov", 93000, 6000, 94000, 500),
    ("10 空镜 drone sunset", "D001_drone_sunset.mov", 0, 600, 120, 200),
    ("11 b-roll harbour", "C004_broll_harbour.mov", 0, 1000, 400, 300),
    ("12_结尾_全家福", "A005_family_photo.mov", 97000, 3000, 97500, 400),
]

# color, name, comment, start (record frame from the timeline start), duration
TRACK_MARKERS = [
    ("RED", "NG", "DANA 口误 flubbed the intro, use take 2", 565, 100),  # 22.6-26.6 s
    ("YELLOW", "客户意见", "这段不要", 1650, 0),  # 66.0 s, in C6
    ("BLUE", "CHAPTER 2", "第二章 包饺子 / dumplings", 2450, 700),  # 98-126 s = C9 + C10
]

# On clip 09 (index 8), in the clip's source (media) time: record 104.0 s = 6 s into the clip.
CLIP_MARKER_INDEX = 8
CLIP_MARKER = ("GREEN", "SELECT", "best moment, use in the trailer", 94000 + 150, 0)

# start and end in seconds from the first frame, text with its speaker label
SUBTITLES = [
    (2.6, 6.8, "王芳：我们家在这个小镇上已经住了三代人了。"),
    (9.0, 12.4, "王芳：今天做的是我妈妈教我的红烧肉。"),
    (13.0, 14.2, "王芳：嗯……"),
    (14.8, 18.6, "王芳：过年桌上有这道菜，一家人就觉得特别幸福。"),
    (19.0, 21.4, "DANA: The place down the street has a happy hour menu now."),
    (23.0, 26.2, "DANA: So I first came here in, uh, twenty fif... sorry, can we go again?"),
    (27.0, 28.0, "DANA: Um..."),
    (28.4, 33.4, "DANA: I first came here in 2015 and I was completely lost."),
    (35.0, 39.8, "DANA: I came here in 2015 and I couldn't speak a word of Chinese."),
    (40.2, 44.6, "DANA: The day they threw me a surprise birthday party, I laughed until I cried."),
    (45.2, 49.2, "DANA: I still can't talk about the day we got that phone call."),
    (50.6, 54.0, "陈刚：这个摊位是我爸开的，一开就是二十年。"),
    (54.4, 58.0, "陈刚：去年说拆就拆，连个招呼都不打，凭什么！"),
    (60.4, 63.6, "DANA: And they wanted to charge us double because I'm a foreigner? Are you kidding me?"),
    (71.2, 76.0, "王芳：我们去年拍过一个关于哭嫁的片子，挺有意思的。"),
    (76.6, 80.8, "王芳：我妈走的那天，我还在店里给客人包饺子。"),
    (81.2, 84.2, "王芳：说着说着眼泪就下来了，不好意思。"),
    (84.6, 85.6, "王芳：那个……"),
    (86.0, 87.4, "王芳：我们继续吧。"),
    (90.8, 94.6, "UNCLE JOE: Those developers had no right, no right at all! Tearing down our street!"),
    (95.0, 97.6, "DANA: Uncle Joe, you know, he gets like this every single time."),
    (99.0, 102.6, "王芳：饺子皮要擀得中间厚、边上薄。"),
    (103.0, 106.4, "DANA: Look, mine finally doesn't fall apart! Best day ever!"),
    (106.8, 107.6, "UNCLE JOE: Uh..."),
    (108.0, 111.8, "陈刚：跟你说了多少遍了，别往锅里乱放东西！烦死了！"),
    (112.4, 116.8, "王芳：一家人围在一起包饺子，热热闹闹的，我最开心了。"),
    (118.6, 119.8, "陈刚：那是二〇一二年的夏天。"),
    (120.4, 124.6, "UNCLE JOE: The boat still isn't back, and the storm's getting worse out there."),
    (126.8, 130.0, "陈刚：电话一直打不通，大家都不敢出声，就那么等着。"),
    (130.6, 134.2, "陈刚：后来船平安回来了，全家人都高兴坏了。"),
    (134.8, 137.2, "UNCLE JOE: You know..."),
    (139.0, 142.4, "王芳：现在每年过年，我们都要拍一张全家福。"),
    (142.8, 146.8, "王芳：要是我妈还在就好了，她一天福都没享过。"),
    (147.2, 149.6, "UNCLE JOE: My brother never got to see any of this."),
    (150.0, 151.4, "UNCLE JOE: Okay everybody, say cheese!"),
    (151.8, 153.2, "陈刚：好了，收工！"),
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
        prev_end = end
    assert prev_end * RATE <= t


def sample():
    return Sample(
        name="回家过年 Going Home - paraphrase fixture",
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
