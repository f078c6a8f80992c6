"""The exceptions of the Resolve adapter: one base class, a subclass per kind of trouble.

Every message names what was wrong and what to do about it, in words an editor understands.
Expected outcomes of an apply (refused, rolled back) are not exceptions: `apply` returns them in
its report. Exceptions are for what stops the adapter before it touches anything.
"""


class CutBridgeError(Exception):
    """Base class of every error the adapter raises."""


class ResolveStateError(CutBridgeError):
    """Resolve is not in a state the adapter can work with (no project, no timeline open)."""


class SnapshotError(CutBridgeError):
    """The timeline holds something the snapshot cannot describe (overlapping items, ...)."""


class DaemonUnavailable(CutBridgeError):
    """The daemon could not be reached, or the connection to it was lost."""


class RpcError(CutBridgeError):
    """The daemon answered a request with a JSON-RPC error."""

    def __init__(self, code, message, data=None, method=None):
        CutBridgeError.__init__(self, message)
        self.code = code
        self.message = message
        self.data = data
        self.method = method

    def __str__(self):
        where = " ({})".format(self.method) if self.method else ""
        return "daemon error {}{}: {}".format(self.code, where, self.message)

    @property
    def refusal_kind(self):
        """`not_understood`, `no_match`, ... for a refusal (-32010), else None."""
        if self.code == REFUSED and isinstance(self.data, dict):
            return self.data.get("kind")
        return None


# JSON-RPC error codes of the daemon (docs/protocol.md).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
UNAUTHENTICATED = -32001
RATE_LIMITED = -32002
BINARY_NOT_SUPPORTED = -32003
SERVER_FULL = -32004
REFUSED = -32010
UNKNOWN_TIMELINE = -32011
UNKNOWN_CUT_LIST = -32012
UNKNOWN_FORMAT = -32013
INVALID_TIMELINE = -32014
INVALID_CUT_LIST = -32015
TIMED_OUT = -32016
REPLY_TOO_LARGE = -32017
BAD_AUDIO = -32020
UTTERANCE_TOO_LONG = -32021
NO_INPUT_DEVICE = -32022
