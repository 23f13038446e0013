//! Fuzz target: one JSON-RPC message from the server, decoded as far as it goes.
//!
//! - The input is decoded as a [`Message`]; a message that decodes must re-encode to itself.
//! - A notification is decoded as an [`ovsdb_proto::notify::Notification`] (`update`,
//!   `update2`, `update3`, `locked`, `stolen`, `monitor_canceled`); one that decodes must survive
//!   its canonical output: decoding `params()` gives the same notification, whose `params()` are
//!   the same JSON, and `to_message()` decodes back to it.
//! - A response's result is tried as the reply of `monitor` ([`TableUpdates`]), `monitor_cond`
//!   ([`TableUpdates2`]) and `monitor_cond_since` ([`MonitorCondSinceReply`]), with the same
//!   canonical round trip for whatever decodes.
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use ovsdb_proto::jsonrpc::Message;
use ovsdb_proto::notify::Notification;
use ovsdb_proto::update::{MonitorCondSinceReply, TableUpdates, TableUpdates2};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(v: &Value) {
    let Ok(t) = serde_json::from_value::<T>(v.clone()) else {
        return;
    };
    let out = serde_json::to_value(&t).expect("a decoded value encodes");
    let back: T = match serde_json::from_value(out.clone()) {
        Ok(b) => b,
        Err(e) => panic!("canonical output does not decode: {e}\n{out}"),
    };
    assert_eq!(back, t, "{out}");
    assert_eq!(serde_json::to_value(&back).expect("encodes"), out);
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::from_slice(data) else {
        return;
    };
    assert_eq!(Message::from_slice(&message.to_vec()).as_ref(), Ok(&message));
    match &message {
        Message::Notification { .. } => {
            let Ok(n) = Notification::from_message(&message) else {
                return;
            };
            let params = n.params();
            assert!(params.is_array(), "{params}");
            let again = match Notification::decode(n.method(), &params) {
                Ok(a) => a,
                Err(e) => panic!("canonical params do not decode: {e}\n{params}"),
            };
            assert_eq!(again, n, "{params}");
            assert_eq!(again.params(), params);
            assert_eq!(Notification::from_message(&n.to_message()).as_ref(), Ok(&n));
        }
        Message::Response { result, .. } => {
            round_trip::<TableUpdates>(result);
            round_trip::<TableUpdates2>(result);
            round_trip::<MonitorCondSinceReply>(result);
        }
        Message::Request { .. } => {}
    }
});
