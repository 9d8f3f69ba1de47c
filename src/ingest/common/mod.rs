//! Code shared by the HAR and access-log readers: URL splitting, hashing, the
//! extension-based resource kind and retry-attempt headers, so that both turn the same request into the same
//! exchange fields.

pub(crate) mod hash;
pub(crate) mod kind;
pub(crate) mod retry;
pub(crate) mod url;
