"""The fake Resolve keeps to the documented API and models its documented quirks; the fixtures
are what make_fixtures.py writes."""

import json
import os

import opentimelineio as otio
import pytest

import fake_resolve
from conftest import FIXTURES


def objects(resolve):
    pm = resolve.GetProjectManager()
    project = pm.GetCurrentProject()
    tl = project.GetCurrentTimeline()
    pool = project.GetMediaPool()
    item = tl.GetItemListInTrack("video", 1)[0]
    return resolve, pm, project, tl, pool, item, item.GetMediaPoolItem()


@pytest.mark.parametrize("index, name", [
    (0, "Razor"), (2, "GetTimelineByName"), (3, "SetStart"), (3, "SplitClip"),
    (4, "CreateTransition"), (5, "SetSpeed"), (5, "SetStart"), (5, "Trim"), (6, "SetSpeed"),
])
def test_methods_the_real_api_lacks_raise_attribute_error(resolve, index, name):
    obj = objects(resolve)[index]
    with pytest.raises(AttributeError) as e:
        getattr(obj, name)
    assert "documented" in str(e.value)
    with pytest.raises(AttributeError):
        setattr(obj, name, None)


def test_delete_clips_needs_the_edit_page_and_leaves_linked_audio(resolve):
    _, _, project, tl, _, item, _ = objects(resolve)
    resolve.OpenPage("fairlight")
    assert tl.DeleteClips([item], True) is False
    resolve.OpenPage("edit")
    assert tl.DeleteClips([item], True) is True
    assert len(tl.GetItemListInTrack("video", 1)) == 5
    audio = tl.GetItemListInTrack("audio", 1)
    assert len(audio) == 6 and audio[0].GetName() == "街景 开场"  # linked audio stays
    assert tl.GetItemListInTrack("video", 1)[0].GetStart() == tl.GetStartFrame()  # rippled V1
    assert audio[1].GetStart() == tl.GetStartFrame() + 125  # A1 did not move
    other = tl.DuplicateTimeline("other")
    assert other.DeleteClips(other.GetItemListInTrack("video", 1)[:1], True) is False  # not current


def test_append_drops_an_overlapping_item(resolve):
    _, _, project, tl, pool, item, mpi = objects(resolve)
    start = tl.GetStartFrame()
    made = pool.AppendToTimeline([{"mediaPoolItem": mpi, "startFrame": 0, "endFrame": 50,
                                   "trackIndex": 1, "recordFrame": start + 100}])
    assert made == []
    made = pool.AppendToTimeline([{"mediaPoolItem": mpi, "startFrame": 0, "endFrame": 50,
                                   "trackIndex": 1, "recordFrame": start + 1200,
                                   "mediaType": 1}])
    assert len(made) == 1 and made[0].GetStart() == start + 1200
    assert len(tl.GetItemListInTrack("audio", 1)) == 6


def test_import_refuses_existing_names_urls_and_zero_based_sources(resolve, tmp_path):
    _, _, project, tl, pool, _, _ = objects(resolve)
    path = str(tmp_path / "t.otio")
    assert tl.Export(path, resolve.EXPORT_OTIO)
    assert pool.ImportTimelineFromFile(path, {"timelineName": "Laojie"}) is None
    new = pool.ImportTimelineFromFile(path, {"timelineName": "again"})
    assert new is not None and new.GetName() == "again"
    assert [i.GetName() for i in new.GetItemListInTrack("video", 1)] == \
        [i.GetName() for i in tl.GetItemListInTrack("video", 1)]
    assert new.GetItemListInTrack("video", 1)[1].GetLinkedItems()[0].GetName() == "张伟 采访"
    doc = otio.adapters.read_from_file(path)
    clip = doc.tracks[0][0]
    clip.media_reference.target_url = "file://" + clip.media_reference.target_url
    otio.adapters.write_to_file(doc, path)
    assert pool.ImportTimelineFromFile(path, {"timelineName": "url"}) is None
    doc = otio.adapters.read_from_file(str(tmp_path / "t.otio"))
    clip = doc.tracks[0][1]
    clip.source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(2000, 25),
                                                clip.source_range.duration)
    otio.adapters.write_to_file(doc, path)
    assert pool.ImportTimelineFromFile(path, {"timelineName": "zero-based"}) is None


def test_export_otio_drops_timeline_markers(resolve, tmp_path):
    _, _, _, tl, _, _, _ = objects(resolve)
    assert tl.GetMarkers()
    path = str(tmp_path / "t.otio")
    tl.Export(path, resolve.EXPORT_OTIO)
    doc = otio.adapters.read_from_file(path)
    assert len(doc.tracks.markers) == 0
    assert doc.tracks[0][1].source_range.start_time.value == 902000


def test_fixtures_are_current():
    import make_fixtures

    for name, text in make_fixtures.outputs().items():
        with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
            assert f.read() == text, (
                "{} is stale: run python3 resolve-scripts/tests/fixtures/make_fixtures.py"
                .format(name))


def test_fixture_builds(resolve):
    with open(os.path.join(FIXTURES, "laojie.project.json"), encoding="utf-8") as f:
        fixture = json.load(f)
    tl = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    assert tl.GetTrackCount("subtitle") == 1
    assert len(tl.GetItemListInTrack("subtitle", 1)) == len(fixture["subtitles"])
    assert isinstance(resolve, fake_resolve.Resolve)
