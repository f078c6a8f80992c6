"""The CutBridge window inside Resolve: instruction box, Send, the proposed edits, Apply, Undo,
and a status line (UIManager; the menu script Fusion/Scripts/Edit/CutBridge.py runs `run`).

Threads: Resolve's API is called only on the script's own thread (the UI's). The daemon is
talked to by a worker thread and the WebSocket reader thread; their results come back through
a queue that a UIManager timer drains (`Controller.poll`), so the window never waits on the
network. Quirk (HOSTS.md): a socket loop on Fusion's shared script runner can freeze it — none
runs there. `apply` does wait on the daemon (bounded by timeouts) because it must interleave
Resolve calls and replies; it is started only by the Apply button.
"""

import queue
import threading

from . import applier, assemble, snap
from .errors import CutBridgeError, RpcError
from .rpc import DaemonClient
from .timecode import Rate, format_timecode


def describe_operation(op, rate, start_frame):
    """(what, where, detail) of one operation, timecodes in the timeline's own numbering."""

    def tc(frame):
        return format_timecode(start_frame + int(frame), rate)

    kind = op.get("op")
    if kind in ("delete", "speed", "move", "add_marker"):
        r = op["range"]
        where = "{} – {}".format(tc(r["start"]), tc(r["start"] + r["duration"]))
    else:
        where = tc(op.get("at", 0))
    if kind == "delete":
        return "delete", where, "{} frames".format(op["range"]["duration"])
    if kind == "speed":
        return "speed", where, "{:g}×".format(op["factor"])
    if kind == "move":
        return "move", where, "to {}".format(tc(op["to"]))
    if kind == "transition":
        return "transition", where, "{} frames {}".format(op["duration"],
                                                          op.get("kind", "SMPTE_Dissolve"))
    if kind == "add_marker":
        return "marker", where, "{} {}".format(op.get("color", ""), op.get("comment") or
                                               op.get("name") or "").strip()
    return str(kind), where, ""


class Worker(object):
    """One background thread running network jobs in order; results go to `results`."""

    def __init__(self):
        self.jobs = queue.Queue()
        self.results = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="cutbridge-worker")
        self.thread.daemon = True
        self.thread.start()

    def submit(self, fn, done):
        self.jobs.put((fn, done))

    def _run(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            fn, done = job
            try:
                value, error = fn(), None
            except Exception as e:  # handed to the UI thread, shown in the status line
                value, error = None, e
            self.results.put((done, value, error))

    def stop(self):
        self.jobs.put(None)


class Controller(object):
    """What the window does, apart from the widgets (tests drive it with a fake view).

    The view offers: set_status(text), set_rows(rows), set_timeline(text), set_busy(bool),
    selected_row() -> row index or None.
    """

    def __init__(self, resolve, view, make_client=None, srt=None):
        self.resolve = resolve
        self.view = view
        self.srt = srt
        self.make_client = make_client or (lambda notify: DaemonClient(
            roles=["applier"], on_notification=notify))
        self.client = None
        self.worker = Worker()
        self.notes = queue.Queue()
        self.proposals = []  # {"text", "summary", "cut_list", "from"}
        self.rows = []       # (proposal index, operation index)
        self.busy = False

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self._show_timeline()
        self.reconnect()

    def stop(self):
        self.worker.stop()
        if self.client is not None:
            try:
                self.client.close()
            except Exception:
                pass

    def reconnect(self):
        self.view.set_status("connecting to the CutBridge daemon…")

        def connect():
            if self.client is not None:
                self.client.close()
            client = self.make_client(self._on_notification)
            client.connect()
            return client

        def done(client, error):
            if error is not None:
                self.client = None
                self.view.set_status(str(error))
                return
            self.client = client
            self.view.set_status("connected to {} ({})".format(
                client.url, ", ".join(client.hello.get("backends", []))))
            self.sync_current()

        self.worker.submit(connect, done)

    def sync_current(self):
        """Send the current timeline, so that edits other clients propose for it arrive here."""
        if self.client is None:
            return
        try:
            timeline = snap.snapshot(self.resolve, srt=self.srt)  # Resolve: on this thread
        except CutBridgeError as e:
            self.view.set_status(str(e))
            return
        client = self.client

        def done(result, error):
            if error is not None:
                self.view.set_status(str(error))

        self.worker.submit(lambda: client.sync(timeline), done)

    def _on_notification(self, method, params):
        # The reader thread: only queue; the UI thread shows it in poll().
        self.notes.put((method, params))

    def poll(self):
        """Run finished network jobs' callbacks and show notifications (the UI timer calls it)."""
        while True:
            try:
                done, value, error = self.worker.results.get_nowait()
            except queue.Empty:
                break
            done(value, error)
        while True:
            try:
                method, params = self.notes.get_nowait()
            except queue.Empty:
                break
            if method == "edit.proposed" and isinstance(params, dict):
                self._add_proposal(params.get("text", ""), params.get("summary", ""),
                                   params["cut_list"], "proposed by {}".format(
                                       params.get("from_session", "another client")))
            elif method == "log" and isinstance(params, dict):
                self.view.set_status("daemon: {}".format(params.get("message", "")))

    # ---- actions -----------------------------------------------------------------------------

    def send(self, text):
        text = (text or "").strip()
        if not text:
            self.view.set_status("type what to do first, e.g. 删除所有悲伤情绪片段")
            return
        if self.client is None:
            self.view.set_status("not connected to the daemon: start `bridge-daemon serve`, "
                                 "then press Reconnect")
            return
        try:
            timeline = snap.snapshot(self.resolve, srt=self.srt)  # Resolve: on this thread
        except CutBridgeError as e:
            self.view.set_status(str(e))
            return
        client = self.client
        self._set_busy(True, "thinking about: {}".format(text))

        def ask():
            synced = client.sync(timeline)
            return client.instruct(text, fingerprint=synced["fingerprint"])

        def done(result, error):
            self._set_busy(False)
            if isinstance(error, RpcError) and error.refusal_kind:
                self.view.set_status("nothing to change ({}): {}".format(error.refusal_kind,
                                                                        error.message))
                return
            if error is not None:
                self.view.set_status(str(error))
                return
            saved = result.get("preference_saved")
            if saved:
                # A standing preference: the daemon saved it for the project; nothing to apply.
                self.view.set_status("preference saved for “{}”: {}".format(
                    saved.get("project", ""), saved.get("said", "")))
                return
            self._add_proposal(text, result.get("summary", ""), result["cut_list"], "you")

        self.worker.submit(ask, done)

    def caption(self):
        """A timeline without a transcript gets one from Resolve's own speech-to-text (Studio
        18.5+), made on a working copy; then the timeline is synced again with it."""
        why = snap.captioning(self.resolve)
        if why:
            self.view.set_status(why)
            return
        self.view.set_status("Resolve is making captions from the audio…")
        try:
            lines = snap.caption_with_resolve(self.resolve)  # Resolve: on this thread
        except CutBridgeError as e:
            self.view.set_status(str(e))
            return
        self.view.set_status("{} transcript lines from Resolve's captions: instructions about "
                             "what is said can use them now".format(len(lines)))
        self.sync_current()

    def assemble_script(self, script):
        """Assemble the media pool's current folder (its clips are the takes, each with an SRT
        beside its media) to `script`, typed or pasted into the instruction box; the assembly
        opens as a new timeline. Waits on the daemon (bounded), like Apply."""
        if not script.strip():
            self.view.set_status("paste the script (one line of dialogue per line) into the box "
                                 "first, then Assemble")
            return
        if self.client is None:
            self.view.set_status("not connected to the CutBridge daemon")
            return
        pool = snap.current_project(self.resolve).GetMediaPool()
        folder = pool.GetCurrentFolder() or pool.GetRootFolder()
        try:
            tl, result = assemble.assemble_folder(self.resolve, self.client, folder.GetName(),
                                                  script)
        except CutBridgeError as e:
            self.view.set_status(str(e))
            return
        found = len(result["lines"]) - result["missing"]
        missing = [str(l["line"]) for l in result["lines"] if not l.get("chosen")]
        self.view.set_status("assembled {!r}: {} of {} lines found{}; other takes are disabled "
                             "on the tracks below".format(
                                 tl.GetName(), found, len(result["lines"]),
                                 "; not shot: line " + ", ".join(missing) if missing else ""))
        self._show_timeline()
        self.sync_current()

    def apply_selected(self):
        if not self.proposals:
            self.view.set_status("no proposed edits to apply: send an instruction first")
            return None
        if self.client is None:
            self.view.set_status("not connected to the daemon: press Reconnect")
            return None
        row = self.view.selected_row()
        index = self.rows[row][0] if row is not None and 0 <= row < len(self.rows) else \
            len(self.proposals) - 1
        proposal = self.proposals[index]
        self._set_busy(True, "applying: {}".format(proposal["text"]))
        try:
            report = applier.apply(self.resolve, proposal["cut_list"], client=self.client,
                                   srt=self.srt)
        except CutBridgeError as e:
            self._set_busy(False)
            self.view.set_status(str(e))
            return None
        self._set_busy(False)
        status = report["message"]
        if report["differences"]:
            status += " — differences: " + "; ".join(report["differences"][:3])
        self.view.set_status(status)
        if report["status"] == "applied":
            # A cut list is good for one snapshot only: the applied one and those made for the
            # same timeline are spent.
            fp = proposal["cut_list"].get("fingerprint")
            self.proposals = [p for p in self.proposals if p["cut_list"].get("fingerprint") != fp]
            self._refresh_rows()
            self.sync_current()
        self._show_timeline()
        return report

    def undo(self):
        try:
            ok = applier.undo(self.resolve)
        except CutBridgeError as e:
            self.view.set_status(str(e))
            return False
        self.view.set_status("switched back to the previous version" if ok else
                             "nothing to undo: this timeline is not a CutBridge version")
        if ok:
            self.sync_current()
        self._show_timeline()
        return ok

    # ---- view updates ------------------------------------------------------------------------

    def _set_busy(self, busy, status=None):
        self.busy = busy
        self.view.set_busy(busy)
        if status:
            self.view.set_status(status)

    def _show_timeline(self):
        try:
            _, tl = snap.current_timeline(self.resolve)
            self.view.set_timeline("Timeline: {}".format(tl.GetName()))
        except CutBridgeError as e:
            self.view.set_timeline(str(e))

    def _add_proposal(self, text, summary, cut_list, source):
        self.proposals.append({"text": text, "summary": summary, "cut_list": cut_list,
                               "from": source})
        self._refresh_rows()
        n = len(cut_list.get("operations", []))
        self.view.set_status("{} edit(s) proposed for “{}” ({}): select and press Apply".format(
            n, text, source))

    def _refresh_rows(self):
        try:
            _, tl = snap.current_timeline(self.resolve)
            project = self.resolve.GetProjectManager().GetCurrentProject()
            rate, start_tc = snap.timeline_rate(project, tl)
            from .timecode import parse_timecode

            start = parse_timecode(start_tc, rate)
        except Exception:
            rate, start = Rate(25), 0
        self.rows, table = [], []
        for pi, p in enumerate(self.proposals):
            for oi, op in enumerate(p["cut_list"].get("operations", [])):
                what, where, detail = describe_operation(op, rate, start)
                self.rows.append((pi, oi))
                table.append(["{}.{}".format(pi + 1, oi + 1), what, where, detail, p["text"]])
        self.view.set_rows(table)


class ResolveView(object):
    """The UIManager window (Resolve Studio; the free edition lost UIManager windows in 19.1)."""

    COLUMNS = ["#", "edit", "where", "detail", "instruction"]

    def __init__(self, ui, disp):
        self.ui, self.disp = ui, disp
        self.win = disp.AddWindow(
            {"ID": "CutBridgeWin", "WindowTitle": "CutBridge", "Geometry": [200, 160, 640, 560]},
            ui.VGroup({"Spacing": 6}, [
                ui.Label({"ID": "Timeline", "Text": "", "Weight": 0}),
                ui.TextEdit({"ID": "Instruction", "Weight": 0,
                             "PlaceholderText": "删除所有悲伤情绪片段 · speed up the argument 2x"}),
                ui.HGroup({"Weight": 0}, [
                    ui.Button({"ID": "Send", "Text": "Send"}),
                    ui.Button({"ID": "Reconnect", "Text": "Reconnect"}),
                    ui.Button({"ID": "Assemble", "Text": "Assemble script",
                               "ToolTip": "The box holds a script: assemble the current media-pool "
                                          "folder's takes to it as a new timeline"}),
                    ui.Button({"ID": "Captions", "Text": "Captions from audio",
                               "ToolTip": "No transcript? Let Resolve Studio caption the "
                                          "timeline's audio (on a copy)"}),
                ]),
                ui.Tree({"ID": "Edits", "Weight": 1, "SortingEnabled": False}),
                ui.HGroup({"Weight": 0}, [
                    ui.Button({"ID": "Apply", "Text": "Apply"}),
                    ui.Button({"ID": "Undo", "Text": "Undo"}),
                ]),
                ui.Label({"ID": "Status", "Text": "", "WordWrap": True, "Weight": 0}),
            ]))
        self.items = self.win.GetItems()
        tree = self.items["Edits"]
        tree.ColumnCount = len(self.COLUMNS)
        header = tree.NewItem()
        for i, label in enumerate(self.COLUMNS):
            header.Text[i] = label
        tree.SetHeaderItem(header)
        self._row_items = []

    def set_status(self, text):
        self.items["Status"].Text = text

    def set_timeline(self, text):
        self.items["Timeline"].Text = text

    def set_busy(self, busy):
        for name in ("Send", "Apply", "Undo", "Captions", "Assemble"):
            self.items[name].Enabled = not busy

    def set_rows(self, rows):
        tree = self.items["Edits"]
        tree.Clear()
        self._row_items = []
        for row in rows:
            it = tree.NewItem()
            for i, text in enumerate(row):
                it.Text[i] = text
            tree.AddTopLevelItem(it)
            self._row_items.append(it)

    def selected_row(self):
        current = self.items["Edits"].CurrentItem()
        for i, it in enumerate(self._row_items):
            if current is not None and it == current:
                return i
        return None

    def instruction(self):
        return self.items["Instruction"].PlainText


def run(resolve, fusion, bmd, srt=None):
    """Open the window and run its event loop until it is closed."""
    ui = fusion.UIManager
    disp = bmd.UIDispatcher(ui)
    view = ResolveView(ui, disp)
    controller = Controller(resolve, view, srt=srt)
    win = view.win

    def on_close(ev):
        disp.ExitLoop()

    win.On.CutBridgeWin.Close = on_close
    win.On.Send.Clicked = lambda ev: (controller.send(view.instruction()), controller.poll())
    win.On.Reconnect.Clicked = lambda ev: controller.reconnect()
    win.On.Apply.Clicked = lambda ev: (controller.poll(), controller.apply_selected())
    win.On.Undo.Clicked = lambda ev: controller.undo()
    win.On.Captions.Clicked = lambda ev: controller.caption()
    win.On.Assemble.Clicked = lambda ev: controller.assemble_script(view.instruction())
    # The timer drains the worker's results. UNCONFIRMED: `ui.Timer` is taken from Fusion's
    # UIManager; without it, results show on the next button press.
    timer = None
    try:
        timer = ui.Timer({"ID": "CutBridgePoll", "Interval": 100})
        disp.On.CutBridgePoll.Timeout = lambda ev: controller.poll()
        timer.Start()
    except Exception:
        timer = None
    controller.start()
    win.Show()
    try:
        disp.RunLoop()
    finally:
        if timer is not None:
            try:
                timer.Stop()
            except Exception:
                pass
        win.Hide()
        controller.stop()
    return controller
