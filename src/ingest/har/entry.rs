//! Lenient, borrowed views of one HAR entry.
//!
//! Exporters disagree on types (`time: null`, `status: "200"`, numbers as header values),
//! so numbers and strings go through tolerant types instead of plain `f64` and `String`.
//! Strings borrow from the file when they hold no escapes, because `content.text` can be
//! many megabytes. Fields this reader does not use, vendor ones included, are skipped by
//! serde without being built.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

pub(super) use crate::ingest::common::text::Text;

/// `log.creator`: the program that wrote the file.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Creator<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
}

/// One `log.entries` element.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a HAR entry object")]
pub(super) struct Entry<'a> {
    #[serde(default, rename = "startedDateTime", borrow)]
    pub started: Option<Text<'a>>,
    #[serde(default)]
    pub time: Number,
    #[serde(default, borrow)]
    pub request: Option<Request<'a>>,
    #[serde(default, borrow)]
    pub response: Option<Response<'a>>,
    #[serde(default)]
    pub timings: Option<Timings>,
    /// Chrome: `"memory"` or `"disk"` when the response came from the browser cache.
    #[serde(default, rename = "_fromCache", borrow)]
    pub from_cache: Option<Text<'a>>,
    /// Chrome's resource type (`xhr`, `fetch`, `script`, ...).
    #[serde(default, rename = "_resourceType", borrow)]
    pub resource_type: Option<Text<'a>>,
    /// Safari: `Network Load`, `Memory Cache` or `Disk Cache`.
    #[serde(default, rename = "_fetchType", borrow)]
    pub fetch_type: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a HAR request object")]
pub(super) struct Request<'a> {
    #[serde(default, borrow)]
    pub method: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub url: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub headers: Option<Vec<Header<'a>>>,
    #[serde(default, rename = "postData", borrow)]
    pub post_data: Option<PostData<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a HAR postData object")]
pub(super) struct PostData<'a> {
    #[serde(default, borrow)]
    pub text: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a HAR response object")]
pub(super) struct Response<'a> {
    #[serde(default)]
    pub status: Number,
    #[serde(default, borrow)]
    pub headers: Option<Vec<Header<'a>>>,
    #[serde(default, borrow)]
    pub content: Option<Content<'a>>,
    #[serde(default, rename = "bodySize")]
    pub body_size: Number,
    #[serde(default, rename = "headersSize")]
    pub headers_size: Number,
    /// Chrome and Safari: bytes received over the network, headers included.
    #[serde(default, rename = "_transferSize")]
    pub transfer_size: Number,
}

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a HAR content object")]
pub(super) struct Content<'a> {
    #[serde(default)]
    pub size: Number,
    #[serde(default, rename = "mimeType", borrow)]
    pub mime_type: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub text: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub encoding: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a header object with name and value")]
pub(super) struct Header<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub value: Option<Text<'a>>,
}

/// Phase durations in milliseconds; -1 means the phase does not apply.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a HAR timings object")]
pub(super) struct Timings {
    #[serde(default)]
    pub blocked: Number,
    #[serde(default)]
    pub dns: Number,
    #[serde(default)]
    pub connect: Number,
    #[serde(default)]
    pub send: Number,
    #[serde(default)]
    pub wait: Number,
    #[serde(default)]
    pub receive: Number,
}

impl Timings {
    /// Returns the phases that make up `time`. `ssl` is left out because HAR 1.2
    /// counts it inside `connect`.
    pub fn phases(&self) -> [Number; 6] {
        [
            self.blocked,
            self.dns,
            self.connect,
            self.send,
            self.wait,
            self.receive,
        ]
    }
}

/// A numeric field as found in the file. `Missing` and `Null` are kept apart because
/// a missing `time` is rebuilt from the timings while `time: null` means unknown.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) enum Number {
    #[default]
    Missing,
    Null,
    Value(f64),
    /// Present with a type or text that is not a number.
    Invalid,
}

impl Number {
    /// Returns the value when it is a finite number.
    pub fn value(self) -> Option<f64> {
        match self {
            Number::Value(v) if v.is_finite() => Some(v),
            _ => None,
        }
    }

    /// Returns the value when it is a finite number of at least zero; HAR writes -1 for
    /// "not known".
    pub fn non_negative(self) -> Option<f64> {
        self.value().filter(|v| *v >= 0.0)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::Value(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::Value(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number::Value(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        Ok(v.trim()
            .parse::<f64>()
            .map_or(Number::Invalid, Number::Value))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Number, E> {
        Ok(Number::Invalid)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Number, E> {
        Ok(Number::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Number, E> {
        Ok(Number::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Number, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Number::Invalid)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Number, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Number::Invalid)
    }
}
