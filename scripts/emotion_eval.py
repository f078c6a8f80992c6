#!/usr/bin/env python3
"""Precision and recall of the emotion classifier on the evaluation set's labelled lines.

    python3 scripts/emotion_eval.py --set ../shared/eval/dev --bin target/debug/bridge-daemon \
        [--timelines hunli,dumplings] [--show]

The set has no per-line labels; its emotion cases label lines through what they expect. For every
case that points at lines by one emotion alone (tag `emotion`, or a marker case whose instruction
names only an emotion), the lines the expected output deletes, retimes or marks are that emotion's
positives on that timeline and the other lines its negatives. The classifier's answer is what
`bridge-daemon edit --json` matched for the same instruction. Reads outputs with OpenTimelineIO.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import opentimelineio as otio


def srt_lines(path, rate):
    out = []
    blocks = Path(path).read_text(encoding="utf-8-sig").strip().split("\n\n")
    for b in blocks:
        rows = b.strip().splitlines()
        if len(rows) < 3:
            continue
        a, _, z = rows[1].partition(" --> ")

        def secs(t):
            h, m, s = t.strip().replace(",", ".").split(":")
            return int(h) * 3600 + int(m) * 60 + float(s)

        out.append((round(secs(a) * rate), round(secs(z) * rate), " ".join(rows[2:])))
    return out


def v1(tl):
    return next(t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video)


def source_map(tl):
    """Record frame -> (media, source frame, speed) for the V1 clips of a timeline."""
    pieces, pos = [], 0
    for it in v1(tl):
        d = it.duration().value
        if isinstance(it, otio.schema.Clip):
            url = it.media_reference.target_url.rsplit("/", 1)[-1]
            speed = 1.0
            for fx in it.effects:
                if isinstance(fx, otio.schema.LinearTimeWarp):
                    speed *= fx.time_scalar
            pieces.append((pos, pos + d, url, it.source_range.start_time.value, speed))
        pos += d
    return pieces


def at(pieces, frame):
    for a, b, url, s, speed in pieces:
        if a <= frame < b:
            return url, s + (frame - a) * speed, speed
    return None


def affected(case, orig, out_path, lines, color=None):
    """Indexes of the lines the expected output changed."""
    out = otio.adapters.read_from_file(str(out_path))
    src, dst = source_map(orig), source_map(out)
    hit = set()
    markers = []
    tr = v1(out)
    def ours(m):
        return color is None or (m.color or "").upper() == color
    markers += [(m.marked_range.start_time.value, m.marked_range.end_time_exclusive().value)
                for m in tr.markers if ours(m)]
    pos = 0
    for it in tr:
        if isinstance(it, otio.schema.Clip):
            s = it.source_range.start_time.value
            markers += [(pos + m.marked_range.start_time.value - s, pos + m.marked_range.end_time_exclusive().value - s)
                        for m in it.markers if ours(m)]
        pos += it.duration().value
    def record_marks(tl):
        """(start, end) of every marker of V1 in record frames, the track's and its clips'."""
        tr, out, pos = v1(tl), [], 0
        out += [(m.marked_range.start_time.value, m.marked_range.end_time_exclusive().value) for m in tr.markers]
        for it in tr:
            if isinstance(it, otio.schema.Clip):
                s = it.source_range.start_time.value
                out += [(pos + m.marked_range.start_time.value - s, pos + m.marked_range.end_time_exclusive().value - s)
                        for m in it.markers]
            pos += it.duration().value
        return out

    orig_marks = set(record_marks(orig))
    marker_case = "do:marker" in case["tags"]
    for i, (a, b, _) in enumerate(lines):
        mid = (a + b) // 2
        if marker_case:
            if any(x <= mid < y for x, y in markers if (x, y) not in orig_marks):
                hit.add(i)
            continue
        where = at(src, mid)
        if where is None:
            continue
        url, f, _ = where
        alive = [p for p in dst if p[2] == url and p[3] <= f < p[3] + (p[1] - p[0]) * p[4]]
        if not alive or any(abs(p[4] - 1.0) > 1e-6 for p in alive):
            hit.add(i)
    return hit


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--timelines", help="comma-separated timeline names to score (default: all)")
    ap.add_argument("--show", action="store_true", help="print each missed and wrong line")
    args = ap.parse_args()
    set_dir = Path(args.set)
    only = set(args.timelines.split(",")) if args.timelines else None
    cases = [json.loads(x) for x in (set_dir / "cases.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    truth = defaultdict(set)  # (timeline, emotion) -> positive line indexes
    predicted = defaultdict(set)
    n_lines = {}
    for case in cases:
        name = case["timeline"].removesuffix(".otio")
        if only and name not in only or case["exit"] != 0 or "combined" in case["tags"] \
                or not case.get("subtitles"):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.otio"
            cmd = [args.bin, "edit", "--timeline", str(set_dir / case["timeline"]), "--subtitles",
                   str(set_dir / case["subtitles"]), "--instruction", case["instruction"], "--output", str(out),
                   "--json"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode == 0:
                outcome = json.loads(p.stdout)
            else:
                # "no tense lines found": the classifier found none; the case still labels lines.
                m = re.search(r"no (\w+) lines found", p.stderr)
                if not m:
                    continue
                outcome = {"intent": {"steps": [{"action": {"do": "delete"},
                                                 "target": {"kind": "emotion", "emotion": m[1]}}]},
                           "explanation": []}
        steps = outcome["intent"]["steps"]
        if len(steps) != 1:
            continue
        target = steps[0]["target"]
        emotion = target.get("emotion") if target["kind"] == "emotion" and not target.get("speaker") else None
        if emotion is None:
            continue
        orig = otio.adapters.read_from_file(str(set_dir / case["timeline"]))
        rate = v1(orig).duration().rate
        lines = srt_lines(set_dir / case["subtitles"], rate)
        n_lines[name] = lines
        color = steps[0]["action"].get("color")
        truth[(name, emotion)] |= affected(case, orig, set_dir / "expected" / f"{case['id']}.otio", lines, color)
        ranges = [(m["range"]["start"], m["range"]["start"] + m["range"]["duration"])
                  for s in outcome["explanation"] for m in s["matches"]]
        predicted[(name, emotion)] |= {i for i, (a, b, _) in enumerate(lines)
                                       if any(x <= (a + b) // 2 < y for x, y in ranges)}
    per = defaultdict(lambda: [0, 0, 0])
    for key in truth:
        name, emotion = key
        t, p = truth[key], predicted[key]
        per[emotion][0] += len(t & p)
        per[emotion][1] += len(p - t)
        per[emotion][2] += len(t - p)
        if args.show:
            for i in sorted(t - p):
                print(f"missed {emotion:9} {name}: {n_lines[name][i][2]}")
            for i in sorted(p - t):
                print(f"wrong  {emotion:9} {name}: {n_lines[name][i][2]}")
    print(f"{'emotion':10} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for emotion, (tp, fp, fn) in sorted(per.items()):
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        print(f"{emotion:10} {prec:9.2f} {rec:7.2f} {tp:4} {fp:4} {fn:4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
