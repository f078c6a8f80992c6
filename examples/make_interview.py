#!/usr/bin/env python3
"""Write the bundled sample: examples/interview.otio and examples/interview.srt.

The sample follows the input conventions of shared/eval/SPEC.md: a 25 fps timeline starting at
01:00:00:00, a video track V1 and an audio track A1 whose clips mirror it (same names, media and
source ranges), every clip an ExternalReference with handles (an available_range wider than its
source_range), markers on V1 with a color, a name and a comment, and an SRT timed from the first
frame whose lines start with a speaker label (`李秀英：` or `BOB:`).

Only the standard library is used, so the files are byte-for-byte reproducible:

    python3 examples/make_interview.py          # rewrites both files beside this script
"""

import os

from otio_sample import Sample

RATE = 25.0
START = 90000  # 01:00:00:00 at 25 fps
MEDIA_ROOT = "file:///Volumes/Interview/media/"

# name, media file, media start (its own timecode, frames), media length, first frame used, length
CLIPS = [
    ("01 老街清晨 空镜", "broll_street_dawn.mov", 0, 600, 120, 100),
    ("02 李秀英 采访 take 1", "li_interview_take1.mov", 90000, 9000, 90250, 375),
    ("03 厨房 B-roll", "broll_kitchen.mov", 0, 750, 200, 125),
    ("04 BOB interview take 2", "bob_interview_take2.mov", 180000, 9000, 180400, 400),
    ("05 李秀英 采访 take 2", "li_interview_take2.mov", 90000, 9000, 91500, 300),
    ("06 train window B-roll", "broll_train_window.mov", 0, 900, 300, 150),
    ("07 BOB closing", "bob_interview_take3.mov", 180000, 4500, 180100, 250),
]

# color, name, comment, start (record frame from the timeline start), duration
TRACK_MARKERS = [
    ("RED", "NG", "BOB stumbles, the retake follows", 640, 110),
    ("GREEN", "SELECT", "best line of the interview", 1100, 0),
]

# On clip 02, in the clip's source (media) time.
CLIP_MARKER = ("BLUE", "quote", "pull quote for the trailer", 90400, 0)

# start and end in seconds from the first frame, text with its speaker label
SUBTITLES = [
    (0.6, 3.6, "（清晨的老街，鸟叫声）"),
    (4.4, 8.8, "李秀英：我在这条街上住了四十年了。"),
    (9.2, 11.0, "李秀英：嗯……"),
    (11.4, 18.4, "李秀英：以前这里每天早上都有卖豆浆的，现在都搬走了。"),
    (20.0, 23.2, "（厨房里锅碗的声音）"),
    (24.4, 26.8, "BOB: So I, uh, I came here in... sorry, let me start again."),
    (27.6, 28.8, "BOB: Um, you know."),
    (29.2, 35.6, "BOB: I came here in 2009 and this street felt like home right away."),
    (36.0, 39.4, "BOB: The neighbours taught me how to cook jianbing."),
    (40.4, 45.2, "李秀英：他第一次做煎饼，全糊了，我们笑了好久。"),
    (45.6, 51.4, "李秀英：说真的，我舍不得这条街，老邻居一个个都走了。"),
    (58.4, 62.0, "BOB: Whatever happens to the street, the people stay with me."),
    (62.8, 67.2, "BOB: That's what home means, I think."),
]


def sample():
    return Sample(
        name="老街 Old Street - interview cut",
        rate=RATE,
        start=START,
        media_root=MEDIA_ROOT,
        clips=CLIPS,
        track_markers=TRACK_MARKERS,
        clip_markers={1: CLIP_MARKER},
        subtitles=SUBTITLES,
    )


def main():
    sample().write(os.path.dirname(os.path.abspath(__file__)), "interview")


if __name__ == "__main__":
    main()
