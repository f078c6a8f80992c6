#!/usr/bin/env python3
"""Check with OpenTimelineIO that CutBridge changed nothing it was not asked to change.

    python3 tests/interchange/otio_fidelity.py ORIGINAL.otio WRITTEN.otio [START DURATION]

Without a range, the written timeline must be equivalent to the original, item for item (same
values and rates; `is_equivalent_to`). With a deleted record range [START, START + DURATION) in
frames at the timeline's rate: every track must be exactly DURATION' shorter, where DURATION' is
the part of the range the track covers, and every item wholly before the range (counted from the
start) and wholly after it (counted from the end) must be equivalent to the original's.
Prints one line per problem and exits 1 if there is any.
"""

import sys

import opentimelineio as otio


def rate_of(tl):
    if tl.global_start_time is not None:
        return tl.global_start_time.rate
    for c in tl.find_clips():
        return c.source_range.duration.rate
    return 24.0


def frames(t, rate):
    return round(t.rescaled_to(rate).value)


def main():
    a = otio.adapters.read_from_file(sys.argv[1])
    b = otio.adapters.read_from_file(sys.argv[2])
    problems = []
    if len(sys.argv) == 3:
        for ta, tb in zip(a.tracks, b.tracks):
            if len(ta) != len(tb):
                problems.append(f"track {ta.name}: {len(ta)} items became {len(tb)}")
                continue
            for i, (x, y) in enumerate(zip(ta, tb)):
                if not x.is_equivalent_to(y):
                    problems.append(f"track {ta.name} item {i} ({x.name}) changed:\n  {otio.adapters.write_to_string(x)[:600]}\n  {otio.adapters.write_to_string(y)[:600]}")
        if len(a.tracks) != len(b.tracks):
            problems.append(f"{len(a.tracks)} tracks became {len(b.tracks)}")
        if a.global_start_time != b.global_start_time:
            problems.append(f"global_start_time {a.global_start_time} became {b.global_start_time}")
    else:
        rate = rate_of(a)
        start, dur = int(sys.argv[3]), int(sys.argv[4])
        end = start + dur
        for ta, tb in zip(a.tracks, b.tracks):
            la = frames(ta.duration(), rate)
            lb = frames(tb.duration(), rate)
            covered = max(0, min(end, la) - max(start, 0))
            if lb != la - covered:
                problems.append(f"track {ta.name}: {la} frames became {lb}, not {la - covered}")
            items_a = [x for x in ta if not isinstance(x, otio.schema.Transition)]
            items_b = [x for x in tb if not isinstance(x, otio.schema.Transition)]
            pos = 0
            before, after = [], []
            for x in items_a:
                d = frames(x.duration(), rate)
                if pos + d <= start:
                    before.append(x)
                elif pos >= end:
                    after.append(x)
                pos += d
            for i, x in enumerate(before):
                if i >= len(items_b) or not x.is_equivalent_to(items_b[i]):
                    problems.append(f"track {ta.name}: item {x.name!r} before the cut changed")
            for k, x in enumerate(reversed(after)):
                if k >= len(items_b) or not x.is_equivalent_to(items_b[-1 - k]):
                    problems.append(f"track {ta.name}: item {x.name!r} after the cut changed")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
