"""The adapter's own RFC 6455 client against independent servers.

- Python's `websockets` library as the server (echo, fragmented messages, server pings, close
  codes, refused handshakes, size limits, large masked frames);
- a raw socket server that sends crafted bytes (bad accept key, masked or reserved-bit frames,
  invalid UTF-8, a frame split across a timeout);
- the real daemon through `DaemonClient` (hello, wrong token, refusals, notifications to an
  applier, a message over the daemon's limit closing with 1009).
"""

import asyncio
import json
import os
import socket
import struct
import threading
import time
from http import HTTPStatus

import pytest
from websockets.asyncio.server import serve

import conftest
from cutbridge_resolve import DaemonClient, errors
from cutbridge_resolve import websocket as ws_mod
from cutbridge_resolve.websocket import (ConnectionClosed, HandshakeError, ProtocolError,
                                         WebSocket, WebSocketTimeout)


class WsServer(object):
    """A `websockets` server on 127.0.0.1:0 in a thread of its own."""

    def __init__(self):
        self.closes = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self):
        self.server = await serve(self._handler, "127.0.0.1", 0, max_size=None,
                                  process_request=self._process_request)
        self.port = self.server.sockets[0].getsockname()[1]

    def _process_request(self, connection, request):
        if request.path == "/forbidden":
            return connection.respond(HTTPStatus.FORBIDDEN, "no\n")
        return None

    async def _handler(self, ws):
        path = ws.request.path
        try:
            if path == "/fragments":
                await ws.send(["你好", "，", "world"])
                await ws.send([b"\x00\x01", b"\x02"])
            elif path == "/ping":
                waiter = await ws.ping(b"are you there")
                await asyncio.wait_for(waiter, 5)
                await ws.send("pong received")
            elif path == "/close":
                await ws.close(4000, "bye 再见")
            elif path == "/big":
                await ws.send("x" * 200000)
            async for message in ws:
                await ws.send(message)
        finally:
            await ws.wait_closed()
            self.closes.append((path, ws.close_code, ws.close_reason))

    def url(self, path="/"):
        return "ws://127.0.0.1:{}{}".format(self.port, path)

    def stop(self):
        async def shutdown():
            self.server.close()
            await self.server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        except Exception:
            pass  # a connection a failed test left open must not hide that failure
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def server():
    s = WsServer()
    yield s
    s.stop()


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


# ---- against `websockets` ------------------------------------------------------------------------

def test_echo_text_and_binary_of_every_length_class(server):
    ws = WebSocket.connect(server.url("/echo"))
    try:
        for text in ["", "短", "删除所有悲伤情绪片段 " * 10, "y" * 70000]:  # 7-, 16- and 64-bit
            ws.send_text(text)
            assert ws.recv(timeout=5) == (ws_mod.OP_TEXT, text)
        blob = os.urandom(5 * 1024 * 1024)
        ws.send_binary(blob)
        assert ws.recv(timeout=20) == (ws_mod.OP_BINARY, blob)
    finally:
        ws.close()
    assert wait_for(lambda: ("/echo", 1000, "") in server.closes)


def test_fragmented_messages_are_reassembled(server):
    ws = WebSocket.connect(server.url("/fragments"))
    assert ws.recv(timeout=5) == (ws_mod.OP_TEXT, "你好，world")
    assert ws.recv(timeout=5) == (ws_mod.OP_BINARY, b"\x00\x01\x02")
    ws.send_fragmented(ws_mod.OP_TEXT, ["然后", " then ", "再"])
    assert ws.recv(timeout=5) == (ws_mod.OP_TEXT, "然后 then 再")
    ws.close()


def test_a_server_ping_is_answered_while_reading(server):
    ws = WebSocket.connect(server.url("/ping"))
    assert ws.recv(timeout=5) == (ws_mod.OP_TEXT, "pong received")
    ws.close()


def test_the_server_closing_gives_its_code_and_reason(server):
    ws = WebSocket.connect(server.url("/close"))
    with pytest.raises(ConnectionClosed) as e:
        ws.recv(timeout=5)
    assert (e.value.code, e.value.reason) == (4000, "bye 再见")
    assert ws.closed
    with pytest.raises(ConnectionClosed):
        ws.send_text("too late")


def test_a_refused_handshake_names_the_status(server):
    with pytest.raises(HandshakeError) as e:
        WebSocket.connect(server.url("/forbidden"))
    assert e.value.status == 403 and "403" in str(e.value)


def test_a_message_over_the_limit_closes_with_1009(server):
    ws = WebSocket.connect(server.url("/big"), max_message_bytes=100000)
    with pytest.raises(ProtocolError) as e:
        ws.recv(timeout=5)
    assert e.value.code == ws_mod.TOO_BIG
    assert wait_for(lambda: any(c[0] == "/big" and c[1] == 1009 for c in server.closes))


def test_recv_times_out_and_the_connection_stays_usable(server):
    ws = WebSocket.connect(server.url("/echo"))
    with pytest.raises(WebSocketTimeout):
        ws.recv(timeout=0.05)
    ws.send_text("still here")
    assert ws.recv(timeout=5) == (ws_mod.OP_TEXT, "still here")
    ws.close()


def test_connecting_to_nothing_is_a_clear_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ConnectionClosed) as e:
        WebSocket.connect("ws://127.0.0.1:{}/".format(port), timeout=2)
    assert "cannot connect" in str(e.value)
    with pytest.raises(ws_mod.WebSocketError):
        WebSocket.connect("http://127.0.0.1:1/")


def test_masking_round_trips():
    mask = b"\x01\x02\x03\x04"
    data = os.urandom(1001)
    assert ws_mod.mask_payload(mask, ws_mod.mask_payload(mask, data)) == data
    assert ws_mod.mask_payload(mask, b"\x00" * 6) == b"\x01\x02\x03\x04\x01\x02"
    frame = ws_mod.encode_frame(ws_mod.OP_TEXT, b"hi", mask=mask)
    assert frame == b"\x81\x82" + mask + bytes([ord("h") ^ 1, ord("i") ^ 2])
    # RFC 6455 section 1.3's example key.
    assert ws_mod.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


# ---- against a raw server that misbehaves on purpose -----------------------------------------------

class RawServer(object):
    """Accepts one connection, answers the handshake (optionally wrongly), sends `frames`."""

    def __init__(self, frames=(), bad_accept=False, pause=0.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.frames, self.bad_accept, self.pause = list(frames), bad_accept, pause
        self.received = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn, _ = self.sock.accept()
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        key = [l.split(":", 1)[1].strip() for l in data.decode().split("\r\n")
               if l.lower().startswith("sec-websocket-key")][0]
        accept = "AAAA" if self.bad_accept else ws_mod.accept_key(key)
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n"
                      .format(accept)).encode())
        for f in self.frames:
            conn.sendall(f)
            time.sleep(self.pause)
        try:
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                self.received += chunk
        except OSError:
            pass
        conn.close()
        self.sock.close()

    def url(self):
        return "ws://127.0.0.1:{}/".format(self.port)


def server_frame(opcode, payload, fin=True, masked=False, rsv=0):
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    n = len(payload)
    if masked:
        return head + bytes([0x80 | n]) + b"\0\0\0\0" + payload
    if n < 126:
        return head + bytes([n]) + payload
    return head + bytes([126]) + struct.pack("!H", n) + payload


def test_a_wrong_accept_key_is_refused():
    srv = RawServer(bad_accept=True)
    with pytest.raises(HandshakeError) as e:
        WebSocket.connect(srv.url())
    assert "Sec-WebSocket-Accept" in str(e.value)


@pytest.mark.parametrize("frame, code", [
    (server_frame(ws_mod.OP_TEXT, b"hi", masked=True), ws_mod.PROTOCOL_ERROR),
    (server_frame(ws_mod.OP_TEXT, b"hi", rsv=0x40), ws_mod.PROTOCOL_ERROR),
    (server_frame(0x3, b"hi"), ws_mod.PROTOCOL_ERROR),
    (server_frame(ws_mod.OP_TEXT, b"\xff\xfe"), ws_mod.INVALID_DATA),
    (server_frame(ws_mod.OP_CONT, b"orphan"), ws_mod.PROTOCOL_ERROR),
    (server_frame(ws_mod.OP_PING, b"x" * 126), ws_mod.PROTOCOL_ERROR),
])
def test_protocol_violations_close_with_the_right_code(frame, code):
    srv = RawServer([frame])
    ws = WebSocket.connect(srv.url())
    with pytest.raises(ProtocolError) as e:
        ws.recv(timeout=5)
    assert e.value.code == code
    srv.thread.join(5)
    # The client said why before hanging up: a masked close frame with that code.
    assert srv.received[:1] == b"\x88"
    mask = srv.received[2:6]
    body = ws_mod.mask_payload(mask, srv.received[6:6 + (srv.received[1] & 0x7F)])
    assert struct.unpack("!H", body[:2])[0] == code


def test_a_frame_split_across_a_timeout_is_not_lost():
    frame = server_frame(ws_mod.OP_TEXT, "完整的消息".encode("utf-8"))
    srv = RawServer([frame[:3], frame[3:]], pause=0.5)
    ws = WebSocket.connect(srv.url())
    with pytest.raises(WebSocketTimeout):
        ws.recv(timeout=0.2)
    assert ws.recv(timeout=5) == (ws_mod.OP_TEXT, "完整的消息")
    ws.abort()


# ---- against the daemon ------------------------------------------------------------------------

def test_hello_and_a_refusal(daemon, resolve):
    import cutbridge_resolve as cb

    with DaemonClient(url=daemon.url, token=daemon.token).connect() as c:
        assert c.hello["server_version"] and "otio" in c.hello["formats"]
        fp = c.sync(cb.snapshot(resolve))["fingerprint"]
        with pytest.raises(errors.RpcError) as e:
            c.instruct("把画面整体调成暖色调", fingerprint=fp)
        assert e.value.code == errors.REFUSED and e.value.refusal_kind == "unsupported"


def test_a_wrong_token_is_a_clear_error(daemon):
    with pytest.raises(errors.DaemonUnavailable) as e:
        DaemonClient(url=daemon.url, token="0" * 64).connect()
    assert "token" in str(e.value)


def test_no_daemon_is_a_clear_error(tmp_path):
    token = tmp_path / "token"
    token.write_text("x")
    with pytest.raises(errors.DaemonUnavailable) as e:
        DaemonClient(url="ws://127.0.0.1:9/", token_file=str(token), timeout=2).connect()
    assert "bridge-daemon serve" in str(e.value)
    with pytest.raises(errors.DaemonUnavailable) as e:
        DaemonClient(url="ws://127.0.0.1:9/", token_file=str(tmp_path / "none")).connect()
    assert "token" in str(e.value)


def test_an_applier_hears_about_cut_lists_asked_by_others(daemon, resolve):
    import cutbridge_resolve as cb

    heard = []
    applier = DaemonClient(url=daemon.url, token=daemon.token, roles=["applier"],
                           on_notification=lambda m, p: heard.append((m, p))).connect()
    asker = DaemonClient(url=daemon.url, token=daemon.token, client_name="test").connect()
    try:
        fp = applier.sync(cb.snapshot(resolve))["fingerprint"]
        asker.instruct("删掉第三个镜头", timeline=cb.snapshot(resolve))
        assert wait_for(lambda: heard)
        method, params = heard[0]
        assert method == "edit.proposed" and params["cut_list"]["fingerprint"] == fp
        assert params["text"] == "删掉第三个镜头"
    finally:
        applier.close()
        asker.close()


def test_a_message_over_the_daemons_limit_loses_only_that_connection(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"limits": {"max_message_bytes": 65536}}))
    d = conftest.Daemon(str(tmp_path), config=str(config))
    try:
        c = DaemonClient(url=d.url, token=d.token).connect()
        with pytest.raises(errors.DaemonUnavailable) as e:
            c.call("timeline.sync", {"timeline": {"name": "x" * 100000}})
        assert "1009" in str(e.value)
        c.close()
        with DaemonClient(url=d.url, token=d.token).connect() as again:
            assert again.hello["limits"]["max_message_bytes"] == 65536
    finally:
        d.stop()
