"""End to end with the real daemon and the fake Resolve: snapshot → instruct → apply → verify.

Each test instructs the daemon in Chinese or English, applies the cut list it returns, and
checks the new version against an independent reading (the fake's own items), the original
being untouched, the report, and the audit log.
"""

import json

import pytest

import cutbridge_resolve as cb
from cutbridge_resolve import applier as apply_mod
from cutbridge_resolve import snap as snap_mod


def instruct(client, resolve, text):
    tl = cb.snapshot(resolve)
    synced = client.sync(tl)
    return client.instruct(text, fingerprint=synced["fingerprint"])


def current(resolve):
    return resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()


def timelines(resolve):
    p = resolve.GetProjectManager().GetCurrentProject()
    return [p.GetTimelineByIndex(i).GetName() for i in range(1, p.GetTimelineCount() + 1)]


def track(tl, kind="video", index=1):
    """[(name, record start, duration, first source frame, speed)] read through the API."""
    base = tl.GetStartFrame()
    out = []
    for item in tl.GetItemListInTrack(kind, index):
        if item.GetMediaPoolItem() is None:
            out.append(("<transition>", item.GetStart() - base, item.GetDuration()))
            continue
        span = item.GetSourceEndFrame() - item.GetSourceStartFrame()
        out.append((item.GetName(), item.GetStart() - base, item.GetDuration(),
                    round(span / float(item.GetDuration()), 3)))
    return out


def assert_applied(report, resolve, original_name="Laojie", version=1):
    assert report["status"] == "applied", json.dumps(report, ensure_ascii=False, indent=1)
    name = "{} — CutBridge {}".format(original_name, version)
    assert report["version"] == name
    backup = original_name if version == 1 else "{} — CutBridge {}".format(original_name,
                                                                            version - 1)
    assert report["backup"] == backup
    assert current(resolve).GetName() == name
    assert all(r["ok"] for r in report["results"]), report["results"]
    assert not report["differences"]


def original_untouched(resolve, before):
    p = resolve.GetProjectManager().GetCurrentProject()
    orig = [p.GetTimelineByIndex(i) for i in range(1, p.GetTimelineCount() + 1)
            if p.GetTimelineByIndex(i).GetName() == "Laojie"][0]
    assert snap_mod.take(resolve, timeline=orig, use_memory=False).json == before


def test_delete_whole_clip_is_applied_live_with_linked_audio(resolve, client, daemon):
    before = cb.snapshot(resolve)
    result = instruct(client, resolve, "删掉第三个镜头")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    assert report["method"] == "live"
    tl = current(resolve)
    names = [t[0] for t in track(tl)]
    assert names == ["街景 开场", "张伟 采访", "BOB interview", "厨房 争吵", "街景 结尾"]
    assert [t[0] for t in track(tl, "audio")] == names  # the linked audio went too
    assert track(tl)[2][1] == 375  # rippled
    original_untouched(resolve, before)
    audit = [e for e in daemon.audit() if e.get("event") == "apply_report"]
    assert audit and audit[-1].get("status") == "applied", audit[-1:]


def test_partial_deletes_are_rebuilt_and_verified(resolve, client):
    result = instruct(client, resolve, "删除所有悲伤情绪片段")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    assert report["method"] == "rebuild"
    tl = current(resolve)
    v1 = track(tl)
    assert len(v1) == 8  # two clips split around the sad lines
    assert sum(t[2] for t in v1) == 1200 - 75 - 90


def test_speed_becomes_a_retimed_clip(resolve, client):
    result = instruct(client, resolve, "第二个镜头加速两倍")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    v1 = track(current(resolve))
    assert v1[1][0] == "张伟 采访" and v1[1][2] == 125 and v1[1][3] == 2.0


def test_move_to_the_start(resolve, client):
    result = instruct(client, resolve, "把最后一个镜头移到开头")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    assert [t[0] for t in track(current(resolve))][:2] == ["街景 结尾", "街景 开场"]


def test_transitions_between_every_clip(resolve, client):
    result = instruct(client, resolve, "每个镜头之间加12帧的交叉溶解")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    v1 = track(current(resolve))
    dissolves = [t for t in v1 if t[0] == "<transition>"]
    assert dissolves == [("<transition>", at - 6, 12) for at in (125, 375, 625, 875, 1075)]


def test_markers_are_added_live(resolve, client):
    result = instruct(client, resolve, "put a green marker on every happy line")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    assert report["method"] == "live"
    markers = current(resolve).GetMarkers()
    assert markers[135.0]["color"] == "Green" and markers[135.0]["duration"] == 75
    assert markers[410.0]["color"] == "Green"
    assert markers[1100.0]["color"] == "Rose"  # a Resolve-only colour survives


def test_a_timeline_changed_after_its_snapshot_is_refused(resolve, client):
    result = instruct(client, resolve, "删掉第三个镜头")
    current(resolve).AddMarker(10, "Red", "late note", "", 1)
    n = len(timelines(resolve))
    report = cb.apply(resolve, result, client=client)
    assert report["status"] == "refused"
    assert "changed since" in report["message"]
    assert len(timelines(resolve)) == n
    assert current(resolve).GetName() == "Laojie"


def test_a_failing_import_leaves_the_original_current(resolve, client):
    resolve._w.import_fails = True
    result = instruct(client, resolve, "第二个镜头加速两倍")
    report = cb.apply(resolve, result, client=client)
    assert report["status"] == "rolled_back"
    assert "ImportTimelineFromFile" in report["message"]
    assert "'Laojie' is current" in report["message"]
    assert current(resolve).GetName() == "Laojie"
    assert timelines(resolve) == ["Laojie"]
    assert not any(r["ok"] for r in report["results"])


def test_a_version_that_does_not_verify_is_rolled_back(resolve, client):
    resolve._w.import_drops_transitions = True
    result = instruct(client, resolve, "add a half-second dissolve between every clip")
    report = cb.apply(resolve, result, client=client)
    assert report["status"] == "rolled_back"
    assert report["differences"] and "transition" in report["differences"][0]
    assert current(resolve).GetName() == "Laojie"
    assert timelines(resolve) == ["Laojie"]


def test_undo_switches_back_and_a_second_apply_makes_version_two(resolve, client):
    result = instruct(client, resolve, "删掉第三个镜头")
    assert cb.apply(resolve, result, client=client)["status"] == "applied"
    result = instruct(client, resolve, "把语气词都删掉")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve, version=2)
    assert cb.undo(resolve) is True
    assert current(resolve).GetName() == "Laojie — CutBridge 1"
    assert cb.undo(resolve) is True
    assert current(resolve).GetName() == "Laojie"
    assert cb.undo(resolve) is False


def test_delete_clips_on_another_page_opens_edit_and_restores_the_page(resolve, client):
    resolve.OpenPage("color")
    result = instruct(client, resolve, "删掉第三个镜头")
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    assert resolve.GetCurrentPage() == "color"


def test_a_flaky_first_delete_is_retried(resolve, client):
    resolve._w.delete_fails_first = True
    result = instruct(client, resolve, "删掉第三个镜头")
    assert_applied(cb.apply(resolve, result, client=client), resolve)


def test_the_transcript_survives_a_rebuild(resolve, client):
    """Resolve cannot import subtitles: the next snapshot uses the transcript CutBridge kept."""
    result = instruct(client, resolve, "删除所有悲伤情绪片段")
    assert cb.apply(resolve, result, client=client)["status"] == "applied"
    assert current(resolve).GetTrackCount("subtitle") == 0
    snap = snap_mod.take(resolve)
    assert snap.transcript_source == "remembered"
    texts = [s["text"] for s in snap.json["subtitles"]]
    assert "我很难过，心里很痛，想哭" not in texts and "好吧，我不走" in texts
    result = instruct(client, resolve, "delete everything BOB says")
    assert_applied(cb.apply(resolve, result, client=client), resolve, version=2)


def test_apply_connects_by_itself_with_the_default_settings(resolve, client):
    result = instruct(client, resolve, "删掉第三个镜头")
    assert_applied(cb.apply(resolve, result), resolve)


def test_live_plan_refuses_ranges_inside_clips(resolve):
    snap = snap_mod.take(resolve)
    ok, why = apply_mod.live_deletes(snap, [{"op": "delete", "range": {"start": 10,
                                                                         "duration": 20}}])
    assert ok is None and "cuts through" in why
    ok, why = apply_mod.live_deletes(snap, [{"op": "delete", "range": {"start": 125,
                                                                         "duration": 250}}])
    assert ok == [(125, 375)] and why is None
    ok, why = apply_mod.live_deletes(snap, [{"op": "speed", "range": {"start": 0,
                                                                        "duration": 5},
                                             "factor": 2.0}])
    assert ok is None and "speed" in why


def test_version_names_skip_existing_ones(resolve):
    p = resolve.GetProjectManager().GetCurrentProject()
    tl = p.GetCurrentTimeline()
    assert apply_mod.next_version_name(p, "Laojie") == "Laojie — CutBridge 1"
    tl.DuplicateTimeline("Laojie — CutBridge 4")
    assert apply_mod.next_version_name(p, "Laojie — CutBridge 4") == "Laojie — CutBridge 5"


@pytest.mark.parametrize("bad", [None, {}, {"operations": 3}, "cut"])
def test_apply_rejects_what_is_not_a_cut_list(resolve, bad):
    with pytest.raises(cb.CutBridgeError):
        cb.apply(resolve, bad, client=object())


@pytest.mark.parametrize("text", [
    "先把语气词都删掉，再在每个镜头之间加8帧溶解",
    "只留李雅的部分，其他都删掉",
    "cut the filler words and then speed up the last clip 1.5x",
    "20秒到30秒这段放慢一半",
])
def test_several_steps_and_keep_only_verify(resolve, client, text):
    result = instruct(client, resolve, text)
    report = cb.apply(resolve, result, client=client)
    assert_applied(report, resolve)
    assert report["method"] == "rebuild"
