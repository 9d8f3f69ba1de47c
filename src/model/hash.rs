//! The stable hash behind request and response hashes and finding fingerprints, shared
//! by every input format so that equal requests hash equally whichever file they came
//! from.

/// FNV-1a, 64 bit: a fixed function, so hashes are equal across runs, platforms and
/// Rust versions (std's `DefaultHasher` does not promise the last).
#[derive(Clone, Copy)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64::new()
    }
}

impl Fnv64 {
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Writes a byte that never occurs in UTF-8, so that `("ab", "c")` and `("a", "bc")`
    /// hash differently.
    pub fn separate(&mut self) {
        self.write(&[0xff]);
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

/// Hashes one text with [`Fnv64`].
pub fn hash_text(text: &str) -> u64 {
    let mut hasher = Fnv64::new();
    hasher.write(text.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_separator_changes_hash() {
        let mut a = Fnv64::new();
        a.write(b"ab");
        a.separate();
        a.write(b"c");
        let mut b = Fnv64::new();
        b.write(b"a");
        b.separate();
        b.write(b"bc");
        assert_ne!(a.finish(), b.finish());
    }
}
