#!/usr/bin/env python3
"""The daemon driven by an independent client: Python's `websockets` library.

Starts `bridge-daemon serve` on 127.0.0.1 (port 0, a temporary token file and audit log), runs
every check below against it, and prints `N passed, M failed`. Only loopback addresses are used;
every loop is bounded in count and time.

    python3 tests/python/test_daemon_ws.py --bin target/debug/bridge-daemon

Needs `websockets` (pip install websockets).
"""

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback

try:
    import websockets
    from websockets.exceptions import ConnectionClosed
except ImportError:  # pragma: no cover - the message is the point
    sys.stderr.write(
        "test_daemon_ws.py needs the Python websockets package: pip install websockets\n"
    )
    sys.exit(1)

try:  # websockets >= 13
    from websockets.asyncio.client import connect as ws_connect
except ImportError:  # pragma: no cover
    ws_connect = websockets.connect

LINES = [
    ("张伟", "今天天气真好，我们去老街走走"),
    ("张伟", "我很难过，心里很痛，想哭"),
    ("BOB", "um"),
    ("BOB", "We need to talk about the budget for the next shoot"),
    ("李雅", "这家店开了三十年了，我从小就在这里吃"),
    ("BOB", "I am so sad and heartbroken about this"),
]

PARSE_ERROR, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32601, -32602
UNAUTHENTICATED, REFUSED = -32001, -32010


def timeline(clips):
    """The protocol-JSON fixture the Rust tests use: `clips` clips of 100 frames at 25 fps."""
    items = [
        {
            "type": "clip",
            "name": f"shot {i + 1}",
            "media": {
                "url": f"file:///media/clip{i + 1:03}.mov",
                "available": {"start": 0, "duration": 100000},
            },
            "source": {"start": 1000 + 10 * i, "duration": 100},
            "link": f"L{i}",
        }
        for i in range(clips)
    ]
    subtitles = [
        {
            "range": {"start": 100 * i + 10, "duration": 80},
            "speaker": LINES[i % 6][0],
            "text": LINES[i % 6][1],
        }
        for i in range(clips)
    ]
    return {
        "name": f"fixture-{clips}",
        "rate": {"num": 25, "den": 1},
        "start_frame": 90000,
        "tracks": [
            {"name": "V1", "kind": "video", "items": items},
            {"name": "A1", "kind": "audio", "items": items},
        ],
        "subtitles": subtitles,
    }


class Daemon:
    """`bridge-daemon serve` as a child process."""

    def __init__(self, binary, workdir, listen="127.0.0.1:0"):
        self.binary, self.workdir = binary, workdir
        self.token_file = os.path.join(workdir, "token")
        self.proc = subprocess.Popen(
            [
                binary, "serve", "--listen", listen,
                "--token-file", self.token_file,
                "--audit-log", os.path.join(workdir, "audit.jsonl"),
            ],
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(workdir, "daemon.log"), "ab"),
            text=True,
        )
        deadline = time.monotonic() + 30
        self.url = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on (ws://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        if self.url is None:
            self.proc.kill()
            raise RuntimeError("the daemon did not print its address")
        with open(self.token_file) as f:
            self.token = f.read().strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self):
        """SIGTERM, then wait (bounded) for a clean exit."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        assert code == 0, f"the daemon exited with {code} on SIGTERM"


class Session:
    """One connection with JSON-RPC helpers."""

    def __init__(self, ws):
        self.ws, self.next_id, self.notes = ws, 0, []

    @classmethod
    async def open(cls, url, token=None, roles=(), **kw):
        ws = await ws_connect(url, max_size=None, **kw)
        s = cls(ws)
        if token is not None:
            r = await s.call("session.hello", {"token": token, "client": "python", "roles": list(roles)})
            assert "result" in r, r
        return s

    async def send(self, obj):
        await self.ws.send(json.dumps(obj))

    async def response(self, timeout=20):
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if "method" in msg and "id" not in msg:
                self.notes.append(msg)
                continue
            return msg

    async def call(self, method, params, timeout=20):
        self.next_id += 1
        await self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        r = await self.response(timeout)
        assert r.get("id") == self.next_id, r
        return r

    async def notification(self, timeout=5):
        if self.notes:
            return self.notes.pop(0)
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if "method" in msg and "id" not in msg:
                return msg

    async def close(self):
        await self.ws.close()


def status_of(exc):
    """The HTTP status of a refused handshake, across websockets versions."""
    resp = getattr(exc, "response", None)
    if resp is not None:
        return getattr(resp, "status_code", None)
    return getattr(exc, "status_code", None)


# ---- the checks --------------------------------------------------------------------------------

async def check_hello(d):
    s = await Session.open(d.url)
    r = await s.call("timeline.sync", {"timeline": timeline(3)})
    assert r["error"]["code"] == UNAUTHENTICATED, r
    r = await s.call("session.hello", {"client": "python"})
    assert r["error"]["code"] == INVALID_PARAMS and r["error"]["data"]["path"] == "token", r
    r = await s.call("session.hello", {"token": "x" * 64, "client": "python"})
    assert r["error"]["code"] == UNAUTHENTICATED, r
    r = await s.call("session.hello", {"token": d.token, "client": "python"})
    assert r["result"]["server_version"] and "rules" in r["result"]["backends"], r
    await s.close()


async def check_evil_origin(d):
    # A web page, and null (sandboxed iframes, data: pages), unless the config names them.
    for origin in ("http://evil.example", "null", "file://"):
        try:
            ws = await ws_connect(d.url, origin=origin)
        except Exception as e:  # websockets raises InvalidStatus / InvalidStatusCode
            assert status_of(e) == 403, repr(e)
        else:
            await ws.close()
            raise AssertionError(f"{origin} was let in")
    ok = await Session.open(d.url, d.token)
    await ok.close()


async def check_oversized_frame(d):
    other = await Session.open(d.url, d.token)
    big = await Session.open(d.url, d.token)
    code = None
    try:
        await big.ws.send("x" * (64 << 20))
        await asyncio.wait_for(big.ws.recv(), 20)
    except ConnectionClosed as e:
        code = e.rcvd.code if e.rcvd else None
    assert code == 1009, f"close code {code}"
    r = await other.call("timeline.sync", {"timeline": timeline(4)})
    assert "fingerprint" in r["result"], r
    await other.close()


async def check_malformed_and_unknown(d):
    s = await Session.open(d.url, d.token)
    await s.ws.send('{"jsonrpc": "2.0", "id": 1,')
    r = await s.response()
    assert r["error"]["code"] == PARSE_ERROR and r["id"] is None, r
    r = await s.call("timeline.frobnicate", {})
    assert r["error"]["code"] == METHOD_NOT_FOUND, r
    bad = timeline(3)
    bad["tracks"][0]["kind"] = "smell"
    r = await s.call("timeline.sync", {"timeline": bad})
    assert r["error"]["code"] == INVALID_PARAMS, r
    assert r["error"]["data"]["path"] == "timeline.tracks[0].kind", r
    r = await s.call("timeline.sync", {"timeline": timeline(3)})
    assert len(r["result"]["fingerprint"]) == 16, r
    await s.close()


async def check_instruct_and_refusal(d):
    s = await Session.open(d.url, d.token)
    fp = (await s.call("timeline.sync", {"timeline": timeline(12)}))["result"]["fingerprint"]
    r = await s.call("edit.instruct", {"text": "删除第二个镜头", "fingerprint": fp})
    ops = r["result"]["cut_list"]["operations"]
    assert ops == [{"op": "delete", "range": {"start": 100, "duration": 100}}], ops
    r = await s.call("edit.instruct", {"text": "make it better", "fingerprint": fp})
    assert r["error"]["code"] == REFUSED and r["error"]["data"]["kind"] == "unsupported", r
    r = await s.call("edit.export", {"cut_list": "cl-never-made", "format": "otio"})
    assert r["error"]["code"] == -32012, r
    await s.close()


async def check_slow_reader(d):
    fast = await Session.open(d.url, d.token)
    fp = (await fast.call("timeline.sync", {"timeline": timeline(40)}))["result"]["fingerprint"]
    lazy = await Session.open(d.url, d.token)

    async def flood():
        for i in range(1, 301):
            await lazy.send({"jsonrpc": "2.0", "id": 1000 + i, "method": "edit.export",
                             "params": {"fingerprint": fp, "format": "json"}})

    try:
        await asyncio.wait_for(flood(), 3)
    except asyncio.TimeoutError:
        pass  # its sending stalled on full buffers: expected
    slowest = 0.0
    for _ in range(20):
        t = time.monotonic()
        r = await fast.call("edit.instruct", {"text": "删除第二个镜头", "fingerprint": fp}, timeout=10)
        assert "result" in r, r
        slowest = max(slowest, time.monotonic() - t)
    assert slowest < 2.0, f"a reply took {slowest:.2f} s"
    await fast.close()
    transport = getattr(lazy.ws, "transport", None)
    if transport is not None:
        transport.abort()  # it never reads: a polite close would wait on it


async def check_many_clients(d, clients=200, each=20):
    seed = await Session.open(d.url, d.token)
    fp = (await seed.call("timeline.sync", {"timeline": timeline(12)}))["result"]["fingerprint"]
    want = {"删除第二个镜头": [{"op": "delete", "range": {"start": 100, "duration": 100}}]}

    async def one(c):
        s = await Session.open(d.url, d.token)
        got = 0
        for _ in range(each):
            r = await s.call("edit.instruct", {"text": "删除第二个镜头", "fingerprint": fp}, timeout=60)
            assert r["result"]["cut_list"]["operations"] == want["删除第二个镜头"], r
            got += 1
        await s.close()
        return got

    results = await asyncio.wait_for(asyncio.gather(*(one(c) for c in range(clients))), 120)
    assert sum(results) == clients * each, results
    await seed.close()


KILLED_CLIENT = r"""
import asyncio, json, sys
from websockets.asyncio.client import connect
async def main(url, token, tl):
    ws = await connect(url, max_size=None)
    await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.hello",
                              "params": {"token": token, "client": "doomed"}}))
    await ws.recv()
    await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "edit.instruct",
                              "params": {"text": "删除所有悲伤情绪片段", "timeline": json.loads(tl)}}))
    print("SENT", flush=True)
    await asyncio.sleep(60)
asyncio.run(main(sys.argv[1], sys.argv[2], sys.stdin.read()))
"""


async def check_kill_9_client(d):
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CLIENT, d.url, d.token],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    child.stdin.write(json.dumps(timeline(600)))
    child.stdin.close()
    line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 30)
    assert line.strip() == "SENT", line
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert d.proc.poll() is None, "the daemon died with its client"
    s = await Session.open(d.url, d.token)
    fp = (await s.call("timeline.sync", {"timeline": timeline(6)}))["result"]["fingerprint"]
    r = await s.call("edit.instruct", {"text": "删除第二个镜头", "fingerprint": fp})
    assert "result" in r, r
    await s.close()


async def check_edit_proposed(d):
    applier = await Session.open(d.url, d.token, roles=["applier"])
    fp = (await applier.call("timeline.sync", {"timeline": timeline(6)}))["result"]["fingerprint"]
    editor = await Session.open(d.url, d.token, roles=["editor"])
    r = await editor.call("edit.instruct", {"text": "删除第二个镜头", "timeline": timeline(6)})
    n = await applier.notification(timeout=5)
    assert n["method"] == "edit.proposed", n
    assert n["params"]["cut_list"]["id"] == r["result"]["cut_list"]["id"], n
    assert n["params"]["cut_list"]["fingerprint"] == fp, n
    r = await applier.call("apply.report", {"cut_list_id": n["params"]["cut_list"]["id"],
                                            "status": "applied", "results": [{"index": 0, "ok": True}]})
    assert r["result"] == {"recorded": True, "known_cut_list": True}, r
    await applier.close()
    await editor.close()


async def check_restart(d):
    """Last: restarts the daemon on the same port; the token file survives, clients reconnect."""
    s = await Session.open(d.url, d.token)
    await s.call("timeline.sync", {"timeline": timeline(3)})
    d.stop()
    try:
        await s.call("timeline.sync", {"timeline": timeline(3)}, timeout=5)
        raise AssertionError("the old session still answered")
    except (ConnectionClosed, asyncio.TimeoutError):
        pass
    old_token = d.token
    d2 = Daemon(d.binary, d.workdir, listen=f"127.0.0.1:{d.port}")
    assert d2.token == old_token, "the token changed across a restart"
    try:
        s2 = None
        for _ in range(50):
            try:
                s2 = await Session.open(d2.url, d2.token)
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert s2 is not None, "could not reconnect"
        r = await s2.call("timeline.sync", {"timeline": timeline(3)})
        assert "fingerprint" in r["result"], r
        await s2.close()
    finally:
        d2.stop()


def pcm_s16le(samples):
    """Floats in [-1, 1] as signed 16-bit little-endian bytes."""
    import struct
    return struct.pack("<%dh" % len(samples), *(int(max(-1.0, min(1.0, x)) * 32767) for x in samples))


def buzz(seconds, rate=16000):
    """A vowel-like 140 Hz buzz (ten harmonics): speech to the detector."""
    import math
    return [sum(math.sin(2 * math.pi * 140 * h * i / rate) / h for h in range(1, 11)) * 0.1
            for i in range(int(seconds * rate))]


async def check_voice_stream(d):
    """A voice stream in 20 ms binary frames: one utterance found where the sound is; a frame of
    odd length and a frame outside a stream are answered with id-null errors; the session goes on."""
    s = await Session.open(d.url, d.token)
    try:
        r = await s.call("voice.begin", {"format": "s16le", "rate": 16000, "channels": 1})
        assert "result" in r and r["result"]["transcriber"] == "none", r
        audio = pcm_s16le([0.0] * 8000 + buzz(1.0) + [0.0] * 16000)
        for i in range(0, len(audio), 640):
            await s.ws.send(audio[i:i + 640])
        await s.ws.send(b"\x00" * 641)
        r = await s.response()
        assert r["id"] is None and r["error"]["code"] == -32020 and "641 bytes" in r["error"]["message"], r
        r = await s.call("voice.end", {})
        utt = r["result"]["utterances"]
        assert len(utt) == 1, r
        assert abs(utt[0]["start_s"] - 0.5) < 0.06 and abs(utt[0]["end_s"] - 1.5) < 0.06, r
        assert "Whisper model folder" in r["result"]["transcription_unavailable"], r
        ends = [n for n in s.notes if n["method"] == "voice.utterance" and n["params"]["event"] == "end"]
        assert len(ends) == 1, s.notes
        await s.ws.send(b"\x00" * 640)
        r = await s.response()
        assert r["id"] is None and r["error"]["code"] == -32003, r
        r = await s.call("timeline.sync", {"timeline": timeline(3)})
        assert "result" in r, r
    finally:
        await s.close()


CHECKS = [
    check_hello,
    check_evil_origin,
    check_oversized_frame,
    check_malformed_and_unknown,
    check_instruct_and_refusal,
    check_slow_reader,
    check_many_clients,
    check_kill_9_client,
    check_edit_proposed,
    check_voice_stream,
    check_restart,
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the bridge-daemon binary")
    ap.add_argument("-k", default="", help="run only checks whose name contains this")
    args = ap.parse_args()
    passed, failed = 0, 0
    with tempfile.TemporaryDirectory() as work:
        d = Daemon(args.bin, work)
        try:
            for check in CHECKS:
                if args.k not in check.__name__:
                    continue
                t = time.monotonic()
                try:
                    asyncio.run(asyncio.wait_for(check(d), 180))
                    passed += 1
                    print(f"ok     {check.__name__} ({time.monotonic() - t:.1f} s)")
                except Exception:
                    failed += 1
                    print(f"FAILED {check.__name__}")
                    traceback.print_exc()
        finally:
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGTERM)
                try:
                    d.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    d.proc.kill()
        if failed:
            with open(os.path.join(work, "daemon.log"), errors="replace") as f:
                sys.stdout.write("--- daemon log (tail) ---\n" + "".join(f.readlines()[-40:]))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
