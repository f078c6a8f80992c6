//! The message decoder: one text frame → one JSON-RPC request, or the error to answer with.
//! It never panics, whatever the bytes (a proptest below feeds it arbitrary input).

use protocol::wire::{ErrorObject, Id, Request, Version, code};
use serde_json::Value;

/// Why a frame is not a request, and the id to answer with (when it could be read).
#[derive(Debug, PartialEq)]
pub struct DecodeFailure {
    pub id: Option<Id>,
    pub error: Box<ErrorObject>,
}

fn invalid(id: Option<Id>, message: impl Into<String>) -> DecodeFailure {
    DecodeFailure {
        id,
        error: Box::new(ErrorObject::new(code::INVALID_REQUEST, message)),
    }
}

/// A request's `id` member, where it has one JSON-RPC allows us to echo: an integer or a string.
fn id_of(id: Option<&Value>) -> Result<Option<Id>, DecodeFailure> {
    match id {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(Id::String(s.clone()))),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(Id::Number(i))),
            None => Err(invalid(None, "id must be an integer or a string")),
        },
        Some(_) => Err(invalid(None, "id must be an integer or a string")),
    }
}

/// Decode one frame.
pub fn decode_request(text: &str) -> Result<Request, DecodeFailure> {
    let value: Value = serde_json::from_str(text).map_err(|e| DecodeFailure {
        id: None,
        error: Box::new(ErrorObject::new(
            code::PARSE_ERROR,
            format!("the message is not JSON: {e}"),
        )),
    })?;
    let mut obj = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(invalid(
                None,
                "batch requests are not supported: send one request per frame",
            ));
        }
        _ => return Err(invalid(None, "a request is a JSON object")),
    };
    let id = id_of(obj.get("id"))?;
    match obj.get("jsonrpc") {
        Some(Value::String(v)) if v == "2.0" => {}
        _ => return Err(invalid(id, "\"jsonrpc\" must be \"2.0\"")),
    }
    let method = match obj.remove("method") {
        Some(Value::String(m)) => m,
        Some(_) => return Err(invalid(id, "\"method\" must be a string")),
        None => return Err(invalid(id, "the request has no \"method\"")),
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => None,
        Some(p @ Value::Object(_)) => Some(p),
        Some(_) => {
            return Err(DecodeFailure {
                id,
                error: Box::new(
                    ErrorObject::new(
                        code::INVALID_PARAMS,
                        "params must be an object (named parameters)",
                    )
                    .with_data(serde_json::json!({"path": "params"})),
                ),
            });
        }
    };
    Ok(Request {
        jsonrpc: Version::V2,
        id,
        method,
        params,
    })
}

/// The id of a frame, for answering a frame that is refused before decoding (rate limit).
/// Only the id is kept: the other members are checked and skipped, not built, so a large frame
/// costs a scan and no allocation (the caller runs it off the reactor when the frame is large).
/// A refusal must carry the id whatever the frame's size: a client matches answers by id, and
/// one it cannot match leaves its call waiting for ever.
pub fn peek_id(text: &str) -> Option<Id> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<Value>,
    }
    // A derived struct would also take an array, member by position: only an object has an id.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let only: IdOnly = serde_json::from_str(text).ok()?;
    id_of(only.id.as_ref()).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_a_request() {
        let r =
            decode_request(r#"{"jsonrpc":"2.0","id":7,"method":"m","params":{"a":1}}"#).unwrap();
        assert_eq!(r.id, Some(Id::Number(7)));
        assert_eq!(r.method, "m");
        let r = decode_request(r#"{"jsonrpc":"2.0","id":"x","method":"m"}"#).unwrap();
        assert_eq!(r.id, Some(Id::String("x".into())));
        assert_eq!(r.params, None);
    }

    #[test]
    fn each_fault_has_its_code() {
        let code_of = |t: &str| decode_request(t).unwrap_err().error.code;
        assert_eq!(code_of("{"), code::PARSE_ERROR);
        assert_eq!(code_of(""), code::PARSE_ERROR);
        assert_eq!(code_of("[]"), code::INVALID_REQUEST);
        assert_eq!(code_of("3"), code::INVALID_REQUEST);
        assert_eq!(
            code_of(r#"{"jsonrpc":"1.0","method":"m"}"#),
            code::INVALID_REQUEST
        );
        assert_eq!(
            code_of(r#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#),
            code::INVALID_REQUEST
        );
        assert_eq!(
            code_of(r#"{"jsonrpc":"2.0","id":1}"#),
            code::INVALID_REQUEST
        );
        assert_eq!(
            code_of(r#"{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}"#),
            code::INVALID_PARAMS
        );
        let f = decode_request(r#"{"jsonrpc":"2.0","id":"k","method":3}"#).unwrap_err();
        assert_eq!(f.id, Some(Id::String("k".into())));
    }

    /// A refused frame's id is read whatever its size and wherever the id sits among its members.
    #[test]
    fn peeks_the_id_of_large_frames() {
        let big = "x".repeat(300 * 1024);
        let first = format!(
            r#"{{"jsonrpc":"2.0","id":255,"method":"timeline.sync","params":{{"otio":"{big}"}}}}"#
        );
        assert_eq!(peek_id(&first), Some(Id::Number(255)));
        let last = format!(r#"{{"params":{{"a":["{big}",{{"id":1}}]}},"method":"m","id":"late"}}"#);
        assert_eq!(peek_id(&last), Some(Id::String("late".into())));
        assert_eq!(peek_id(r#"{"id":null,"method":"m"}"#), None);
        assert_eq!(peek_id(r#"{"id":1.5}"#), None);
        assert_eq!(peek_id("[255]"), None, "an array is not a request");
        assert_eq!(
            peek_id(&first[..first.len() - 1]),
            None,
            "not JSON: no id to echo"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = decode_request(&text);
            let _ = peek_id(&text);
        }

        #[test]
        fn json_like_text_never_panics(text in r#"[\{\}\[\]":,0-9a-z. \-]{0,200}"#) {
            let _ = decode_request(&text);
        }

        #[test]
        fn requests_with_any_method_and_id_round_trip(method in ".{0,40}", id in any::<i64>()) {
            let text = serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method}).to_string();
            let r = decode_request(&text).unwrap();
            prop_assert_eq!(r.method, method);
            prop_assert_eq!(r.id, Some(Id::Number(id)));
        }
    }
}
