//! Splitting of request URLs into the parts an exchange keeps.
//!
//! HAR URLs and absolute log targets are split here. A small splitter is enough and
//! avoids a URL crate that would normalise the path, because the path must stay as
//! sent. User info (`user:password@`) is dropped here, so credentials never reach an
//! exchange.

/// The parts of an absolute network URL.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    /// Lower-case scheme: `http`, `https`, `ws` or `wss`.
    pub scheme: String,
    /// Lower-case host, with the port when it is not the scheme's default.
    pub host: String,
    /// Path as sent, `/` when the URL has none.
    pub path: &'a str,
    /// Query without the `?`, when present.
    pub query: Option<&'a str>,
    /// The whole URL without its fragment, which a client never sends.
    pub sent: &'a str,
}

/// Reason a URL cannot become an exchange.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UrlProblem {
    /// A scheme whose requests never reach the network (`data:`, `blob:`, `about:`, ...).
    NotNetwork(String),
    /// A scheme this reader does not analyse, such as `ftp`.
    UnsupportedScheme(String),
    /// Not an absolute URL with a host.
    Invalid,
}

/// Schemes that browsers resolve locally; their entries never reached a server.
const LOCAL_SCHEMES: &[&str] = &[
    "data",
    "blob",
    "about",
    "javascript",
    "file",
    "chrome",
    "chrome-extension",
    "moz-extension",
    "safari-extension",
    "safari-web-extension",
    "edge",
];

/// Splits an absolute URL.
pub(crate) fn split_url(url: &str) -> Result<UrlParts<'_>, UrlProblem> {
    let url = url.trim();
    let colon = url.find(':').ok_or(UrlProblem::Invalid)?;
    let scheme = &url[..colon];
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme {
        return Err(UrlProblem::Invalid);
    }
    let scheme = scheme.to_ascii_lowercase();
    if LOCAL_SCHEMES.contains(&scheme.as_str()) {
        return Err(UrlProblem::NotNetwork(scheme));
    }
    let default_port = match scheme.as_str() {
        "http" | "ws" => "80",
        "https" | "wss" => "443",
        _ => return Err(UrlProblem::UnsupportedScheme(scheme)),
    };

    let rest = url[colon + 1..]
        .strip_prefix("//")
        .ok_or(UrlProblem::Invalid)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = normalise_host(authority, default_port).ok_or(UrlProblem::Invalid)?;

    let sent_end = url.find('#').unwrap_or(url.len());
    let sent = &url[..sent_end];
    let target = &rest[authority_end..];
    let target = &target[..target.find('#').unwrap_or(target.len())];
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let path = if path.is_empty() { "/" } else { path };

    Ok(UrlParts {
        scheme,
        host,
        path,
        query,
        sent,
    })
}

/// Lower-cases the host, drops user info and drops the port when it is the default.
pub(crate) fn normalise_host(authority: &str, default_port: &str) -> Option<String> {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let close = bracketed.find(']')?;
        let host = &host_port[..close + 2];
        let after = &bracketed[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return None,
        };
        (host, port)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let host = host.to_ascii_lowercase();
    match port {
        None | Some("") => Some(host),
        Some(port) if !port.bytes().all(|b| b.is_ascii_digit()) => None,
        Some(port) if port.trim_start_matches('0') == default_port => Some(host),
        Some(port) => Some(format!("{host}:{port}")),
    }
}

/// Returns the sorted, de-duplicated parameter names of a query; values are dropped.
pub(crate) fn query_keys(query: Option<&str>) -> Vec<Box<str>> {
    let Some(query) = query else {
        return Vec::new();
    };
    let mut keys: Vec<Box<str>> = query
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(key, _)| key))
        .filter(|key| !key.is_empty())
        .map(Box::from)
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_splits_into_parts() {
        let parts = split_url("HTTPS://API.Example.com/v1/Users?id=7&b=2#top").unwrap();
        assert_eq!(parts.scheme, "https");
        assert_eq!(parts.host, "api.example.com");
        assert_eq!(parts.path, "/v1/Users");
        assert_eq!(parts.query, Some("id=7&b=2"));
        assert_eq!(parts.sent, "HTTPS://API.Example.com/v1/Users?id=7&b=2");
    }

    #[test]
    fn url_default_port_dropped() {
        assert_eq!(split_url("https://a.io:443/").unwrap().host, "a.io");
        assert_eq!(split_url("http://a.io:80/").unwrap().host, "a.io");
        assert_eq!(split_url("http://a.io:8080/").unwrap().host, "a.io:8080");
        assert_eq!(split_url("wss://a.io:443/s").unwrap().host, "a.io");
    }

    #[test]
    fn url_user_info_dropped() {
        let parts = split_url("https://user:secret@a.io/x").unwrap();
        assert_eq!(parts.host, "a.io");
    }

    #[test]
    fn url_ipv6_host_kept() {
        assert_eq!(split_url("http://[::1]:8080/x").unwrap().host, "[::1]:8080");
        assert_eq!(split_url("https://[::1]/x").unwrap().host, "[::1]");
    }

    #[test]
    fn url_without_path_is_root() {
        let parts = split_url("https://a.io?q=1").unwrap();
        assert_eq!(parts.path, "/");
        assert_eq!(parts.query, Some("q=1"));
        assert_eq!(split_url("https://a.io").unwrap().path, "/");
    }

    #[test]
    fn url_local_schemes_rejected() {
        assert_eq!(
            split_url("data:image/png;base64,AAAA"),
            Err(UrlProblem::NotNetwork("data".into()))
        );
        assert_eq!(
            split_url("blob:https://a.io/1"),
            Err(UrlProblem::NotNetwork("blob".into()))
        );
        assert_eq!(
            split_url("about:blank"),
            Err(UrlProblem::NotNetwork("about".into()))
        );
    }

    #[test]
    fn url_invalid_forms_rejected() {
        assert_eq!(split_url("/relative"), Err(UrlProblem::Invalid));
        assert_eq!(split_url("https:///x"), Err(UrlProblem::Invalid));
        assert_eq!(split_url("https://a.io:x/"), Err(UrlProblem::Invalid));
        assert_eq!(split_url(""), Err(UrlProblem::Invalid));
        assert_eq!(
            split_url("ftp://a.io/"),
            Err(UrlProblem::UnsupportedScheme("ftp".into()))
        );
    }

    #[test]
    fn query_keys_sorted_unique() {
        let keys = query_keys(Some("b=1&a=2&b=3&flag&=x&&c="));
        let keys: Vec<&str> = keys.iter().map(|k| &**k).collect();
        assert_eq!(keys, ["a", "b", "c", "flag"]);
    }
}
