//! Code shared by the HAR and access-log readers: URL splitting, hashing and the
//! extension-based resource kind, so that both turn the same request into the same
//! exchange fields.

pub(crate) mod hash;
pub(crate) mod kind;
pub(crate) mod url;
