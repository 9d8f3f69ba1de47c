//! A small reader for RFC 9651 structured field values, enough for the `RateLimit` and
//! `RateLimit-Policy` fields of the IETF httpapi ratelimit-headers drafts.
//!
//! It reads the members of a List or a Dictionary (`limit=10, remaining=1` and
//! `"burst";q=100;w=60` alike) with their parameters, borrowing from the header value
//! so that nothing is allocated. Byte sequences, dates and inner lists are skipped over
//! and surface as [`BareItem::Other`]. Parsing stops at the first syntax error, and the
//! members read until then are kept.

/// A bare item of RFC 9651 section 3.3.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum BareItem<'a> {
    Integer(i64),
    Decimal(f64),
    /// The text between the quotes, with escapes (`\"`, `\\`) still in place.
    String(&'a str),
    Token(&'a str),
    Boolean(bool),
    /// A byte sequence, date, display string or inner list.
    Other,
}

impl<'a> BareItem<'a> {
    /// Returns the item as a non-negative number of whole units; decimals are
    /// truncated and negative values clamp to 0.
    pub(crate) fn as_count(self) -> Option<u64> {
        match self {
            BareItem::Integer(n) => Some(n.max(0) as u64),
            BareItem::Decimal(d) if d.is_finite() => Some(d.max(0.0) as u64),
            _ => None,
        }
    }

    /// Returns the item as a number of seconds, when it is numeric.
    pub(crate) fn as_seconds(self) -> Option<f64> {
        match self {
            BareItem::Integer(n) => Some(n as f64),
            BareItem::Decimal(d) => Some(d),
            _ => None,
        }
    }

    /// Returns the text of a string or token item, as written.
    pub(crate) fn as_name(self) -> Option<&'a str> {
        match self {
            BareItem::String(s) | BareItem::Token(s) => Some(s),
            _ => None,
        }
    }
}

/// One member of a List or Dictionary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Member<'a> {
    /// The Dictionary key when the member was written `key=value`.
    pub key: Option<&'a str>,
    pub value: BareItem<'a>,
    /// The parameters as written, starting at the first `;`.
    params: &'a str,
}

impl<'a> Member<'a> {
    /// Returns the value of parameter `name`; a parameter written without `=` is
    /// `Boolean(true)`. The first occurrence wins.
    pub(crate) fn param(&self, name: &str) -> Option<BareItem<'a>> {
        let mut cursor = Cursor::new(self.params);
        while cursor.eat(b';') {
            cursor.skip_spaces();
            let key = cursor.key()?;
            let value = if cursor.eat(b'=') {
                cursor.bare_item()?
            } else {
                BareItem::Boolean(true)
            };
            if key == name {
                return Some(value);
            }
        }
        None
    }
}

/// Iterates over the members of a structured field value.
pub(crate) fn members(value: &str) -> Members<'_> {
    Members {
        cursor: Cursor::new(value),
        done: false,
    }
}

pub(crate) struct Members<'a> {
    cursor: Cursor<'a>,
    done: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        if self.done {
            return None;
        }
        let member = self.cursor.member();
        let ok = member.is_some() && self.cursor.end_of_member();
        if !ok {
            self.done = true;
            return None;
        }
        member
    }
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Advances while `accept` returns true and returns the bytes passed.
    fn take_while(&mut self, accept: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&accept) {
            self.pos += 1;
        }
        // Only ASCII bytes are accepted, so both ends are character boundaries.
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// Reads `key=value;params` or `item;params`.
    fn member(&mut self) -> Option<Member<'a>> {
        self.skip_spaces();
        let start = self.pos;
        let mut key = None;
        if self.peek().is_some_and(is_key_start) {
            let name = self.key()?;
            if self.eat(b'=') {
                key = Some(name);
            } else {
                // Not a Dictionary key: read it again as a token item.
                self.pos = start;
            }
        }
        // A Dictionary key written without `=` (`burst;w=60`) means `true` in RFC 9651,
        // but it is read here as a token item, which keeps the name for the caller.
        let value = self.bare_item()?;
        let params_start = self.pos;
        while self.eat(b';') {
            self.skip_spaces();
            self.key()?;
            if self.eat(b'=') {
                self.bare_item()?;
            }
        }
        let params = self.text.get(params_start..self.pos).unwrap_or("");
        Some(Member { key, value, params })
    }

    /// Skips spaces and the `,` after a member; fails on anything else.
    fn end_of_member(&mut self) -> bool {
        self.skip_spaces();
        match self.peek() {
            None => true,
            Some(b',') => {
                self.pos += 1;
                true
            }
            Some(_) => false,
        }
    }

    fn key(&mut self) -> Option<&'a str> {
        if !self.peek().is_some_and(is_key_start) {
            return None;
        }
        Some(self.take_while(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b'*')
        }))
    }

    fn bare_item(&mut self) -> Option<BareItem<'a>> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number(),
            b'"' => self.string(),
            b'*' | b'A'..=b'Z' | b'a'..=b'z' => {
                let token = self
                    .take_while(|b| b.is_ascii_alphanumeric() || b":/!#$%&'*+-.^_`|~".contains(&b));
                Some(BareItem::Token(token))
            }
            b'?' => {
                self.pos += 1;
                let value = match self.peek()? {
                    b'0' => false,
                    b'1' => true,
                    _ => return None,
                };
                self.pos += 1;
                Some(BareItem::Boolean(value))
            }
            b':' => {
                // Byte sequence: base64 between colons.
                self.pos += 1;
                self.take_while(|b| b != b':');
                self.eat(b':').then_some(BareItem::Other)
            }
            b'@' => {
                self.pos += 1;
                self.number().map(|_| BareItem::Other)
            }
            b'%' => {
                self.pos += 1;
                self.string().map(|_| BareItem::Other)
            }
            b'(' => {
                // Inner list: skipped as a whole, strings included.
                self.pos += 1;
                loop {
                    self.skip_spaces();
                    if self.eat(b')') {
                        break;
                    }
                    self.bare_item()?;
                    while self.eat(b';') {
                        self.key()?;
                        if self.eat(b'=') {
                            self.bare_item()?;
                        }
                    }
                }
                Some(BareItem::Other)
            }
            _ => None,
        }
    }

    fn number(&mut self) -> Option<BareItem<'a>> {
        let start = self.pos;
        self.eat(b'-');
        let digits = self.take_while(|b| b.is_ascii_digit() || b == b'.');
        if digits.is_empty() {
            return None;
        }
        let text = self.text.get(start..self.pos)?;
        if digits.contains('.') {
            text.parse().ok().map(BareItem::Decimal)
        } else {
            // RFC 9651 allows 15 digits; longer values saturate instead of failing.
            match text.parse() {
                Ok(n) => Some(BareItem::Integer(n)),
                Err(_) if text.starts_with('-') => Some(BareItem::Integer(i64::MIN)),
                Err(_) => Some(BareItem::Integer(i64::MAX)),
            }
        }
    }

    fn string(&mut self) -> Option<BareItem<'a>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.pos;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => break,
                _ => self.pos += 1,
            }
        }
        let inner = self.text.get(start..self.pos)?;
        self.pos += 1;
        Some(BareItem::String(inner))
    }
}

fn is_key_start(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte == b'*'
}

/// Removes the `\` escapes of a structured string.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(value: &str) -> Vec<Member<'_>> {
        members(value).collect()
    }

    #[test]
    fn dictionary_members_keep_keys() {
        let parsed = collect("limit=10, remaining=1, reset=7");
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].key, Some("limit"));
        assert_eq!(parsed[0].value, BareItem::Integer(10));
        assert_eq!(parsed[1].key, Some("remaining"));
        assert_eq!(parsed[2].value, BareItem::Integer(7));
    }

    #[test]
    fn list_items_with_params() {
        let parsed = collect(r#""burst";q=100;w=60, "daily";q=1000;w=86400"#);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].key, None);
        assert_eq!(parsed[0].value, BareItem::String("burst"));
        assert_eq!(parsed[0].param("q"), Some(BareItem::Integer(100)));
        assert_eq!(parsed[0].param("w"), Some(BareItem::Integer(60)));
        assert_eq!(parsed[1].param("w"), Some(BareItem::Integer(86_400)));
        assert_eq!(parsed[1].param("r"), None);
    }

    #[test]
    fn token_items_keep_names() {
        let parsed = collect("default;r=50;t=30");
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].key, None);
        assert_eq!(parsed[0].value, BareItem::Token("default"));
        assert_eq!(parsed[0].param("t"), Some(BareItem::Integer(30)));
    }

    #[test]
    fn integer_items_with_window() {
        let parsed = collect("10;w=1, 50;w=60");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].value, BareItem::Integer(50));
        assert_eq!(parsed[1].param("w"), Some(BareItem::Integer(60)));
    }

    #[test]
    fn odd_items_skipped() {
        let parsed = collect(r#"a=:aGVsbG8=:, b=(1 2 "x"), c=?1;x, d=1.5, e="q\"x""#);
        assert_eq!(parsed.len(), 5);
        assert_eq!(parsed[0].value, BareItem::Other);
        assert_eq!(parsed[1].value, BareItem::Other);
        assert_eq!(parsed[2].value, BareItem::Boolean(true));
        assert_eq!(parsed[2].param("x"), Some(BareItem::Boolean(true)));
        assert_eq!(parsed[3].value, BareItem::Decimal(1.5));
        assert_eq!(parsed[4].value, BareItem::String(r#"q\"x"#));
        assert_eq!(unescape(r#"q\"x"#), "q\"x");
    }

    #[test]
    fn syntax_error_stops_reading() {
        let parsed = collect("limit=10, remaining=1 junk, reset=7");
        assert_eq!(parsed.len(), 1);
        assert_eq!(collect("\"unterminated").len(), 0);
        assert_eq!(collect("").len(), 0);
        assert_eq!(collect(",,,").len(), 0);
        assert_eq!(collect("é=1").len(), 0);
    }
}
