"""The daemon's JSON-RPC 2.0 protocol over the WebSocket client (docs/protocol.md).

`DaemonClient` owns one connection and one reader thread. The reader thread is the only place
that waits on the socket: it matches replies to requests and hands notifications
(`edit.proposed`, `progress`, `log`) to a callback. `call` blocks the calling thread only on an
`Event`, with a timeout, so Resolve's script runner is never held by a socket loop (HOSTS.md:
a socket loop on Fusion's shared script runner can freeze it).
"""

import itertools
import json
import threading

from . import paths
from .errors import UNAUTHENTICATED, DaemonUnavailable, RpcError
from .websocket import ConnectionClosed, HandshakeError, WebSocket, WebSocketError

CLIENT_NAME = "resolve-script"
VERSION = "0.1.0"


class _Pending(object):
    __slots__ = ("event", "reply")

    def __init__(self):
        self.event = threading.Event()
        self.reply = None


class DaemonClient(object):
    """A session with the daemon: connect, `session.hello`, then `call` methods.

    `on_notification(method, params)` runs on the reader thread; keep it short (queue the
    work). `roles=("applier",)` asks for `edit.proposed` of the timelines this session syncs.
    """

    def __init__(self, url=None, token=None, token_file=None, roles=(), timeout=10.0,
                 on_notification=None, client_name=CLIENT_NAME):
        self.url = url or paths.daemon_url()
        self._token = token
        self._token_file = token_file
        self.roles = list(roles)
        self.timeout = timeout
        self.on_notification = on_notification
        self.client_name = client_name
        self.hello = None
        self._ws = None
        self._ids = itertools.count(1)
        self._pending = {}
        self._lock = threading.Lock()
        self._reader = None
        self._lost = None

    # ---- connection ------------------------------------------------------------------------

    def connect(self):
        """Connect and authenticate; raises `DaemonUnavailable` with what to do."""
        token = self._token or paths.read_token(self._token_file)
        try:
            self._ws = WebSocket.connect(self.url, timeout=self.timeout)
        except HandshakeError as e:
            raise DaemonUnavailable("the daemon at {} refused the connection: {}".format(
                self.url, e))
        except WebSocketError as e:
            raise DaemonUnavailable(
                "no CutBridge daemon answers at {} ({}): start it with "
                "`bridge-daemon serve`".format(self.url, getattr(e, "reason", None) or e))
        self._lost = None
        self._reader = threading.Thread(target=self._read_loop, name="cutbridge-ws-reader")
        self._reader.daemon = True
        self._reader.start()
        try:
            self.hello = self.call("session.hello", {
                "token": token,
                "client": self.client_name,
                "version": VERSION,
                "roles": self.roles,
            })
        except RpcError as e:
            self.close()
            if e.code == UNAUTHENTICATED:
                raise DaemonUnavailable(
                    "the daemon at {} did not accept the token from {}: it was made by another "
                    "daemon (see the path `bridge-daemon serve` prints)".format(
                        self.url, self._token_file or paths.token_file()))
            raise
        except DaemonUnavailable:
            self.close()
            raise
        return self

    @property
    def connected(self):
        return self._ws is not None and self._lost is None and not self._ws.closed

    def close(self):
        """Close politely and wait (bounded) for the reader thread to end."""
        ws, self._ws = self._ws, None
        if ws is None:
            return
        ws.send_close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(2.0)
        ws.abort()
        self._fail_pending(DaemonUnavailable("the connection to the daemon was closed"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- requests --------------------------------------------------------------------------

    def call(self, method, params=None, timeout=None):
        """Send a request and wait for its reply; the result, or `RpcError`."""
        ws = self._ws
        if ws is None or self._lost is not None:
            raise self._lost or DaemonUnavailable("not connected to the daemon")
        rid = next(self._ids)
        pending = _Pending()
        with self._lock:
            self._pending[rid] = pending
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        try:
            ws.send_text(json.dumps(msg, ensure_ascii=False, separators=(",", ":")))
        except WebSocketError as e:
            with self._lock:
                self._pending.pop(rid, None)
            raise DaemonUnavailable("lost the daemon while sending {}: {}".format(method, e))
        wait = self.timeout if timeout is None else timeout
        if not pending.event.wait(wait):
            with self._lock:
                self._pending.pop(rid, None)
            raise DaemonUnavailable("the daemon did not answer {} within {:g} s".format(
                method, wait))
        reply = pending.reply
        if isinstance(reply, Exception):
            raise reply
        if "error" in reply:
            err = reply["error"] or {}
            raise RpcError(err.get("code"), err.get("message", "unknown error"),
                           err.get("data"), method)
        return reply.get("result")

    # Convenience wrappers, one per method of docs/protocol.md.

    def sync(self, timeline):
        return self.call("timeline.sync", {"timeline": timeline})

    def instruct(self, text, fingerprint=None, timeline=None, selection=None, timeout=60.0):
        params = {"text": text}
        if fingerprint:
            params["fingerprint"] = fingerprint
        if timeline is not None:
            params["timeline"] = timeline
        if selection is not None:
            params["selection"] = selection
        return self.call("edit.instruct", params, timeout=timeout)

    def export(self, cut_list, fmt, fingerprint=None):
        params = {"format": fmt}
        if cut_list is not None:
            params["cut_list"] = cut_list
        if fingerprint:
            params["fingerprint"] = fingerprint
        return self.call("edit.export", params, timeout=60.0)

    def assemble(self, bin_timeline, transcripts, script, name=None, fmt="otio"):
        params = {"bin": bin_timeline, "transcripts": transcripts, "script": script,
                  "format": fmt}
        if name:
            params["name"] = name
        return self.call("edit.assemble", params, timeout=120.0)

    def report(self, cut_list_id, results, status=None, backup=None):
        params = {"cut_list_id": cut_list_id, "results": results}
        if status:
            params["status"] = status
        if backup:
            params["backup"] = backup
        return self.call("apply.report", params)

    # ---- the reader thread -----------------------------------------------------------------

    def _read_loop(self):
        ws = self._ws
        try:
            while True:
                opcode, data = ws.recv()
                if not isinstance(data, str):
                    continue  # binary frames are audio, which this client never asked for
                try:
                    msg = json.loads(data)
                except ValueError:
                    continue
                if not isinstance(msg, dict):
                    continue
                if "method" in msg and "id" not in msg:
                    self._notify(msg.get("method"), msg.get("params"))
                    continue
                rid = msg.get("id")
                with self._lock:
                    pending = self._pending.pop(rid, None)
                if pending is not None:
                    pending.reply = msg
                    pending.event.set()
        except ConnectionClosed as e:
            why = "the daemon closed the connection ({}{})".format(
                e.code, ": " + e.reason if e.reason else "")
            self._lost = DaemonUnavailable(why)
        except WebSocketError as e:
            self._lost = DaemonUnavailable("the connection to the daemon broke: {}".format(e))
        except Exception as e:  # never let the reader die silently with requests waiting
            self._lost = DaemonUnavailable("the daemon connection failed: {!r}".format(e))
        self._fail_pending(self._lost)

    def _notify(self, method, params):
        cb = self.on_notification
        if cb is None:
            return
        try:
            cb(method, params)
        except Exception:
            pass  # a broken callback must not take the connection down

    def _fail_pending(self, error):
        with self._lock:
            pending, self._pending = self._pending, {}
        for p in pending.values():
            p.reply = error
            p.event.set()
