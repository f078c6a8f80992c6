"""The menu script and its window, run with a fake UIManager, the fake Resolve and the real
daemon: type, Send, see the proposed edits, Apply, Undo, close."""

import os
import runpy

import cutbridge_resolve as cb
import fake_ui
from conftest import SCRIPTS
from cutbridge_resolve import panel
from cutbridge_resolve.timecode import Rate

MENU_SCRIPT = os.path.join(SCRIPTS, "Fusion", "Scripts", "Edit", "CutBridge.py")


def current_name(resolve):
    return resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline().GetName()


def test_the_menu_script_sends_applies_and_undoes(resolve, env_daemon):
    seen = {}

    def user(disp):
        status = disp.item("Status")
        assert disp.window.shown
        assert disp.tick_until(lambda: "connected" in status.Text), status.Text
        assert disp.item("Timeline").Text == "Timeline: Laojie"
        disp.item("Instruction").PlainText = "删掉第三个镜头"
        disp.fire("Send", "Clicked")
        edits = disp.item("Edits")
        assert disp.tick_until(lambda: edits.rows), status.Text
        seen["row"] = dict(edits.rows[0].Text)
        edits.current = edits.rows[0]
        disp.fire("Apply", "Clicked")
        seen["applied"] = status.Text
        seen["after_apply"] = disp.item("Timeline").Text
        assert edits.rows == []  # the spent cut list is gone
        disp.fire("Undo", "Clicked")
        seen["undone"] = status.Text
        disp.fire("CutBridgeWin", "Close")

    bmd = fake_ui.Bmd(user)
    runpy.run_path(MENU_SCRIPT, init_globals={"resolve": resolve, "fusion": fake_ui.Fusion(),
                                              "bmd": bmd}, run_name="__main__")
    assert bmd.dispatcher.exited and not bmd.dispatcher.window.shown
    assert seen["row"] == {0: "1.1", 1: "delete", 2: "01:00:15:00 – 01:00:25:00",
                           3: "250 frames", 4: "删掉第三个镜头"}
    assert seen["applied"].startswith("applied as 'Laojie — CutBridge 1'")
    assert seen["after_apply"] == "Timeline: Laojie — CutBridge 1"
    assert seen["undone"] == "switched back to the previous version"
    assert current_name(resolve) == "Laojie"


class View(object):
    def __init__(self):
        self.status, self.rows, self.timeline, self.busy, self.row = "", [], "", False, None

    def set_status(self, text):
        self.status = text

    def set_rows(self, rows):
        self.rows = rows

    def set_timeline(self, text):
        self.timeline = text

    def set_busy(self, busy):
        self.busy = busy

    def selected_row(self):
        return self.row


def pump(controller, predicate, timeout=10.0):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        controller.poll()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_edits_proposed_by_another_client_show_up(resolve, env_daemon):
    view = View()
    c = panel.Controller(resolve, view)
    c.start()
    try:
        assert pump(c, lambda: "connected" in view.status), view.status
        # The window synced the timeline when it connected; wait until the daemon has it.
        c.worker.submit(lambda: None, lambda v, e: view.set_status("synced"))
        assert pump(c, lambda: view.status == "synced")
        with cb.DaemonClient(client_name="voice").connect() as other:
            other.instruct("开心的句子都打上绿色标记", timeline=cb.snapshot(resolve))
        assert pump(c, lambda: view.rows), view.status
        assert [r[1] for r in view.rows] == ["marker", "marker"]
        assert "proposed by" in view.status
        report = c.apply_selected()
        assert report["status"] == "applied", report
    finally:
        c.stop()


def test_refusals_and_a_missing_daemon_are_shown(resolve, env_daemon, monkeypatch):
    view = View()
    c = panel.Controller(resolve, view)
    c.start()
    try:
        assert pump(c, lambda: "connected" in view.status)
        c.send("make it pop more")
        assert pump(c, lambda: view.status.startswith("nothing to change")), view.status
        c.send("   ")
        assert "type what to do" in view.status
        assert c.apply_selected() is None and "no proposed edits" in view.status
        assert c.undo() is False and "nothing to undo" in view.status
    finally:
        c.stop()
    monkeypatch.setenv("CUTBRIDGE_URL", "ws://127.0.0.1:9/")
    view = View()
    c = panel.Controller(resolve, view)
    c.start()
    try:
        assert pump(c, lambda: "bridge-daemon serve" in view.status), view.status
        c.send("删掉第三个镜头")
        assert "not connected" in view.status
    finally:
        c.stop()


def test_a_preference_said_in_the_panel_is_saved_by_the_daemon(resolve, env_daemon):
    view = View()
    c = panel.Controller(resolve, view)
    c.start()
    try:
        assert pump(c, lambda: "connected" in view.status)
        c.send("always keep 0.2 s of air around every cut")
        assert pump(c, lambda: view.status.startswith("preference saved")), view.status
        assert "Laojie" in view.status and "0.2" in view.status, view.status
        assert view.rows == [], "nothing to apply"
        assert os.listdir(env_daemon.prefs_dir), "the daemon saved it"
    finally:
        c.stop()
        # The session's daemon serves the other tests: their edits must not take the margin.
        for f in os.listdir(env_daemon.prefs_dir) if os.path.isdir(env_daemon.prefs_dir) else []:
            os.remove(os.path.join(env_daemon.prefs_dir, f))


def test_operations_are_described_in_timecode():
    r = Rate(25)
    assert panel.describe_operation({"op": "speed", "range": {"start": 125, "duration": 250},
                                     "factor": 2.0}, r, 90000) == \
        ("speed", "01:00:05:00 – 01:00:15:00", "2×")
    assert panel.describe_operation({"op": "transition", "at": 125, "duration": 12}, r, 0) == \
        ("transition", "00:00:05:00", "12 frames SMPTE_Dissolve")
    assert panel.describe_operation({"op": "move", "range": {"start": 0, "duration": 25},
                                     "to": 50}, r, 0)[2] == "to 00:00:02:00"
