"""The snapshot: what it reads from Resolve, that it matches the protocol's JSON Schema, and that
the daemon reads it (and its transcript) the way it reads an SRT file."""

import json
import os

import jsonschema
import pytest

import cutbridge_resolve as cb
import fake_resolve
from conftest import FIXTURES, REPO
from cutbridge_resolve import snap, timecode

SCHEMA = os.path.join(REPO, "protocol", "schema", "timeline.schema.json")


def test_snapshot_matches_the_protocol_schema(resolve):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator(schema).validate(cb.snapshot(resolve))


def test_what_the_snapshot_reads(resolve):
    tl = cb.snapshot(resolve)
    assert tl["name"] == "Laojie"
    assert tl["rate"] == {"num": 25, "den": 1} and not tl["drop_frame"]
    assert tl["start_frame"] == 90000  # 01:00:00:00
    v1, a1 = tl["tracks"]
    assert (v1["kind"], a1["kind"]) == ("video", "audio")
    assert [c["name"] for c in v1["items"]] == ["街景 开场", "张伟 采访", "李雅 采访",
                                                "BOB interview", "厨房 争吵", "街景 结尾"]
    zw = v1["items"][1]
    # Source frames in the media's own timecode (10:00:00:00 + 2000), as Resolve exports them.
    assert zw["source"] == {"start": 902000, "duration": 250}
    assert zw["media"] == {"url": "/media/laojie/zhangwei_camA.mov", "name": "zhangwei_camA.mov",
                           "available": {"start": 900000, "duration": 15000}}
    assert zw["metadata"] == {"comments": "主采访 main interview", "keywords": ["采访", "张伟"]}
    assert zw["markers"] == [{"name": "good take", "color": "GREEN",
                              "range": {"start": 902050, "duration": 1}, "comment": ""}]
    assert [c["link"] for c in v1["items"]] == [c["link"] for c in a1["items"]]
    assert len(set(c["link"] for c in v1["items"])) == 6
    assert tl["markers"][1] == {"name": "结尾", "color": "PINK",
                                "range": {"start": 1100, "duration": 25}, "comment": "片尾音乐",
                                "metadata": {"resolve": {"color": "Rose"}}}
    assert tl["subtitles"][0] == {"range": {"start": 135, "duration": 75},
                                  "text": "今天天气真好，我们去老街走走", "speaker": "张伟"}
    assert tl["subtitles"][6]["speaker"] == "BOB"


def test_the_daemon_reads_the_subtitle_track_like_the_srt_file(resolve, client):
    with open(os.path.join(FIXTURES, "laojie.srt"), encoding="utf-8") as f:
        srt = f.read()
    a = client.sync(cb.snapshot(resolve))
    b = client.sync(cb.snapshot(resolve))
    c = client.sync(cb.snapshot(resolve, srt=srt))
    assert a["fingerprint"] == b["fingerprint"] == c["fingerprint"]
    assert (a["clips"], a["subtitles"], a["duration"]) == (6, 11, 1200)


def test_transitions_and_generators_are_told_apart(resolve):
    tl = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    world = resolve._w
    track = tl._tracks["video"][0]
    # A 10-frame dissolve on the cut at 375 and a generator on V2 with no media.
    track.items.append(fake_resolve.TimelineItem(world, tl, "video", "Cross Dissolve",
                                                 tl.GetStartFrame() + 370, 10, transition=True))
    tl.AddTrack("video")
    tl._tracks["video"][1].items.append(fake_resolve.TimelineItem(
        world, tl, "video", "Solid Color", tl.GetStartFrame() + 50, 30))
    data = cb.snapshot(resolve)
    v1 = data["tracks"][0]["items"]
    assert v1[2] == {"type": "transition", "name": "Cross Dissolve", "kind": "SMPTE_Dissolve",
                     "in_offset": 5, "out_offset": 5}
    v2 = data["tracks"][1]["items"]
    assert v2[0] == {"type": "gap", "duration": 50}
    assert v2[1]["name"] == "Solid Color" and v2[1]["metadata"] == {"resolve": {"generator": True}}


def test_drop_frame_rates_and_start_timecodes():
    world = fake_resolve.World()
    with open(os.path.join(FIXTURES, "laojie.project.json"), encoding="utf-8") as f:
        fixture = json.load(f)
    fixture["rate"] = "29.97 DF"
    resolve = fake_resolve.build(fixture, world)
    tl = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    tl._start = 108000  # the fake labels it 01:00:00:00
    tl._settings["timelineDropFrameTimecode"] = "1"
    data = cb.snapshot(resolve)
    assert data["rate"] == {"num": 30000, "den": 1001} and data["drop_frame"] is True
    assert data["start_frame"] == 107892  # 01:00:00;00 counted drop-frame


def test_overlapping_items_are_a_clear_error(resolve):
    tl = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    tl._tracks["video"][0].items[1]._start -= 10
    with pytest.raises(cb.SnapshotError) as e:
        cb.snapshot(resolve)
    assert "overlapping" in str(e.value) and "Video 1" in str(e.value)


def test_no_project_or_no_timeline_is_a_clear_error(resolve):
    project = resolve.GetProjectManager().GetCurrentProject()
    project._current = None
    with pytest.raises(cb.ResolveStateError) as e:
        cb.snapshot(resolve)
    assert "no current timeline" in str(e.value)
    resolve._pm._project = None
    with pytest.raises(cb.ResolveStateError) as e:
        cb.snapshot(resolve)
    assert "no project" in str(e.value)
    with pytest.raises(cb.ResolveStateError):
        cb.snapshot(None)


@pytest.mark.parametrize("text, speaker, rest", [
    ("张伟：你好", "张伟", "你好"),
    ("BOB: We need to talk", "BOB", "We need to talk"),
    ("Speaker 2: hi", "Speaker 2", "hi"),
    ("At 3:00, we start", None, "At 3:00, we start"),
    ("- 李雅：好吧", "李雅", "好吧"),
    ("no label here", None, "no label here"),
])
def test_speaker_labels_split_like_the_daemon(text, speaker, rest):
    assert snap.split_speaker(text) == (speaker, rest)


@pytest.mark.parametrize("setting, num, den, drop", [
    ("25", 25, 1, False), ("23.976", 24000, 1001, False), ("29.97 DF", 30000, 1001, True),
    ("59.94", 60000, 1001, False), ("24.0", 24, 1, False), ("29.97NDF", 30000, 1001, False),
    (50, 50, 1, False),
])
def test_rates(setting, num, den, drop):
    r = timecode.parse_rate(setting)
    assert (r.num, r.den, r.drop) == (num, den, drop)


def test_timecodes_round_trip_drop_frame():
    df = timecode.parse_rate("29.97 DF")
    assert timecode.parse_timecode("01:00:00;00", df) == 107892
    assert timecode.parse_timecode("00:01:00;02", df) == 1800
    for n in (0, 1799, 1800, 17981, 17982, 107892, 123456):
        assert timecode.parse_timecode(timecode.format_timecode(n, df), df) == n
    assert timecode.format_timecode(1800, df) == "00:01:00;02"
    r25 = timecode.parse_rate("25")
    assert timecode.format_timecode(90000 + 375, r25) == "01:00:15:00"
    assert timecode.srt_time(375, r25) == "00:00:15,000"
    with pytest.raises(ValueError):
        timecode.parse_timecode("01:00:00:25", r25)
    with pytest.raises(ValueError):
        timecode.parse_rate("fast")
