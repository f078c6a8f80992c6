// The daemon's JSON-RPC error codes by name (protocol::wire::code, listed in docs/protocol.md),
// for the CEP and UXP panels. protocol/tests/schema_fresh.rs checks this table against the
// protocol: every code and nothing else.
(function (root) {
  'use strict';
  const CutBridgeErrors = Object.freeze({
    PARSE_ERROR: -32700,
    INVALID_REQUEST: -32600,
    METHOD_NOT_FOUND: -32601,
    INVALID_PARAMS: -32602,
    INTERNAL_ERROR: -32603,
    UNAUTHENTICATED: -32001,
    RATE_LIMITED: -32002,
    BINARY_NOT_SUPPORTED: -32003,
    SERVER_FULL: -32004,
    REFUSED: -32010,
    UNKNOWN_TIMELINE: -32011,
    UNKNOWN_CUT_LIST: -32012,
    UNKNOWN_FORMAT: -32013,
    INVALID_TIMELINE: -32014,
    INVALID_CUT_LIST: -32015,
    TIMED_OUT: -32016,
    REPLY_TOO_LARGE: -32017,
    BAD_AUDIO: -32020,
    UTTERANCE_TOO_LONG: -32021,
    NO_INPUT_DEVICE: -32022,
  });
  if (typeof module === 'object' && module.exports) module.exports = CutBridgeErrors;
  else root.CutBridgeErrors = CutBridgeErrors;
})(typeof window !== 'undefined' ? window : globalThis);
