//! Code shared by the HAR and access-log readers: URL splitting, hashing, the
//! extension-based resource kind and the retry-attempt headers. Both readers use it so
//! that the same request becomes the same exchange fields whichever input it came from.

pub(crate) use crate::model::hash;
pub(crate) mod kind;
pub(crate) mod retry;
pub(crate) mod text;
pub(crate) mod url;
