"""A fake of Fusion's UIManager and UIDispatcher, enough to run the CutBridge window in tests.

`Dispatcher.RunLoop` runs a test's `script(disp)`, which plays the user: it types into widgets,
fires events (`disp.fire("Send", "Clicked")`) and ticks timers (`disp.tick()`).
"""

import time


class _Handlers(object):
    def __init__(self):
        object.__setattr__(self, "events", {})

    def __setattr__(self, event, fn):
        self.events[event] = fn


class _On(object):
    def __init__(self):
        object.__setattr__(self, "ids", {})

    def __getattr__(self, wid):
        return self.ids.setdefault(wid, _Handlers())


class TreeItem(object):
    def __init__(self):
        self.Text = {}


class Widget(object):
    def __init__(self, kind, props, children=()):
        self.kind = kind
        self.ID = props.get("ID")
        self.props = dict(props)
        self.children = list(children)
        self.Text = props.get("Text", "")
        self.PlainText = ""
        self.Enabled = True
        # Tree
        self.ColumnCount = 0
        self.header = None
        self.rows = []
        self.current = None

    def NewItem(self):
        return TreeItem()

    def SetHeaderItem(self, item):
        self.header = item

    def Clear(self):
        self.rows = []
        self.current = None

    def AddTopLevelItem(self, item):
        self.rows.append(item)

    def CurrentItem(self):
        return self.current

    def walk(self):
        yield self
        for c in self.children:
            for w in c.walk():
                yield w


class Timer(object):
    def __init__(self, props):
        self.ID = props["ID"]
        self.running = False

    def Start(self):
        self.running = True

    def Stop(self):
        self.running = False


class UIManager(object):
    def __init__(self):
        self.timers = []

    def _group(self, kind, a, b=None):
        props, children = (a, b) if b is not None else ({}, a)
        return Widget(kind, props, children)

    def VGroup(self, a, b=None):
        return self._group("VGroup", a, b)

    def HGroup(self, a, b=None):
        return self._group("HGroup", a, b)

    def Label(self, props):
        return Widget("Label", props)

    def TextEdit(self, props):
        return Widget("TextEdit", props)

    def Button(self, props):
        return Widget("Button", props)

    def Tree(self, props):
        return Widget("Tree", props)

    def Timer(self, props):
        t = Timer(props)
        self.timers.append(t)
        return t


class Window(object):
    def __init__(self, props, layout):
        self.props = props
        self.layout = layout
        self.On = _On()
        self.shown = False
        self.items = {w.ID: w for w in layout.walk() if w.ID}

    def GetItems(self):
        return self.items

    def Show(self):
        self.shown = True

    def Hide(self):
        self.shown = False


class Dispatcher(object):
    def __init__(self, ui, script):
        self.ui = ui
        self.script = script
        self.On = _On()
        self.window = None
        self.exited = False

    def AddWindow(self, props, layout):
        self.window = Window(props, layout)
        return self.window

    def RunLoop(self):
        self.script(self)

    def ExitLoop(self):
        self.exited = True

    # ---- for tests ---------------------------------------------------------------------------

    def fire(self, wid, event):
        fn = self.window.On.ids[wid].events[event]
        fn({"who": wid, "what": event})

    def tick(self):
        for t in self.ui.timers:
            if t.running:
                self.On.ids[t.ID].events["Timeout"]({"who": t.ID})

    def tick_until(self, predicate, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.tick()
            if predicate():
                return True
            time.sleep(0.02)
        return False

    def item(self, wid):
        return self.window.items[wid]


class Bmd(object):
    """The `bmd` global: only UIDispatcher is needed."""

    def __init__(self, script):
        self.script = script
        self.dispatcher = None

    def UIDispatcher(self, ui):
        self.dispatcher = Dispatcher(ui, self.script)
        return self.dispatcher


class Fusion(object):
    def __init__(self):
        self.UIManager = UIManager()
