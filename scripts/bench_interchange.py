#!/usr/bin/env python3
"""CutBridge's `edit` against OpenTimelineIO's own Python on a feature-length timeline: CPU time
and peak memory of each, measured in the same run, and their ratios.

    cargo build --release -p bridge-daemon
    python3 scripts/bench_interchange.py [--bin target/release/bridge-daemon] [--runs 5]

The timeline: 2 hours at 25 fps, 3,000 clips on V1 mirrored on A1, a marker every 50 clips
(about 13 MB of OTIO JSON), written by OpenTimelineIO; the transcript: 20,000 SRT lines.
- CutBridge: `bridge-daemon edit --timeline big.otio --instruction "delete from 10:00 to 10:30"
  --output out.otio`, and the same with `--subtitles big.srt`.
- OpenTimelineIO: a Python process that reads big.otio, ripple-deletes the same 30 seconds from
  every track (`otio.algorithms.track_trimmed_to_range` before and after the range, joined) and
  writes the result: the least an OTIO-based tool does for the same edit.
Each side runs --runs times as its own process under GNU time (/usr/bin/time); the median CPU
time (user + system) and the largest peak resident memory are printed, then CutBridge ÷
OpenTimelineIO.
Targets (issue 16): CPU ≤ 0.3× without the transcript, ≤ 0.5× with it; peak memory ≤ 3× the
OTIO file's size.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

import opentimelineio as otio

RATE = 25
CLIPS = 3000
LINES = 20000
DURATION = 2 * 3600 * RATE
START, END = 10 * 60 * RATE, int(10.5 * 60 * RATE)

OTIO_EDIT = r"""
import sys
import opentimelineio as otio
RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
src, dst, start, end, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
tl = otio.adapters.read_from_file(src)
tracks = []
for track in tl.tracks:
    dur = track.duration().value
    head = otio.algorithms.track_trimmed_to_range(track, TR(RT(0, rate), RT(start, rate)))
    tail = otio.algorithms.track_trimmed_to_range(track, TR(RT(end, rate), RT(dur - end, rate)))
    items = list(tail)
    del tail[:]
    head.extend(items)
    tracks.append(head)
del tl.tracks[:]
tl.tracks.extend(tracks)
otio.adapters.write_to_file(tl, dst)
"""


def timeline():
    RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
    tl = otio.schema.Timeline(name="feature", global_start_time=RT(90000, RATE))
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    each = DURATION // CLIPS
    for i in range(CLIPS):
        dur = each if i < CLIPS - 1 else DURATION - each * (CLIPS - 1)
        for track in (v1, a1):
            ref = otio.schema.ExternalReference(
                target_url=f"file:///Volumes/Feature/media/reel{i % 40:02}/shot_{i:04}.mov",
                available_range=TR(RT(0, RATE), RT(dur + 100, RATE)),
            )
            clip = otio.schema.Clip(name=f"{i + 1:04} shot", media_reference=ref,
                                    source_range=TR(RT(50, RATE), RT(dur, RATE)))
            if i % 50 == 0 and track is v1:
                clip.markers.append(otio.schema.Marker(
                    name=f"note {i}", marked_range=TR(RT(60, RATE), RT(0, RATE)), color="RED"))
            track.append(clip)
    tl.tracks.extend([v1, a1])
    return tl


def srt_text():
    out = []
    step = DURATION * 1000 // RATE // LINES
    for i in range(LINES):
        a, b = i * step, i * step + step - 200

        def tc(ms):
            return f"{ms // 3600000:02}:{ms // 60000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"
        who = "张伟" if i % 3 else "BOB"
        out.append(f"{i + 1}\n{tc(a)} --> {tc(b)}\n{who}：第{i}句话，我们今天聊一聊剪辑。\n")
    return "\n".join(out)


TIME = "/usr/bin/time"


def run(cmd):
    """CPU seconds (user + system) and peak RSS in MB of one process.

    Measured by GNU time, a small C program, around the command: a child forked from this
    Python process would count Python's own pages (tens of MB) in its peak before it execs."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        full = [TIME, "-f", "%U %S %M", "-o", out.name] + cmd
        p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr.decode(errors='replace')}")
        user, system, kb = out.read().split()[-3:]
    return float(user) + float(system), int(kb) / 1024


def measure(cmd, runs):
    results = [run(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main():
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} (GNU time) is needed: apt-get install time")
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "release", "bridge-daemon"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        big, srt = os.path.join(d, "big.otio"), os.path.join(d, "big.srt")
        otio.adapters.write_to_file(timeline(), big)
        with open(srt, "w", encoding="utf-8") as f:
            f.write(srt_text())
        mb = os.path.getsize(big) / 1e6
        out = os.path.join(d, "out.otio")
        edit = [args.bin, "edit", "--timeline", big, "--instruction",
                "delete from 10:00 to 10:30", "--output", out]
        ours = measure(edit, args.runs)
        ours_srt = measure(edit + ["--subtitles", srt], args.runs)
        peer = measure([sys.executable, "-c", OTIO_EDIT, big, out, str(START), str(END),
                        str(RATE)], args.runs)
        print(f"timeline: 2 h at {RATE} fps, {CLIPS} clips on V1 + A1: {mb:.1f} MB of OTIO; "
              f"transcript {LINES} lines; median of {args.runs} runs")
        print(f"  {'':34} {'CPU s':>8} {'peak MB':>9}")
        for label, (cpu, rss) in [("OpenTimelineIO read+delete+write", peer),
                                  ("CutBridge edit", ours),
                                  ("CutBridge edit --subtitles", ours_srt)]:
            print(f"  {label:34} {cpu:8.3f} {rss:9.1f}")
        print(f"ratio CPU, edit ÷ OTIO:              {ours[0] / peer[0]:.2f}×  (target ≤ 0.30)")
        print(f"ratio CPU, edit with SRT ÷ OTIO:     {ours_srt[0] / peer[0]:.2f}×  (target ≤ 0.50)")
        print(f"peak memory ÷ file size:             {ours[1] / mb:.2f}× / "
              f"{ours_srt[1] / mb:.2f}× with SRT  (target ≤ 3)")


if __name__ == "__main__":
    main()
