"""Resolve's own speech-to-text for a timeline without a transcript: CreateSubtitlesFromAudio on a
working copy (Studio 18.5+), the lines read back and remembered, the editor's timeline untouched;
the free edition, older versions and bad languages refused with the reason."""

import pytest

import cutbridge_resolve as cb
from cutbridge_resolve import snap
from cutbridge_resolve.errors import ResolveStateError

SPOKEN = [(30, 50, "张伟：我们开始吧"), (300, 60, "BOB: the street was empty"), (900, 40, "收工")]


def without_subtitles(resolve):
    """The fixture's timeline, its subtitle track taken away (fixture set-up: the API has no
    call that removes a track), with what its audio says."""
    project = resolve.GetProjectManager().GetCurrentProject()
    tl = project.GetCurrentTimeline()
    tl._tracks["subtitle"] = []
    resolve._w.spoken = list(SPOKEN)
    return project, tl


def test_captions_are_made_on_a_working_copy_and_remembered(resolve):
    project, tl = without_subtitles(resolve)
    assert "subtitles" not in cb.snapshot(resolve)
    count = project.GetTimelineCount()
    lines = snap.caption_with_resolve(resolve, language="zh")
    assert [(l["range"]["start"], l["range"]["duration"], l.get("speaker"), l["text"])
            for l in lines] == [(30, 50, "张伟", "我们开始吧"),
                                (300, 60, "BOB", "the street was empty"),
                                (900, 40, None, "收工")]
    # The copy was captioned, then deleted; the editor's timeline has no new track and is current.
    assert resolve._w.captioned == ["Laojie (CutBridge captions)"]
    assert project.GetTimelineCount() == count
    assert tl.GetTrackCount("subtitle") == 0
    assert project.GetCurrentTimeline() is tl
    # The next snapshot sends the remembered lines, as the daemon reads a transcript.
    s = snap.take(resolve)
    assert s.transcript_source == "remembered"
    assert s.json["subtitles"] == lines


def test_a_timeline_with_a_subtitle_track_is_not_captioned_again(resolve):
    lines = snap.caption_with_resolve(resolve)
    assert lines == cb.snapshot(resolve)["subtitles"]
    assert resolve._w.captioned == []


@pytest.mark.parametrize("studio, version, says", [
    (False, [19, 1, 3, 7, ""], "Studio feature"),
    (True, [18, 1, 4, 9, ""], "18.5 or later"),
])
def test_the_free_edition_and_older_versions_say_why(resolve, studio, version, says):
    without_subtitles(resolve)
    resolve._w.studio, resolve._w.version = studio, version
    assert says in snap.captioning(resolve)
    with pytest.raises(ResolveStateError, match=says):
        snap.caption_with_resolve(resolve)
    assert resolve._w.captioned == []


def test_the_fake_is_faithful_about_versions_and_settings(resolve):
    project, tl = without_subtitles(resolve)
    # Before 18.5 the call does not exist, and dir() does not list it.
    resolve._w.version = [18, 1, 4, 9, ""]
    assert not snap.has_method(tl, "CreateSubtitlesFromAudio")
    with pytest.raises(AttributeError):
        tl.CreateSubtitlesFromAudio({})
    resolve._w.version = [19, 1, 3, 7, ""]
    # Settings outside the documented ranges are refused (False), as the UI's limits are.
    assert tl.CreateSubtitlesFromAudio({resolve.SUBTITLE_CHARS_PER_LINE: 61}) is False
    assert tl.CreateSubtitlesFromAudio({resolve.SUBTITLE_GAP: 3,
                                        resolve.SUBTITLE_LANGUAGE: resolve.AUTO_CAPTION_ENGLISH})
    # The free edition answers False.
    resolve._w.studio = False
    assert tl.CreateSubtitlesFromAudio({}) is False


def test_an_unknown_language_and_silence_are_refused(resolve):
    project, tl = without_subtitles(resolve)
    with pytest.raises(ResolveStateError, match="captions no 'klingon'"):
        snap.caption_with_resolve(resolve, language="klingon")
    resolve._w.spoken = []
    count = project.GetTimelineCount()
    with pytest.raises(ResolveStateError, match="heard no words"):
        snap.caption_with_resolve(resolve)
    assert project.GetTimelineCount() == count, "the working copy was left behind"
    assert project.GetCurrentTimeline() is tl


def test_the_window_captions_then_syncs(resolve, env_daemon):
    """The "Captions from audio" button of the menu script's window, against the real daemon."""
    import fake_ui
    import runpy
    from test_panel import MENU_SCRIPT

    without_subtitles(resolve)
    seen = {}

    def user(disp):
        status = disp.item("Status")
        assert disp.tick_until(lambda: "connected" in status.Text), status.Text
        disp.fire("Captions", "Clicked")
        seen["status"] = status.Text
        disp.fire("CutBridgeWin", "Close")

    bmd = fake_ui.Bmd(user)
    runpy.run_path(MENU_SCRIPT, init_globals={"resolve": resolve, "fusion": fake_ui.Fusion(),
                                              "bmd": bmd}, run_name="__main__")
    assert seen["status"].startswith("3 transcript lines from Resolve's captions"), seen
    assert snap.take(resolve).transcript_source == "remembered"
