"""Assembly from a script on a media-pool folder, through the real daemon (`edit.assemble`) and
the fake Resolve: the folder's clips with transcripts beside them, a script with a line nobody
shot; the assembly comes back as a new timeline with the best takes on V1, the other takes
disabled below, and the missing line marked; the editor's timeline is untouched."""

import os

import pytest

from cutbridge_resolve import assemble
from cutbridge_resolve.errors import ResolveStateError

# Clip (media-pool name without extension) → what it says, from 10 s to 14 s of the clip.
SAID = {
    "zhangwei_camA": "嗯，这家店，这家店开了三十年了",
    "liya_camA": "这家店开了三十年了",
    "bob_office": "Um, we we opened the -- the shop in 1983.",
}
SCRIPT = "这家店开了三十年了\nThis line was never shot.\nWe opened the shop in 1983.\n"


def write_transcripts(folder):
    for clip, text in SAID.items():
        with open(os.path.join(folder, clip + ".srt"), "w", encoding="utf-8") as f:
            f.write("1\n00:00:10,000 --> 00:00:14,000\n{}\n".format(text))


def test_a_folder_of_takes_becomes_an_assembly_timeline(resolve, client, tmp_path):
    write_transcripts(str(tmp_path))
    project = resolve.GetProjectManager().GetCurrentProject()
    before = [project.GetTimelineByIndex(i).GetName()
              for i in range(1, project.GetTimelineCount() + 1)]
    tl, result = assemble.assemble_folder(resolve, client, "Master", SCRIPT,
                                          transcripts_dir=str(tmp_path))
    assert tl.GetName() == "Master assembly"
    assert project.GetCurrentTimeline() is tl
    lines = result["lines"]
    assert [l.get("chosen", {}).get("clip") for l in lines] == ["liya_camA", None, "bob_office"]
    assert lines[0]["alternates"][0]["clip"] == "zhangwei_camA"
    assert result["missing"] == 1
    # V1: the chosen takes (4 s each) around a 2 s slug; V2 the alternate, disabled.
    v1 = tl.GetItemListInTrack("video", 1)
    assert [(i.GetName(), i.GetDuration()) for i in v1] == [("liya_camA", 100), ("bob_office", 100)]
    assert v1[1].GetStart() - v1[0].GetEnd() == 50
    v2 = tl.GetItemListInTrack("video", 2)
    assert [i.GetName() for i in v2] == ["zhangwei_camA"]
    assert not v2[0].GetClipEnabled() and v1[0].GetClipEnabled()
    assert all(not i.GetClipEnabled() for i in tl.GetItemListInTrack("audio", 2))
    # The missing line is a red marker on the timeline.
    reds = [m for m in tl.GetMarkers().values() if m["color"] == "Red"]
    assert [m["note"] for m in reds] == ["This line was never shot."]
    # Nothing else changed.
    assert all(project.GetTimelineByIndex(i).GetName() in before + ["Master assembly"]
               for i in range(1, project.GetTimelineCount() + 1))
    assert "This line was never shot." in result["report_html"]


def test_transcripts_are_found_beside_the_media_and_a_folder_without_them_is_refused(
        resolve, client, tmp_path):
    with pytest.raises(ResolveStateError, match="no media-pool folder named 'Nope'"):
        assemble.assemble_folder(resolve, client, "Nope", SCRIPT)
    # The fixture's media live under /media/laojie, which holds no transcripts here.
    with pytest.raises(ResolveStateError, match="has a transcript"):
        assemble.assemble_folder(resolve, client, "Master", SCRIPT)
    found = assemble._transcript(str(tmp_path / "take1.mov"), "take1", None)
    assert found is None
    (tmp_path / "take1.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\n",
                                        encoding="utf-8")
    assert assemble._transcript(str(tmp_path / "take1.mov"), "take1", None)[0] == "take1"


def test_the_window_assembles_the_current_folder_to_the_script_in_the_box(
        resolve, env_daemon, tmp_path, monkeypatch):
    """The menu script's "Assemble script" button: the script pasted into the box, the current
    media-pool folder's takes (transcripts found beside their media)."""
    import runpy

    import fake_ui
    from test_panel import MENU_SCRIPT

    write_transcripts(str(tmp_path))
    # The takes' media live in tmp_path for this test, so their transcripts sit beside them.
    for mpi in resolve.GetProjectManager().GetCurrentProject().GetMediaPool() \
            .GetRootFolder().GetClipList():
        mpi._props["File Path"] = str(tmp_path / mpi.GetName())
    seen = {}

    def user(disp):
        status = disp.item("Status")
        assert disp.tick_until(lambda: "connected" in status.Text), status.Text
        disp.item("Instruction").PlainText = SCRIPT
        disp.fire("Assemble", "Clicked")
        seen["status"] = status.Text
        seen["timeline"] = disp.item("Timeline").Text
        disp.fire("CutBridgeWin", "Close")

    bmd = fake_ui.Bmd(user)
    runpy.run_path(MENU_SCRIPT, init_globals={"resolve": resolve, "fusion": fake_ui.Fusion(),
                                              "bmd": bmd}, run_name="__main__")
    assert seen["status"].startswith("assembled 'Master assembly': 2 of 3 lines found; "
                                     "not shot: line 2"), seen
    assert seen["timeline"] == "Timeline: Master assembly"
