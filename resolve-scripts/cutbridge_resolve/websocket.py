"""A small RFC 6455 WebSocket client on the standard library alone.

Resolve's bundled Python has no third-party packages, so the adapter speaks WebSocket itself:
the opening handshake (with the Sec-WebSocket-Accept check), masked client frames, fragmented
and interleaved control frames on the way in, ping/pong, the closing handshake, UTF-8 checks and
a message size limit. `ws://` and `wss://` (through `ssl`).

One thread may read (`recv`) while others send: sends hold their own lock, and `recv` waits with
`select` instead of a socket timeout, so a reader never shortens a sender's time.
"""

import base64
import codecs
import hashlib
import os
import select
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_DATA_OPS = (OP_CONT, OP_TEXT, OP_BINARY)
_CONTROL_OPS = (OP_CLOSE, OP_PING, OP_PONG)

# Close codes (RFC 6455 section 7.4.1).
NORMAL, GOING_AWAY, PROTOCOL_ERROR, UNSUPPORTED_DATA = 1000, 1001, 1002, 1003
NO_STATUS, ABNORMAL, INVALID_DATA, POLICY, TOO_BIG = 1005, 1006, 1007, 1008, 1009

MAX_HANDSHAKE_BYTES = 64 * 1024


class WebSocketError(Exception):
    """Base class of the client's errors."""


class HandshakeError(WebSocketError):
    """The server did not accept the upgrade; `status` is its HTTP status (403, 503, ...)."""

    def __init__(self, message, status=None):
        WebSocketError.__init__(self, message)
        self.status = status


class ProtocolError(WebSocketError):
    """The server broke RFC 6455; the connection is closed with `code`."""

    def __init__(self, message, code=PROTOCOL_ERROR):
        WebSocketError.__init__(self, message)
        self.code = code


class ConnectionClosed(WebSocketError):
    """The connection is closed; `code` and `reason` are the peer's (1006 when it just vanished)."""

    def __init__(self, code=ABNORMAL, reason=""):
        WebSocketError.__init__(self, "connection closed ({}{})".format(
            code, ": " + reason if reason else ""))
        self.code = code
        self.reason = reason


class WebSocketTimeout(WebSocketError):
    """Nothing arrived within the time given to `recv`; the connection is still usable."""


def accept_key(key):
    """The Sec-WebSocket-Accept value a server must answer to `key`."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def mask_payload(mask, data):
    """XOR `data` with the 4-byte `mask` (one big-integer XOR: fast even for megabytes)."""
    n = len(data)
    if n == 0:
        return b""
    repeated = (mask * (n // 4 + 1))[:n]
    value = int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(n, "big")


def encode_frame(opcode, payload, fin=True, mask=None):
    """One client frame: masked with `mask` (4 random bytes when None)."""
    if mask is None:
        mask = os.urandom(4)
    head = bytearray()
    head.append((0x80 if fin else 0) | opcode)
    n = len(payload)
    if n < 126:
        head.append(0x80 | n)
    elif n < 65536:
        head.append(0x80 | 126)
        head += struct.pack("!H", n)
    else:
        head.append(0x80 | 127)
        head += struct.pack("!Q", n)
    head += mask
    return bytes(head) + mask_payload(mask, payload)


class WebSocket(object):
    """A connected client. Use `WebSocket.connect(url)`."""

    def __init__(self, sock, max_message_bytes=64 * 1024 * 1024, leftover=b""):
        self.sock = sock
        self.max_message_bytes = max_message_bytes
        self._buf = bytearray(leftover)
        self._send_lock = threading.Lock()
        self._recv_lock = threading.Lock()
        self._close_sent = False
        self._closed = None  # ConnectionClosed once the connection is over
        self._partial_op = None
        self._partial = bytearray()

    # ---- opening ---------------------------------------------------------------------------

    @classmethod
    def connect(cls, url, timeout=10.0, origin=None, headers=None,
                max_message_bytes=64 * 1024 * 1024, ssl_context=None):
        """Open a connection and complete the handshake within `timeout` seconds."""
        parts = urlsplit(url)
        scheme = (parts.scheme or "").lower()
        if scheme not in ("ws", "wss"):
            raise WebSocketError("{!r} is not a ws:// or wss:// URL".format(url))
        host = parts.hostname
        if not host:
            raise WebSocketError("{!r} has no host".format(url))
        port = parts.port or (443 if scheme == "wss" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except (OSError, socket.error) as e:
            raise ConnectionClosed(ABNORMAL, "cannot connect to {}:{}: {}".format(
                host, port, getattr(e, "strerror", None) or e))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "wss":
                import ssl

                ctx = ssl_context or ssl.create_default_context()
                sock = ctx.wrap_socket(sock, server_hostname=host)
            leftover = cls._handshake(sock, host, port, scheme, path, origin, headers or {})
            sock.settimeout(None)
        except BaseException:
            sock.close()
            raise
        return cls(sock, max_message_bytes=max_message_bytes, leftover=leftover)

    @staticmethod
    def _handshake(sock, host, port, scheme, path, origin, headers):
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        default_port = 443 if scheme == "wss" else 80
        host_header = host if port == default_port else "{}:{}".format(host, port)
        if ":" in host and not host.startswith("["):
            host_header = "[{}]".format(host) if port == default_port else "[{}]:{}".format(
                host, port)
        lines = [
            "GET {} HTTP/1.1".format(path),
            "Host: {}".format(host_header),
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: {}".format(key),
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            lines.append("Origin: {}".format(origin))
        for name, value in headers.items():
            lines.append("{}: {}".format(name, value))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                raise HandshakeError("the server did not answer the WebSocket handshake")
            if not chunk:
                raise HandshakeError("the server closed the connection during the handshake")
            data += chunk
            if len(data) > MAX_HANDSHAKE_BYTES:
                raise HandshakeError("the handshake response is too long")
        head, _, leftover = data.partition(b"\r\n\r\n")
        head_lines = head.decode("iso-8859-1").split("\r\n")
        status_line = head_lines[0].split(" ", 2)
        try:
            status = int(status_line[1])
        except (IndexError, ValueError):
            raise HandshakeError("malformed status line {!r}".format(head_lines[0]))
        fields = {}
        for line in head_lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if status != 101:
            reason = status_line[2] if len(status_line) > 2 else ""
            raise HandshakeError(
                "the server refused the WebSocket upgrade: HTTP {} {}".format(status, reason),
                status=status)
        if fields.get("upgrade", "").lower() != "websocket":
            raise HandshakeError("the server's answer lacks 'Upgrade: websocket'", status)
        if "upgrade" not in fields.get("connection", "").lower():
            raise HandshakeError("the server's answer lacks 'Connection: Upgrade'", status)
        if fields.get("sec-websocket-accept") != accept_key(key):
            raise HandshakeError("the server's Sec-WebSocket-Accept does not match the key",
                                 status)
        if fields.get("sec-websocket-extensions"):
            raise HandshakeError("the server chose an extension this client did not offer",
                                 status)
        return leftover

    # ---- sending ---------------------------------------------------------------------------

    def _send_frame(self, opcode, payload, fin=True):
        if self._closed is not None:
            raise self._closed
        frame = encode_frame(opcode, payload, fin)
        with self._send_lock:
            if opcode != OP_CLOSE and self._close_sent:
                raise ConnectionClosed(NORMAL, "closing")
            try:
                self.sock.sendall(frame)
            except (OSError, socket.error) as e:
                self._closed = ConnectionClosed(ABNORMAL, "send failed: {}".format(e))
                raise self._closed

    def send_text(self, text):
        self._send_frame(OP_TEXT, text.encode("utf-8"))

    def send_binary(self, data):
        self._send_frame(OP_BINARY, bytes(data))

    def send_fragmented(self, opcode, pieces):
        """Send one message as several frames (for tests of peers; rarely needed)."""
        pieces = [p.encode("utf-8") if isinstance(p, str) else bytes(p) for p in pieces]
        for i, piece in enumerate(pieces):
            op = opcode if i == 0 else OP_CONT
            self._send_frame(op, piece, fin=(i == len(pieces) - 1))

    def ping(self, data=b""):
        if len(data) > 125:
            raise ValueError("a ping carries at most 125 bytes")
        self._send_frame(OP_PING, data)

    def send_close(self, code=NORMAL, reason=""):
        """Start the closing handshake (once); `recv` then waits for the peer's close."""
        with self._send_lock:
            if self._close_sent or self._closed is not None:
                return
            self._close_sent = True
            why = reason.encode("utf-8")[:123].decode("utf-8", "ignore").encode("utf-8")
            payload = b"" if code is None else struct.pack("!H", code) + why
            try:
                self.sock.sendall(encode_frame(OP_CLOSE, payload))
            except (OSError, socket.error):
                pass

    def close(self, code=NORMAL, reason="", timeout=2.0):
        """Close politely: send a close frame, wait (bounded) for the peer's, drop the socket."""
        if self._closed is None:
            self.send_close(code, reason)
            try:
                while True:
                    self.recv(timeout=timeout)
            except WebSocketError:
                pass
        self.abort()

    def abort(self):
        """Drop the TCP connection now (wakes a thread blocked in `recv`)."""
        if self._closed is None:
            self._closed = ConnectionClosed(ABNORMAL, "closed by this client")
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, socket.error):
            pass
        try:
            self.sock.close()
        except (OSError, socket.error):
            pass

    @property
    def closed(self):
        return self._closed is not None

    # ---- receiving -------------------------------------------------------------------------

    def _fail(self, message, code):
        """Close with `code` after a protocol violation by the peer, and raise."""
        self.send_close(code, message[:100])
        self.abort()
        self._closed = ConnectionClosed(code, message)
        raise ProtocolError(message, code)

    def _fill(self, n, deadline):
        """Make the buffer hold at least `n` bytes; keeps what it has on a timeout."""
        while len(self._buf) < n:
            pending = getattr(self.sock, "pending", None)
            ready = pending is not None and pending() > 0
            if not ready:
                wait = None if deadline is None else max(0.0, deadline - time.time())
                try:
                    r, _, _ = select.select([self.sock], [], [], wait)
                except (OSError, ValueError, select.error):
                    r = [self.sock]  # closed under us: recv reports it
                if not r:
                    raise WebSocketTimeout("no message within the time given")
            try:
                chunk = self.sock.recv(max(65536, n - len(self._buf)))
            except (OSError, socket.error) as e:
                if self._closed is None:
                    self._closed = ConnectionClosed(ABNORMAL, "receive failed: {}".format(e))
                raise self._closed
            if not chunk:
                if self._closed is None:
                    self._closed = ConnectionClosed(ABNORMAL, "the server dropped the connection")
                raise self._closed
            self._buf += chunk

    def _read_frame(self, deadline):
        """(fin, opcode, payload) of the next frame; nothing is consumed until it is whole."""
        self._fill(2, deadline)
        b0, b1 = self._buf[0], self._buf[1]
        if b1 & 0x80:
            self._fail("the server sent a masked frame", PROTOCOL_ERROR)
        if b0 & 0x70:
            self._fail("the server set reserved bits without an extension", PROTOCOL_ERROR)
        fin, opcode, length = bool(b0 & 0x80), b0 & 0x0F, b1 & 0x7F
        header = 2
        if length == 126:
            self._fill(4, deadline)
            length = struct.unpack("!H", bytes(self._buf[2:4]))[0]
            header = 4
        elif length == 127:
            self._fill(10, deadline)
            length = struct.unpack("!Q", bytes(self._buf[2:10]))[0]
            header = 10
            if length >> 63:
                self._fail("frame length with the high bit set", PROTOCOL_ERROR)
        if opcode not in _DATA_OPS and opcode not in _CONTROL_OPS:
            self._fail("unknown opcode {:#x}".format(opcode), PROTOCOL_ERROR)
        if opcode in _CONTROL_OPS and (length > 125 or not fin):
            self._fail("a control frame longer than 125 bytes or fragmented", PROTOCOL_ERROR)
        if opcode in _DATA_OPS and len(self._partial) + length > self.max_message_bytes:
            self._fail("message larger than {} bytes".format(self.max_message_bytes), TOO_BIG)
        self._fill(header + length, deadline)
        payload = bytes(self._buf[header:header + length])
        del self._buf[:header + length]
        return fin, opcode, payload

    def recv(self, timeout=None):
        """The next message as (opcode, data): str for text, bytes for binary.

        Answers pings, ignores pongs, and raises `ConnectionClosed` when the peer closes (after
        answering its close frame), `WebSocketTimeout` when `timeout` seconds pass first.
        """
        deadline = None if timeout is None else time.time() + timeout
        with self._recv_lock:
            while True:
                if self._closed is not None:
                    raise self._closed
                fin, opcode, payload = self._read_frame(deadline)
                if opcode == OP_PING:
                    try:
                        self._send_frame(OP_PONG, payload)
                    except ConnectionClosed:
                        pass
                    continue
                if opcode == OP_PONG:
                    continue
                if opcode == OP_CLOSE:
                    self._on_close(payload)
                if opcode == OP_CONT:
                    if self._partial_op is None:
                        self._fail("a continuation frame with no message to continue",
                                   PROTOCOL_ERROR)
                    self._partial += payload
                else:
                    if self._partial_op is not None:
                        self._fail("a new message began before the last one ended",
                                   PROTOCOL_ERROR)
                    self._partial_op = opcode
                    self._partial = bytearray(payload)
                if not fin:
                    continue
                op, data = self._partial_op, bytes(self._partial)
                self._partial_op, self._partial = None, bytearray()
                if op == OP_TEXT:
                    try:
                        return op, codecs.decode(data, "utf-8")
                    except UnicodeDecodeError:
                        self._fail("a text message that is not UTF-8", INVALID_DATA)
                return op, data

    def _on_close(self, payload):
        code, reason = NO_STATUS, ""
        if len(payload) == 1:
            self._fail("a close frame with a one-byte payload", PROTOCOL_ERROR)
        if len(payload) >= 2:
            code = struct.unpack("!H", payload[:2])[0]
            try:
                reason = payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                self._fail("a close reason that is not UTF-8", INVALID_DATA)
        # Answer with the same code (RFC 6455 5.5.1), then let the server close TCP first.
        self.send_close(code if code != NO_STATUS else None, "")
        self._closed = ConnectionClosed(code, reason)
        try:
            self.sock.close()
        except (OSError, socket.error):
            pass
        raise self._closed
