#!/usr/bin/env python3
"""Write the sample HAR captures in samples/ and check that each one fits its rule.

Each sample shows one client anti-pattern that one ratelint rule reports, plus
clean.har, which must produce no finding. The captures are synthetic but shaped
like real exports (Chrome, Playwright, mitmproxy, Charles, Polly.JS), because the
HAR reader must cope with each exporter's quirks.

The script uses only the standard library and is deterministic: every sample has
its own fixed seed and base time, and nothing reads the clock, so rerunning it
rewrites byte-identical files. After writing, it reloads every file, checks the
fields that HAR 1.2 requires, and prints rough versions of each rule's measure.
It exits with status 1 if a sample lacks a field, does not clear its own rule's
threshold, or comes near another rule's threshold. Those measures are estimates
of what the Rust rules compute, not a second implementation.

Usage: python3 scripts/make_samples.py [OUTPUT_DIR]   (default: samples/)
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import statistics
import sys
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

# Clearly fake credentials. Each contains "FAKE", so a test can search a report
# for that word to show that no credential from an input reached the output.
OKTA_TOKEN = "SSWS 00abcdefFAKE_TOKEN_FOR_TESTS_ONLY"
OKTA_BEARER = "Bearer FAKE_OKTA_ACCESS_TOKEN_FOR_TESTS_ONLY"
GITHUB_TOKEN = "Bearer ghp_FAKE_TOKEN_FOR_TESTS_ONLY"
STRIPE_KEY = "Bearer sk_test_FAKE_KEY_FOR_TESTS_ONLY"
CI_TOKEN = "Bearer FAKE_CI_TOKEN_FOR_TESTS_ONLY"
SESSION_COOKIE = "FAKE_SESSION_COOKIE_FOR_TESTS_ONLY"

CHROME_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FIRST_NAMES = [
    "Ada", "Bruno", "Chen", "Dara", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jana",
    "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomas",
    "Uma", "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
]
LAST_NAMES = [
    "Abara", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat",
    "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov",
    "Quispe", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz",
]

# Variable-length text for response bodies, so that consecutive responses of
# one endpoint differ in size as well as in content.
INVOICE_LINES = [
    "Pro plan", "Pro plan, 12 seats", "Enterprise plan (annual)", "Overage: API calls",
    "Support add-on", "Storage 500 GB", "Onboarding services, March",
]
CI_CONTEXTS = ["ci/build", "ci/test", "lint", "codecov/patch", "security/snyk", "deploy/preview"]
PR_TITLES = [
    "Fix race in cache eviction", "Bump serde to 1.0.229", "Add retry budget to client",
    "Docs: explain rate limits", "Refactor template folding", "Handle empty pages",
    "Speed up HAR parsing on large files", "Remove dead code", "CI: cache cargo registry",
]

# ---------------------------------------------------------------------------
# Small helpers


def compact(value) -> str:
    """Serialise a response body the way APIs send it: no spaces."""
    return json.dumps(value, separators=(",", ":"))


def iso(ms: float, offset_minutes: int = 0, micros: bool = False, zulu: bool = True) -> str:
    """Format epoch milliseconds as an ISO 8601 start time with a UTC offset."""
    tz = timezone(timedelta(minutes=offset_minutes))
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
    local = moment.astimezone(tz)
    text = local.isoformat(timespec="microseconds" if micros else "milliseconds")
    if zulu and offset_minutes == 0:
        text = text.replace("+00:00", "Z")
    return text


def http_date(ms: float) -> str:
    """Format epoch milliseconds as an IMF-fixdate, truncated to the second like servers do."""
    return formatdate(int(ms // 1000), usegmt=True)


def okta_id(rng: random.Random, prefix: str) -> str:
    """Return an Okta-style object id: a 3-character type prefix and 17 characters."""
    while True:
        tail = "".join(rng.choice(ALNUM) for _ in range(17))
        if sum(c.isdigit() for c in tail) >= 3:
            return prefix + tail


def okta_request_id(rng: random.Random) -> str:
    chars = ALNUM + "-_"
    return "".join(rng.choice(chars) for _ in range(27))


def github_request_id(rng: random.Random) -> str:
    return "%04X:%04X:%07X:%07X:%08X" % (
        rng.randrange(0x10000),
        rng.randrange(0x10000),
        rng.randrange(0x10000000),
        rng.randrange(0x10000000),
        rng.randrange(0x100000000),
    )


def hex_string(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def uuid4(rng: random.Random) -> str:
    h = hex_string(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:]}"


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


class OktaBuckets:
    """Per-minute Okta rate-limit buckets, so X-Rate-Limit-* headers count down.

    Each bucket restarts at a minute boundary, and the reset is announced as
    epoch seconds. Callers pass the limits of the Workforce column in Okta's
    "Management rate limits" reference (System Log 120 per minute, user writes
    600, user reads 2000, most other /api/v1 endpoints 1200).
    """

    def __init__(self, used_before: dict[str, int] | None = None):
        self.used: dict[tuple[str, int], int] = {}
        self.used_before = used_before or {}

    def headers(self, bucket: str, limit: int, at_ms: float) -> list[tuple[str, str]]:
        minute = int(at_ms // 60000)
        key = (bucket, minute)
        self.used[key] = self.used.get(key, self.used_before.get(bucket, 0)) + 1
        remaining = max(limit - self.used[key], 0)
        reset = (minute + 1) * 60
        return [
            ("x-rate-limit-limit", str(limit)),
            ("x-rate-limit-remaining", str(remaining)),
            ("x-rate-limit-reset", str(reset)),
        ]


# ---------------------------------------------------------------------------
# Exchanges and exporters
#
# A sample is first described as a list of Exchange objects, then written in the
# layout of one exporter. Each exporter keeps the fields and quirks its real
# exports have: Chrome's pseudo-headers and `_resourceType`, Playwright's
# `_serverPort`, mitmproxy's microsecond times, Charles' local offset and
# `_charlesStatus`, Polly.JS' `_id` and `_order`.


class Exchange:
    """One request and its response, as a sample describes it before an exporter writes it."""

    def __init__(
        self,
        method: str,
        url: str,
        start_ms: float,
        duration_ms: float,
        status: int,
        *,
        request_headers: list[tuple[str, str]] | None = None,
        response_headers: list[tuple[str, str]] | None = None,
        body: str | None = None,
        body_size: int | None = None,
        mime: str = "application/json",
        request_body: str | None = None,
        request_mime: str = "application/json",
        resource_type: str = "fetch",
        initiator: dict | None = None,
        from_cache: str | None = None,
        priority: str = "High",
    ):
        self.method = method
        self.url = url
        self.start_ms = start_ms
        self.duration_ms = duration_ms
        self.status = status
        self.request_headers = request_headers or []
        self.response_headers = response_headers or []
        self.body = body
        self.body_size = body_size if body_size is not None else len(body or "")
        self.mime = mime
        self.request_body = request_body
        self.request_mime = request_mime
        self.resource_type = resource_type
        self.initiator = initiator
        self.from_cache = from_cache
        self.priority = priority

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


STATUS_TEXT = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 304: "Not Modified",
    403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
}


def header_list(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"name": n, "value": v} for n, v in pairs]


def query_list(url: str) -> list[dict]:
    return [{"name": n, "value": v} for n, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


def cookie_list(pairs: list[tuple[str, str]]) -> list[dict]:
    cookies = []
    for name, value in pairs:
        if name.lower() != "cookie":
            continue
        for part in value.split(";"):
            if "=" in part:
                key, val = part.strip().split("=", 1)
                cookies.append({"name": key, "value": val})
    return cookies


def split_timings(rng: random.Random, duration: float, fresh_connection: bool) -> dict:
    """Split a total time into HAR timing phases that add up to it (ssl is part of connect)."""
    blocked = round(rng.uniform(0.4, 3.0), 3)
    send = round(rng.uniform(0.05, 0.4), 3)
    dns = connect = ssl = -1
    spent = blocked + send
    if fresh_connection:
        dns = round(rng.uniform(4, 14), 3)
        ssl = round(rng.uniform(18, 40), 3)
        connect = round(ssl + rng.uniform(6, 18), 3)
        spent += dns + connect
    receive = round(max(duration - spent, 1.0) * rng.uniform(0.02, 0.12), 3)
    wait = round(max(duration - spent - receive, 0.5), 3)
    return {
        "blocked": blocked,
        "dns": dns,
        "ssl": ssl,
        "connect": connect,
        "send": send,
        "wait": wait,
        "receive": receive,
    }


def total_time(timings: dict) -> float:
    return round(
        sum(v for k, v in timings.items() if k in ("blocked", "dns", "connect", "send", "wait", "receive") and v > 0),
        3,
    )


def content_of(ex: Exchange) -> dict:
    content = {"size": ex.body_size, "mimeType": ex.mime}
    if ex.body is not None:
        content["text"] = ex.body
    return content


def post_data(ex: Exchange) -> dict | None:
    if ex.request_body is None:
        return None
    return {"mimeType": ex.request_mime, "text": ex.request_body}


def chrome_entry(rng: random.Random, ex: Exchange, seen_hosts: set, page_id: str) -> dict:
    """Build an entry as Chrome DevTools exports it, with HTTP/2 pseudo-headers."""
    parts = urlsplit(ex.url)
    fresh = ex.host not in seen_hosts and ex.from_cache is None
    seen_hosts.add(ex.host)
    pseudo = [
        (":authority", parts.netloc),
        (":method", ex.method),
        (":path", parts.path + ("?" + parts.query if parts.query else "")),
        (":scheme", parts.scheme),
    ]
    req_headers = pseudo + ex.request_headers

    if ex.from_cache:
        timings = {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0,
                   "receive": round(ex.duration_ms, 3), "_blocked_queueing": -1}
        time_ms = round(ex.duration_ms, 3)
    else:
        timings = split_timings(rng, ex.duration_ms, fresh)
        time_ms = total_time(timings)
        timings["_blocked_queueing"] = round(timings["blocked"] * 0.6, 3)

    request = {
        "method": ex.method,
        "url": ex.url,
        "httpVersion": "http/2.0",
        "headers": header_list(req_headers),
        "queryString": query_list(ex.url),
        "cookies": cookie_list(ex.request_headers),
        "headersSize": -1,
        "bodySize": len(ex.request_body or ""),
    }
    if ex.request_body is not None:
        request["postData"] = post_data(ex)

    response = {
        "status": ex.status,
        "statusText": "",
        "httpVersion": "http/2.0",
        "headers": header_list(ex.response_headers),
        "cookies": [],
        "content": content_of(ex),
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1 if ex.from_cache else ex.body_size,
        "_transferSize": 0 if ex.from_cache else ex.body_size + 180 + 28 * len(ex.response_headers),
        "_error": None,
    }
    if ex.from_cache:
        response["_fetchedViaServiceWorker"] = False

    entry = {
        "_initiator": ex.initiator or {"type": "other"},
        "_priority": ex.priority,
        "_resourceType": ex.resource_type,
        "cache": {},
        "connection": str(rng.randrange(10000, 99999)),
        "pageref": page_id,
        "request": request,
        "response": response,
        "serverIPAddress": "" if ex.from_cache else "203.0.113.%d" % (10 + hash_small(ex.host) % 200),
        "startedDateTime": iso(ex.start_ms),
        "time": time_ms,
        "timings": timings,
    }
    if ex.from_cache:
        entry["_fromCache"] = ex.from_cache
    return entry


def hash_small(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:6], 16)


def plain_entry(rng: random.Random, ex: Exchange, seen_hosts: set, *, http_version: str,
                offset_minutes: int = 0) -> dict:
    """Build an entry in the layout that most non-browser exporters share."""
    fresh = ex.host not in seen_hosts
    seen_hosts.add(ex.host)
    timings = split_timings(rng, ex.duration_ms, fresh)
    request = {
        "method": ex.method,
        "url": ex.url,
        "httpVersion": http_version,
        "cookies": cookie_list(ex.request_headers),
        "headers": header_list(ex.request_headers),
        "queryString": query_list(ex.url),
        "headersSize": -1,
        "bodySize": len(ex.request_body or ""),
    }
    if ex.request_body is not None:
        request["postData"] = post_data(ex)
    response = {
        "status": ex.status,
        "statusText": STATUS_TEXT.get(ex.status, ""),
        "httpVersion": http_version,
        "cookies": [],
        "headers": header_list(ex.response_headers),
        "content": content_of(ex),
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": ex.body_size,
    }
    return {
        "startedDateTime": iso(ex.start_ms, offset_minutes),
        "time": total_time(timings),
        "request": request,
        "response": response,
        "cache": {},
        "timings": timings,
        "serverIPAddress": "203.0.113.%d" % (10 + hash_small(ex.host) % 200),
    }


def write_chrome(path: Path, rng: random.Random, exchanges: list[Exchange], page_url: str,
                 page_title: str) -> None:
    page_id = "page_1"
    seen: set = set()
    entries = [chrome_entry(rng, ex, seen, page_id) for ex in exchanges]
    first = min(ex.start_ms for ex in exchanges)
    log = {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [
            {
                "startedDateTime": iso(first),
                "id": page_id,
                "title": page_title or page_url,
                "pageTimings": {"onContentLoad": round(rng.uniform(600, 900), 3),
                                "onLoad": round(rng.uniform(1400, 2100), 3)},
            }
        ],
        "entries": entries,
    }
    dump(path, {"log": log})


def write_playwright(path: Path, rng: random.Random, exchanges: list[Exchange]) -> None:
    seen: set = set()
    entries = []
    first = min(ex.start_ms for ex in exchanges)
    for ex in exchanges:
        entry = plain_entry(rng, ex, seen, http_version="HTTP/1.1")
        entry["pageref"] = "page@7d0c5e7f1b2a4c7e9f4a1c2b3d4e5f60"
        entry["_frameref"] = "frame@1f2e3d4c5b6a79880a1b2c3d4e5f6071"
        entry["_monotonicTime"] = round((ex.start_ms - first) / 1000 + 5120.412, 3)
        entry["_serverPort"] = 443
        entry["_securityDetails"] = {
            "protocol": "TLS 1.3",
            "subjectName": "api.ci.example.com",
            "issuer": "R11",
            "validFrom": 1767225600,
            "validTo": 1774915200,
        }
        entry["response"]["_transferSize"] = ex.body_size + 240
        entries.append(entry)
    first = min(ex.start_ms for ex in exchanges)
    log = {
        "version": "1.2",
        "creator": {"name": "Playwright", "version": "1.49.1"},
        "browser": {"name": "chromium", "version": "131.0.6778.33"},
        "pages": [
            {
                "startedDateTime": iso(first - 420),
                "id": "page@7d0c5e7f1b2a4c7e9f4a1c2b3d4e5f60",
                "title": "Deploy pipeline - CI",
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
            }
        ],
        "entries": entries,
    }
    dump(path, {"log": log})


def write_mitmproxy(path: Path, rng: random.Random, exchanges: list[Exchange]) -> None:
    seen: set = set()
    entries = []
    for ex in exchanges:
        entry = plain_entry(rng, ex, seen, http_version="HTTP/1.1")
        # mitmproxy writes microseconds and a +00:00 offset.
        entry["startedDateTime"] = iso(ex.start_ms, micros=True, zulu=False)
        entry["response"]["content"]["compression"] = 0
        entries.append(entry)
    log = {
        "version": "1.2",
        "creator": {"name": "mitmproxy", "version": "11.0.2", "comment": ""},
        "pages": [],
        "entries": entries,
    }
    dump(path, {"log": log})


def write_charles(path: Path, rng: random.Random, exchanges: list[Exchange], offset_minutes: int) -> None:
    seen: set = set()
    entries = []
    for ex in exchanges:
        entry = plain_entry(rng, ex, seen, http_version="HTTP/1.1", offset_minutes=offset_minutes)
        entry["response"] = {"_charlesStatus": "COMPLETE", **entry["response"]}
        entry["request"]["headersSize"] = 120 + sum(len(n) + len(v) + 4 for n, v in ex.request_headers)
        entry["response"]["headersSize"] = 20 + sum(len(n) + len(v) + 4 for n, v in ex.response_headers)
        entries.append(entry)
    log = {
        "version": "1.2",
        "creator": {"name": "Charles Proxy", "version": "4.6.7"},
        "entries": entries,
    }
    dump(path, {"log": log})


def write_polly(path: Path, rng: random.Random, exchanges: list[Exchange], recording: str) -> None:
    seen: set = set()
    entries = []
    for order, ex in enumerate(exchanges):
        entry = plain_entry(rng, ex, seen, http_version="HTTP/1.1")
        entry["request"]["headers"] = [
            {"_fromType": "array", **h} if h["name"] != "host" else h for h in entry["request"]["headers"]
        ]
        entry["timings"] = {"blocked": -1, "connect": -1, "dns": -1, "receive": 0, "send": 0,
                            "ssl": -1, "wait": round(ex.duration_ms, 3)}
        entry["time"] = round(ex.duration_ms, 3)
        del entry["serverIPAddress"]
        ident = hashlib.md5(f"{ex.method} {ex.url} {ex.request_body or ''}".encode()).hexdigest()
        entries.append({"_id": ident, "_order": order, **entry})
    log = {
        "_recordingName": recording,
        "creator": {"comment": "persister:fs", "name": "Polly.JS", "version": "6.0.6"},
        "entries": entries,
        "pages": [],
        "version": "1.2",
    }
    dump(path, {"log": log})


def dump(path: Path, document: dict) -> None:
    """Write a HAR file with one entry per line.

    Real exporters pretty-print every field, which makes these files three times
    larger; one compact entry per line keeps them small and their diffs readable.
    """
    log = document["log"]
    head = {key: value for key, value in log.items() if key != "entries"}
    lines = ['{"log": {']
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "entries": [')
    entries = [json.dumps(entry, ensure_ascii=False) for entry in log["entries"]]
    lines.append(",\n".join("    " + entry for entry in entries))
    lines.append("  ]")
    lines.append("}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def shuffle_a_little(rng: random.Random, exchanges: list[Exchange]) -> list[Exchange]:
    """Order entries the way exporters do: mostly by start, with neighbours swapped.

    Chrome writes entries when responses finish and proxies when flows close, so
    real exports are not strictly sorted by start time.
    """
    ordered = sorted(exchanges, key=lambda e: e.start_ms)
    for i in range(len(ordered) - 1):
        if rng.random() < 0.15:
            ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
    return ordered


def by_end(exchanges: list[Exchange]) -> list[Exchange]:
    return sorted(exchanges, key=lambda e: e.start_ms + e.duration_ms)


# ---------------------------------------------------------------------------
# Okta helpers shared by several samples


def okta_response_headers(rng, buckets: OktaBuckets, bucket: str, limit: int, at_ms: float,
                          content_type: str = "application/json") -> list[tuple[str, str]]:
    headers = [
        ("date", http_date(at_ms)),
        ("content-type", content_type),
        ("x-okta-request-id", okta_request_id(rng)),
    ]
    headers += buckets.headers(bucket, limit, at_ms)
    return headers


def okta_user(rng, user_id: str, created_ms: float) -> dict:
    first, last = person(rng)
    login = f"{first.lower()}.{last.lower()}@acme.example"
    return {
        "id": user_id,
        "status": "ACTIVE",
        "created": iso(created_ms),
        "lastLogin": iso(created_ms + rng.randrange(10**9, 10**10)),
        "profile": {"firstName": first, "lastName": last, "email": login, "login": login},
        "_links": {"self": {"href": f"https://acme.okta.com/api/v1/users/{user_id}"}},
    }


def okta_429_body(rng) -> str:
    return compact({
        "errorCode": "E0000047",
        "errorSummary": "API call exceeded rate limit due to too many requests.",
        "errorLink": "E0000047",
        "errorId": "oae" + "".join(rng.choice(ALNUM) for _ in range(19)),
        "errorCauses": [],
    })


def browser_request_headers(origin: str, referer: str, auth: str | None, cookie: str | None,
                            mode: str = "cors", accept: str = "application/json") -> list:
    """Request headers of a fetch() from a page, trimmed to the ones rules or tests read."""
    headers = [("accept", accept)]
    if auth:
        headers.append(("authorization", auth))
    if cookie:
        headers.append(("cookie", cookie))
    if origin:
        headers.append(("origin", origin))
    headers += [
        ("referer", referer),
        ("sec-fetch-mode", mode),
        ("user-agent", CHROME_UA),
    ]
    return headers


def script_initiator(url: str, function: str, line: int) -> dict:
    return {
        "type": "script",
        "stack": {"callFrames": [
            {"functionName": function, "scriptId": "42", "url": url, "lineNumber": line, "columnNumber": 1187},
        ]},
    }


def static_assets(rng, start_ms: float, host: str, count: int, referer: str, cached: int = 0,
                  spread_ms: float = 600) -> list[Exchange]:
    """Build a browser page load of static assets fetched in parallel."""
    kinds = [
        ("script", "application/javascript", "js", "High"),
        ("stylesheet", "text/css", "css", "VeryHigh"),
        ("image", "image/png", "png", "Low"),
        ("image", "image/svg+xml", "svg", "Low"),
        ("font", "font/woff2", "woff2", "High"),
    ]
    weights = [0.25, 0.1, 0.35, 0.18, 0.12]
    assets = []
    for i in range(count):
        rtype, mime, ext, priority = rng.choices(kinds, weights)[0]
        name = f"/assets/{rtype}-{i:02d}.{hex_string(rng, 8)}.{ext}"
        size = rng.randrange(900, 48000)
        begin = start_ms + rng.uniform(0, spread_ms)
        is_cached = i < cached
        duration = rng.uniform(0.2, 1.5) if is_cached else rng.uniform(40, 420)
        headers = [
            ("cache-control", "public, max-age=31536000, immutable"),
            ("content-length", str(size)),
            ("content-type", mime),
            ("date", http_date(begin)),
            ("etag", '"%s"' % hex_string(rng, 16)),
        ]
        dest = {"script": "script", "stylesheet": "style", "image": "image", "font": "font"}[rtype]
        assets.append(Exchange(
            "GET", f"https://{host}{name}", begin, duration, 200,
            request_headers=[("accept", "*/*"), ("referer", referer), ("sec-fetch-dest", dest),
                             ("user-agent", CHROME_UA)],
            response_headers=headers, body=None, body_size=size, mime=mime,
            resource_type=rtype, initiator={"type": "parser", "url": referer, "lineNumber": 12},
            from_cache="memory" if is_cached else None, priority=priority,
        ))
    return assets


# ---------------------------------------------------------------------------
# Samples


def okta_call(rng, buckets, method, path, start, duration, status, body, bucket, limit,
              request_headers, initiator=None, request_body=None, resource_type="fetch"):
    end = start + duration
    return Exchange(
        method, f"https://acme.okta.com{path}", start, duration, status,
        request_headers=request_headers,
        response_headers=okta_response_headers(rng, buckets, bucket, limit, end),
        body=body, request_body=request_body, resource_type=resource_type, initiator=initiator,
    )


ADMIN_PAGE = "https://acme-admin.okta.com/admin/dashboard"
ADMIN_SCRIPT = "https://ok12static.oktacdn.com/assets/js/admin/dashboard.8f2c1a9e.js"

# Distinct Okta admin endpoints that a dashboard reads while the user moves
# around. None is a groups, apps or users list, so nothing here is the
# collection side of an N+1 pattern.
OKTA_ADMIN_READS = [
    "/api/v1/users/me", "/api/v1/org", "/api/v1/org/preferences", "/api/v1/org/contacts",
    "/api/v1/org/factors", "/api/v1/sessions/me", "/api/v1/brands", "/api/v1/domains",
    "/api/v1/authorizationServers", "/api/v1/idps", "/api/v1/templates/sms", "/api/v1/eventHooks",
    "/api/v1/inlineHooks", "/api/v1/trustedOrigins", "/api/v1/zones", "/api/v1/behaviors",
    "/api/v1/mappings", "/api/v1/features", "/api/v1/threats/configuration",
    "/api/v1/policies?type=OKTA_SIGN_ON", "/api/v1/policies?type=PASSWORD",
    "/api/v1/policies?type=MFA_ENROLL", "/api/v1/policies?type=ACCESS_POLICY",
    "/api/v1/users/me/appLinks", "/api/v1/users/me/factors", "/api/v1/org/privacy/okta",
    "/api/v1/org/preferences/hideEndUserFooter", "/api/v1/meta/schemas/user/default",
    "/api/v1/meta/types/user", "/api/v1/authenticators", "/api/v1/captchas",
    "/api/v1/email-domains", "/api/v1/roles", "/api/v1/iam/resource-sets",
    "/api/v1/iam/assignees/users", "/api/v1/org/settings/thirdPartyAdminSetting",
    "/api/v1/org/orgSettings/clientPrivilegesSetting", "/api/v1/agentPools",
    "/api/v1/deviceAssurances", "/api/v1/devices?limit=20", "/api/v1/groups/rules?limit=20",
    "/api/v1/linkedObjects", "/api/v1/hook-keys", "/api/v1/logStreams", "/api/v1/principal-rate-limits",
    "/api/v1/rate-limit-settings/admin-notifications", "/api/v1/rate-limit-settings/per-client",
    "/api/v1/realms", "/api/v1/push-providers", "/api/v1/security-events-providers",
    "/api/v1/ssf/stream", "/api/v1/org/captcha", "/api/v1/dr/status", "/api/v1/uischemas",
    "/api/v1/users/me/groups", "/api/v1/users/me/roles", "/api/v1/brands/default/themes",
    "/api/v1/org/logo", "/api/v1/org/factors/yubikey_token/tokens", "/api/v1/apps/user/types",
    "/api/v1/meta/schemas/group/default", "/api/v1/meta/uischemas", "/api/v1/behaviors/rules",
    "/api/v1/authenticators/methods", "/api/v1/network-zones/default",
]


def okta_read_body(rng, path: str) -> str:
    """Build a small JSON body for an Okta read, distinct from other reads."""
    name = path.rstrip("/").split("/")[-1].split("?")[0]
    if rng.random() < 0.5:
        items = [{"id": okta_id(rng, "0oa"), "name": f"{name}-{i}", "status": "ACTIVE"}
                 for i in range(rng.randrange(1, 4))]
        return compact(items)
    return compact({"id": okta_id(rng, "00o"), "name": name, "lastUpdated": iso(1.77e12 + rng.randrange(10**9))})


def make_concurrency_burst(out: Path) -> None:
    rng = random.Random(1101)
    t0 = 1_772_720_403_412.0  # 2026-03-05T14:20:03.412Z
    buckets = OktaBuckets()
    origin = "https://acme-admin.okta.com"
    headers = browser_request_headers(origin, ADMIN_PAGE, None,
                                      f"sid={SESSION_COOKIE}")
    headers.insert(3, ("x-okta-xsrftoken", "FAKE_XSRF_TOKEN_FOR_TESTS_ONLY"))
    exchanges: list[Exchange] = []

    doc_headers = [("cache-control", "no-cache, no-store"), ("content-type", "text/html;charset=utf-8"),
                   ("date", http_date(t0)), ("server", "nginx"), ("x-okta-request-id", okta_request_id(rng))]
    exchanges.append(Exchange("GET", ADMIN_PAGE, t0, 182.0, 200,
                              request_headers=[("accept", "text/html"), ("cookie", f"sid={SESSION_COOKIE}"),
                                               ("user-agent", CHROME_UA)],
                              response_headers=doc_headers, body=None, body_size=18432, mime="text/html",
                              resource_type="document", priority="VeryHigh"))
    exchanges += static_assets(rng, t0 + 210, "ok12static.oktacdn.com", 9, ADMIN_PAGE, cached=1)

    reads = list(OKTA_ADMIN_READS)
    rng.shuffle(reads)

    def sequential_reads(paths, begin, end):
        # One read at a time, with think time between reads, like a user
        # moving through the dashboard.
        step = (end - begin) / len(paths)
        moment = begin
        for path in paths:
            duration = rng.uniform(90, 380)
            limit = 2000 if path.startswith("/api/v1/users/me") else 1200
            bucket = "users-read" if limit == 2000 else "default"
            exchanges.append(okta_call(rng, buckets, "GET", path, moment, duration, 200,
                                       okta_read_body(rng, path), bucket, limit, headers,
                                       script_initiator(ADMIN_SCRIPT, "fetchJson", rng.randrange(800, 9000)),
                                       resource_type="xhr"))
            moment += step * rng.uniform(0.7, 1.3)

    sequential_reads(reads[:20], t0 + 900, t0 + 19_000)

    # The burst: the dashboard renders one widget per group and per app and
    # fetches each widget's members at once, 25 GETs within 45 ms.
    burst_at = t0 + 20_000
    group_ids = [okta_id(rng, "00g") for _ in range(14)]
    app_ids = [okta_id(rng, "0oa") for _ in range(11)]
    targets = [("group", g) for g in group_ids] + [("app", a) for a in app_ids]
    rng.shuffle(targets)
    starts = sorted(burst_at + rng.uniform(0, 45) for _ in targets)
    # Okta rejects the requests beyond the org's concurrency limit (15 on a
    # free developer org) with 429 and X-Rate-Limit-Limit: 0. Okta calls the
    # Reset of such a response an estimate; here it is 2 s away.
    for rank, ((kind, ident), start) in enumerate(zip(targets, starts)):
        path = f"/api/v1/groups/{ident}/users?limit=200" if kind == "group" else f"/api/v1/apps/{ident}/users?limit=200"
        initiator = script_initiator(ADMIN_SCRIPT, "loadWidgetMembers", 4411)
        if rank >= 15:
            duration = rng.uniform(95, 180)
            end = start + duration
            reset_s = int(end // 1000) + 2
            resp = [
                ("date", http_date(end)),
                ("content-type", "application/json"),
                ("x-okta-request-id", okta_request_id(rng)),
                ("x-rate-limit-limit", "0"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", str(reset_s)),
                ("cache-control", "no-cache, no-store"),
            ]
            exchanges.append(Exchange("GET", f"https://acme.okta.com{path}", start, duration, 429,
                                      request_headers=headers, response_headers=resp,
                                      body=okta_429_body(rng), initiator=initiator))
        else:
            duration = rng.uniform(400, 900)
            members = [okta_user(rng, okta_id(rng, "00u"), t0 - 9e10) for _ in range(rng.randrange(1, 4))]
            for member in members:
                del member["_links"]
            bucket, limit = ("groups-item", 1000) if kind == "group" else ("apps", 100)
            exchanges.append(okta_call(rng, buckets, "GET", path, start, duration, 200, compact(members),
                                       bucket, limit, headers, initiator))

    # After the 429s the dashboard goes quiet for a few seconds (past the
    # announced reset), then the user keeps browsing other pages.
    sequential_reads(reads[20:40], burst_at + 6_000, burst_at + 22_000)

    write_chrome(out / "concurrency-burst.har", rng, shuffle_a_little(rng, by_end(exchanges)),
                 ADMIN_PAGE, "Dashboard - Okta Admin Console")


def make_tight_polling(out: Path) -> None:
    rng = random.Random(2202)
    t0 = 1_772_893_811_027.0  # 2026-03-07T14:30:11.027Z
    host = "https://api.ci.example.com"
    job = uuid4(rng)
    req = [
        ("accept", "application/json"),
        ("authorization", CI_TOKEN),
        ("user-agent", CHROME_UA),
        ("accept-encoding", "gzip, deflate, br"),
        ("accept-language", "en-US"),
        ("x-request-source", "deploy-ui"),
    ]
    remaining = 4987
    exchanges = []

    def ci_headers(at_ms, etag=None):
        nonlocal remaining
        remaining -= 1
        headers = [
            ("date", http_date(at_ms)),
            ("content-type", "application/json; charset=utf-8"),
            ("cache-control", "no-store"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", str(remaining)),
            ("x-ratelimit-reset", str(int(t0 // 1000) + 2710)),
            ("x-request-id", uuid4(rng)),
            ("server", "envoy"),
            ("x-envoy-upstream-service-time", str(rng.randrange(8, 60))),
        ]
        if etag:
            headers.append(("etag", etag))
        return headers

    created = compact({"id": job, "status": "queued", "pipeline": "deploy-web", "ref": "main",
                       "created_at": iso(t0 + 140)})
    exchanges.append(Exchange("POST", f"{host}/v1/jobs", t0, 143.0, 201,
                              request_headers=req + [("content-type", "application/json")],
                              response_headers=ci_headers(t0 + 143), body=created,
                              request_body=compact({"pipeline": "deploy-web", "ref": "main"})))

    running = compact({"id": job, "status": "running", "stage": "build", "started_at": iso(t0 + 900)})
    running_etag = 'W/"%s"' % hex_string(rng, 16)
    moment = t0 + 612
    # The page polls once a second (setInterval 1000 ms) and gets the same
    # body 40 times before the job finishes.
    for i in range(41):
        duration = rng.uniform(58, 112)
        done = i == 40
        body = compact({"id": job, "status": "succeeded", "stage": "done", "started_at": iso(t0 + 900),
                        "finished_at": iso(moment - 300)}) if done else running
        exchanges.append(Exchange("GET", f"{host}/v1/jobs/{job}/status", moment, duration, 200,
                                  request_headers=req, response_headers=ci_headers(moment + duration,
                                  None if done else running_etag), body=body))
        moment += 1000 + rng.uniform(-20, 20)

    artifacts = compact([{"name": "web-bundle.tar.gz", "size": 18_221_903, "sha256": hex_string(rng, 64)}])
    exchanges.append(Exchange("GET", f"{host}/v1/jobs/{job}/artifacts", moment - 600, 121.0, 200,
                              request_headers=req, response_headers=ci_headers(moment - 479), body=artifacts))
    write_playwright(out / "tight-polling.har", rng, shuffle_a_little(rng, exchanges))


def stripe_headers(rng, at_ms, idempotency: str | None = None) -> list:
    headers = [
        ("Server", "nginx"),
        ("Date", http_date(at_ms)),
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-cache, no-store"),
        ("Request-Id", "req_" + "".join(rng.choice(ALNUM) for _ in range(14))),
        ("Stripe-Version", "2024-06-20"),
        ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
    ]
    if idempotency:
        headers.append(("Idempotency-Key", idempotency))
    return headers


def make_retry_without_backoff(out: Path) -> None:
    rng = random.Random(3303)
    t0 = 1_773_065_402_118.0  # 2026-03-09T14:10:02.118Z
    host = "https://api.stripe.com"
    req = [
        ("Host", "api.stripe.com"),
        ("User-Agent", "python-requests/2.32.3"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
        ("Authorization", STRIPE_KEY),
        ("Stripe-Version", "2024-06-20"),
    ]
    exchanges: list[Exchange] = []
    customers = ["cus_" + "".join(rng.choice(ALNUM) for _ in range(14)) for _ in range(16)]
    moment = t0

    def read(path, body):
        nonlocal moment
        duration = rng.uniform(140, 420)
        exchanges.append(Exchange("GET", f"{host}{path}", moment, duration, 200, request_headers=req,
                                  response_headers=stripe_headers(rng, moment + duration), body=body))
        moment += duration + rng.uniform(150, 900)

    def customer_reads(customer):
        first, last = person(rng)
        read(f"/v1/customers/{customer}", compact({
            "id": customer, "object": "customer", "email": f"{first.lower()}@{last.lower()}.example",
            "name": f"{first} {last}", "balance": rng.randrange(0, 9000), "currency": "usd"}))
        invoice = "in_" + "".join(rng.choice(ALNUM) for _ in range(24))
        read(f"/v1/invoices?customer={customer}&status=open&limit=10", compact({
            "object": "list", "url": "/v1/invoices", "has_more": False,
            "data": [{"id": invoice, "object": "invoice", "customer": customer,
                      "amount_due": rng.randrange(500, 90000), "status": "open",
                      "description": rng.choice(INVOICE_LINES)} for _ in range(rng.randrange(1, 4))]}))

    read("/v1/balance", compact({"object": "balance", "available": [{"amount": 1821733, "currency": "usd"}]}))
    for customer in customers[:8]:
        customer_reads(customer)

    # The charge: 429 without Retry-After, and the script's retry loop sends
    # the identical request again after time.sleep(0.2), six times.
    key = uuid4(rng)
    charge_body = f"amount=4200&currency=usd&customer={customers[8]}&description=Invoice+2026-0311"
    charge_headers = req + [("Content-Type", "application/x-www-form-urlencoded"), ("Idempotency-Key", key)]
    for attempt in range(7):
        duration = rng.uniform(38, 72)
        if attempt < 6:
            request_id = "req_" + "".join(rng.choice(ALNUM) for _ in range(14))
            body = compact({"error": {
                "code": "rate_limit",
                "message": "Too many requests hit the API too quickly. We recommend an exponential "
                           "backoff of your requests.",
                "request_log_url": f"https://dashboard.stripe.com/test/logs/{request_id}",
                "type": "invalid_request_error"}})
            status = 429
        else:
            duration = rng.uniform(380, 520)
            body = compact({"id": "ch_" + "".join(rng.choice(ALNUM) for _ in range(24)), "object": "charge",
                            "amount": 4200, "currency": "usd", "customer": customers[8], "paid": True,
                            "status": "succeeded"})
            status = 200
        exchanges.append(Exchange("POST", f"{host}/v1/charges", moment, duration, status,
                                  request_headers=charge_headers,
                                  response_headers=stripe_headers(rng, moment + duration, key),
                                  body=body, request_body=charge_body,
                                  request_mime="application/x-www-form-urlencoded"))
        moment += duration + (200 + rng.uniform(-4, 6) if attempt < 6 else rng.uniform(300, 600))

    for customer in customers[9:16]:
        customer_reads(customer)
    read("/v1/balance_transactions?limit=20", compact({"object": "list", "has_more": True, "data": []}))
    write_mitmproxy(out / "retry-without-backoff.har", rng, shuffle_a_little(rng, by_end(exchanges)))


def make_n_plus_one(out: Path) -> None:
    rng = random.Random(4404)
    t0 = 1_773_236_125_904.0  # 2026-03-11T13:35:25.904Z
    buckets = OktaBuckets()
    page = "https://acme-admin.okta.com/admin/users/access-review"
    script = "https://ok12static.oktacdn.com/assets/js/admin/access-review.1c9d77b0.js"
    headers = browser_request_headers("https://acme-admin.okta.com", page, None,
                                      f"sid={SESSION_COOKIE}")
    headers.insert(3, ("x-okta-xsrftoken", "FAKE_XSRF_TOKEN_FOR_TESTS_ONLY"))
    exchanges: list[Exchange] = [
        Exchange("GET", page, t0, 171.0, 200, request_headers=[("accept", "text/html"), ("user-agent", CHROME_UA)],
                 response_headers=[("content-type", "text/html;charset=utf-8"), ("date", http_date(t0))],
                 body=None, body_size=16220, mime="text/html", resource_type="document", priority="VeryHigh")
    ]
    exchanges += static_assets(rng, t0 + 200, "ok12static.oktacdn.com", 7, page)

    def call(path, start, duration, body, bucket, limit, function):
        exchanges.append(okta_call(rng, buckets, "GET", path, start, duration, 200, body, bucket, limit,
                                   headers, script_initiator(script, function, rng.randrange(300, 5000))))
        return start + duration

    call("/api/v1/users/me", t0 + 950, 121.0, okta_read_body(rng, "me"), "users-read", 2000, "loadSession")
    call("/api/v1/org", t0 + 990, 133.0, okta_read_body(rng, "org"), "default", 1200, "loadOrg")

    users = [okta_user(rng, okta_id(rng, "00u"), t0 - 6e10 - i * 8.64e7) for i in range(25)]
    list_end = call("/api/v1/users?limit=25", t0 + 1_620, 388.0, compact(users), "users-list", 600, "loadUsers")

    group_pool = [(okta_id(rng, "00g"), name) for name in (
        "Everyone", "Engineering", "Finance", "Sales EMEA", "Sales AMER", "Support", "Contractors",
        "VPN Users", "GitHub Admins", "AWS Prod ReadOnly", "Payroll", "Design", "On-call")]
    moment = list_end + rng.uniform(8, 20)
    previous = None
    # The page awaits one request per user in a for loop: 25 GETs of
    # /users/{id}/groups, with three unrelated reads interleaved.
    for i, user in enumerate(users):
        while True:
            chosen = [group_pool[0]] + rng.sample(group_pool[1:], rng.randrange(1, 5))
            body = compact([{"id": gid, "type": "OKTA_GROUP", "profile": {"name": name}} for gid, name in chosen])
            if body != previous:
                break
        previous = body
        duration = rng.uniform(70, 165)
        call(f"/api/v1/users/{user['id']}/groups", moment, duration, body, "default", 1200, "loadUserGroups")
        if i in (7, 16, 21):
            side = {7: "/api/v1/org/factors", 16: "/api/v1/apps?limit=20&filter=status+eq+%22ACTIVE%22",
                    21: "/api/v1/sessions/me"}[i]
            call(side, moment + rng.uniform(20, 60), rng.uniform(90, 200), okta_read_body(rng, side),
                 "default", 1200, "refreshSidebar")
        moment += duration + rng.uniform(4, 35)

    write_chrome(out / "n-plus-one.har", rng, shuffle_a_little(rng, by_end(exchanges)), page,
                 "Access review - Okta Admin Console")


def okta_log_event(rng, moment_ms) -> dict:
    kinds = [("user.session.start", "User login to Okta"), ("user.authentication.sso", "User single sign on to app"),
             ("policy.evaluate_sign_on", "Evaluation of sign-on policy"),
             ("user.account.update_profile", "Update user profile for Okta")]
    kind, text = rng.choice(kinds)
    return {
        "uuid": uuid4(rng), "published": iso(moment_ms - rng.randrange(1000, 90000)),
        "eventType": kind, "displayMessage": text, "severity": "INFO",
        "actor": {"id": okta_id(rng, "00u"), "type": "User"},
        "outcome": {"result": "SUCCESS"},
    }


def make_endpoint_hotspot(out: Path) -> None:
    rng = random.Random(5505)
    # 2026-03-13T09:41:27.306Z: the run crosses a minute boundary 32.7 s in,
    # so Okta's per-minute counter restarts mid-run and X-Rate-Limit-Remaining
    # stays high while 114 calls land within one sliding minute.
    t0 = 1_773_394_887_306.0
    buckets = OktaBuckets(used_before={"logs": 1})
    req = [
        ("Host", "acme.okta.com"),
        ("User-Agent", "okta-siem-connector/2.4.1 python-requests/2.32.3"),
        ("Accept", "application/json"),
        ("Authorization", OKTA_TOKEN),
    ]
    exchanges: list[Exchange] = []
    moment = t0
    since = iso(t0 - 300_000)
    cursor = None
    for i in range(114):
        duration = rng.uniform(70, 260)
        if cursor is None or rng.random() < 0.3:
            path = f"/api/v1/logs?since={since.replace(':', '%3A')}&limit=100"
        else:
            path = f"/api/v1/logs?after={cursor}&limit=100"
        events = [okta_log_event(rng, moment) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
        cursor = "".join(rng.choice(ALNUM) for _ in range(18)) + "_" + str(i)
        exchanges.append(okta_call(rng, buckets, "GET", path, moment, duration, 200, compact(events),
                                   "logs", 120, req))
        # The connector re-queries whenever its worker pool hands back a slot,
        # so gaps are irregular rather than a fixed polling period.
        moment += duration + 20 + rng.expovariate(1 / 260)

    # Enrichment lookups by a second thread: details of actors and targets.
    others = (
        [("/api/v1/users/" + okta_id(rng, "00u"), "users-read", 2000) for _ in range(7)]
        + [("/api/v1/apps/" + okta_id(rng, "0oa"), "apps-item", 500) for _ in range(5)]
        + [("/api/v1/groups/" + okta_id(rng, "00g"), "groups-item", 1000) for _ in range(5)]
        + [("/api/v1/org", "default", 1200), ("/api/v1/users/me", "users-read", 2000),
           ("/api/v1/authorizationServers/default", "default", 1200)]
    )
    rng.shuffle(others)
    span = moment - t0
    for index, (path, bucket, limit) in enumerate(others):
        start = t0 + span * (index + rng.uniform(0.1, 0.9)) / len(others)
        exchanges.append(okta_call(rng, buckets, "GET", path, start, rng.uniform(80, 240), 200,
                                   okta_read_body(rng, path), bucket, limit, req))
    write_mitmproxy(out / "endpoint-hotspot.har", rng, shuffle_a_little(rng, by_end(exchanges)))


def github_headers(rng, at_ms, limit, remaining, reset_s, resource="core", extra=None) -> list:
    headers = [
        ("Server", "GitHub.com"),
        ("Date", http_date(at_ms)),
        ("Content-Type", "application/json; charset=utf-8"),
        ("ETag", 'W/"%s"' % hex_string(rng, 64)),
        ("X-RateLimit-Limit", str(limit)),
        ("X-RateLimit-Remaining", str(remaining)),
        ("X-RateLimit-Reset", str(reset_s)),
        ("X-RateLimit-Used", str(limit - remaining)),
        ("X-RateLimit-Resource", resource),
        ("X-GitHub-Request-Id", github_request_id(rng)),
    ]
    return headers + (extra or [])


def github_read_body(rng, path: str) -> str:
    """Build a small JSON body for a GitHub read, distinct from other reads."""
    name = (path.strip("/").split("?")[0] or "widgets").replace("/", "-")
    items = [{"id": rng.randrange(10**7, 10**9), "node_id": "MDQ6" + "".join(rng.choice(ALNUM) for _ in range(12)),
              "name": f"{name}-{i}"} for i in range(rng.randrange(1, 4))]
    return compact(items)


def make_retry_after_ignored(out: Path) -> None:
    rng = random.Random(6606)
    t0 = 1_773_608_522_640.0  # 2026-03-15T21:02:02.640Z, 14:02:02 at -07:00
    base = "https://api.github.com/repos/acme/widgets"
    req = [
        ("Host", "api.github.com"),
        ("Accept", "application/vnd.github+json"),
        ("Authorization", GITHUB_TOKEN),
        ("X-GitHub-Api-Version", "2022-11-28"),
        ("User-Agent", "acme-triage-bot/0.9 (+https://acme.example/bot)"),
        ("Accept-Encoding", "gzip, deflate, br"),
    ]
    used = 211
    reset_s = int(t0 // 1000) + 2900
    exchanges: list[Exchange] = []

    def get(url, start, body, status=200, extra=None, duration=None):
        nonlocal used
        duration = duration or rng.uniform(180, 520)
        used += 1
        exchanges.append(Exchange("GET", url, start, duration, status, request_headers=req,
                                  response_headers=github_headers(rng, start + duration, 5000, 5000 - used,
                                                                  reset_s, extra=extra), body=body))
        return start + duration

    def listing(label):
        return compact([{"number": rng.randrange(1000, 4000), "title": f"{label}: {hex_string(rng, 6)}",
                         "state": "open", "labels": [{"name": label}]} for _ in range(rng.randrange(1, 4))])

    others = [
        "", "/labels?per_page=100", "/milestones?state=open", "/pulls?state=open&per_page=50",
        "/collaborators?per_page=100", "/contributors?per_page=30", "/events?per_page=30",
        "/commits?per_page=30", "/branches?per_page=100", "/releases?per_page=10", "/tags?per_page=30",
        "/topics", "/languages", "/actions/runs?per_page=20", "/actions/workflows",
        "/hooks", "/teams", "/projects", "/deployments?per_page=20", "/environments",
        "/community/profile", "/stats/participation", "/subscribers?per_page=30",
        "/stargazers?per_page=30", "/forks?per_page=30", "/readme", "/license", "/codeowners/errors",
        "/pages", "/rulesets", "/autolinks", "/vulnerability-alerts", "/dependabot/alerts?state=open",
        "/code-scanning/alerts?state=open", "/secret-scanning/alerts?state=open", "/invitations",
        "/keys", "/notifications?all=false", "/actions/secrets", "/actions/variables",
        "/actions/runners", "/actions/caches", "/properties/values", "/activity?per_page=30",
        "/issues/comments?per_page=30&sort=updated", "/issues/events?per_page=30",
        "/pulls/comments?per_page=30", "/git/refs/heads", "/git/matching-refs/tags",
        "/compare/main...release", "/merges-upstream-check",
    ]

    moment = t0
    moment = get(f"{base}/issues?labels=bug&state=open&per_page=100", moment, listing("bug")) + 900
    moment = get(f"{base}/issues?labels=docs&state=open&per_page=100", moment, listing("docs")) + 700
    for path in others[:26]:
        moment = get(f"{base}{path}", moment, github_read_body(rng, path)) + rng.uniform(400, 1300)

    # Secondary rate limit: 429 with Retry-After 30 s. The bot's next two
    # requests to the same endpoint go out after 5 s and after 12 s.
    secondary = compact({
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        "status": "429"})
    first_429 = moment
    end_1 = get(f"{base}/issues?labels=needs-triage&state=open&per_page=100", first_429, secondary, 429,
                [("Retry-After", "30")], duration=212.0)
    end_2 = get(f"{base}/issues?labels=regression&state=open&per_page=100", end_1 + 5_000, secondary, 429,
                [("Retry-After", "25")], duration=198.0)
    end_3 = get(f"{base}/issues?labels=security&state=open&per_page=100", end_1 + 12_000, secondary, 429,
                [("Retry-After", "18")], duration=205.0)

    # Then it waits properly: well past all three Retry-After deadlines.
    moment = end_3 + 19_600
    for label in ("needs-triage", "regression", "security", "enhancement", "question"):
        moment = get(f"{base}/issues?labels={label}&state=open&per_page=100", moment, listing(label))
        moment += rng.uniform(250, 600)
    for path in others[26:50]:
        moment = get(f"{base}{path}", moment, github_read_body(rng, path)) + rng.uniform(300, 800)
    write_charles(out / "retry-after-ignored.har", rng, shuffle_a_little(rng, by_end(exchanges)), -7 * 60)


def make_bulk_operation_flood(out: Path) -> None:
    rng = random.Random(7707)
    t0 = 1_773_828_004_550.0  # 2026-03-18T10:00:04.550Z
    buckets = OktaBuckets(used_before={"users-write": 3})
    req = [
        ("accept", "application/json"),
        ("authorization", OKTA_TOKEN),
        ("content-type", "application/json"),
        ("user-agent", "okta-sdk-nodejs/7.1.1 node/20.18.0 darwin/24.1.0"),
        ("host", "acme.okta.com"),
    ]
    users = [okta_id(rng, "00u") for _ in range(60)]
    exchanges: list[Exchange] = []

    # The job streams users from the HR system (a different host, not in this
    # recording) and starts each user's deactivate-then-delete as soon as that
    # user's lookup returns, without waiting for the previous user. Lookups
    # take uneven time: the gaps cycle through six values from 20 to 440 ms.
    # Every run of 8 writes then has irregular intervals, which keeps
    # tight-polling quiet although every response body is the same. The peak
    # in flight is 2.
    lookup_ms = [20.0, 270.0, 50.0, 440.0, 100.0, 170.0]
    moment = t0
    for index, user in enumerate(users):
        moment += lookup_ms[index % len(lookup_ms)] * rng.uniform(0.95, 1.05)
        duration = rng.uniform(55, 80)
        exchanges.append(okta_call(rng, buckets, "POST", f"/api/v1/users/{user}/lifecycle/deactivate",
                                   moment, duration, 200, "{}", "users-write", 600, req))
        start = moment + duration + rng.uniform(2, 6)
        exchanges.append(okta_call(rng, buckets, "DELETE", f"/api/v1/users/{user}", start,
                                   rng.uniform(55, 80), 204, None, "users-write", 600, req))
    write_polly(out / "bulk-operation-flood.har", rng, sorted(exchanges, key=lambda e: e.start_ms),
                "deprovision-departed-users/run")


def github_commit_body(rng, sha: str, suffix: str, t0: float) -> str:
    """Build the body of a commit, its combined status, or its pull requests."""
    if suffix == "":
        first, last = person(rng)
        return compact({"sha": sha, "commit": {"author": {"name": f"{first} {last}",
                                                          "date": iso(t0 - rng.randrange(10**8, 10**10))},
                                               "message": f"Fix {hex_string(rng, rng.randrange(4, 12))}"},
                        "stats": {"additions": rng.randrange(1, 400), "deletions": rng.randrange(0, 200)}})
    if suffix == "/status":
        contexts = rng.sample(CI_CONTEXTS, rng.randrange(1, len(CI_CONTEXTS) + 1))
        statuses = [{"context": context, "state": rng.choice(["success", "success", "failure"])}
                    for context in contexts]
        return compact({"state": statuses[0]["state"], "sha": sha, "total_count": len(statuses),
                        "statuses": statuses})
    number = rng.randrange(2000, 4000)
    return compact([{"number": number, "state": "closed", "title": rng.choice(PR_TITLES), "merge_commit_sha": sha}])


def make_remaining_quota_ignored(out: Path) -> None:
    rng = random.Random(8808)
    t0 = 1_774_007_105_233.0  # 2026-03-20T11:45:05.233Z
    base = "https://api.github.com/repos/acme/widgets/commits"
    req = [
        ("Host", "api.github.com"),
        ("User-Agent", "python-requests/2.32.3"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "application/vnd.github+json"),
        ("Connection", "keep-alive"),
    ]
    reset_s = int(t0 // 1000) + 2_461
    shas = [hex_string(rng, 40) for _ in range(20)]
    urls = [f"{base}/{sha}{suffix}" for sha in shas for suffix in ("", "/status", "/pulls")]
    exceeded = compact({
        "message": "API rate limit exceeded for 198.51.100.23. (But here's the good news: Authenticated "
                   "requests get a higher rate limit. Check out the documentation for more details.)",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})

    # Unauthenticated quota: 60 requests per hour per address. Remaining falls
    # by one per response, and once by two, when another job on the same
    # address spends a unit. The 59th request then gets 403 with remaining 0,
    # and the script stops on that error.
    exchanges: list[Exchange] = []
    moment = t0
    for count, url in enumerate(urls, start=1):
        remaining = max(60 - count - (1 if count >= 41 else 0), 0)
        duration = rng.uniform(70, 105)
        headers = github_headers(rng, moment + duration, 60, remaining, reset_s)
        if remaining == 0:
            exchanges.append(Exchange("GET", url, moment, duration, 403, request_headers=req,
                                      response_headers=headers, body=exceeded))
            break
        sha, _, suffix = url[len(base) + 1:].partition("/")
        body = github_commit_body(rng, sha, "/" + suffix if suffix else "", t0)
        exchanges.append(Exchange("GET", url, moment, duration, 200, request_headers=req,
                                  response_headers=headers, body=body))
        # requests.Session in a plain loop: about 125 ms per request.
        moment += 125 + rng.uniform(-25, 25)

    write_mitmproxy(out / "remaining-quota-ignored.har", rng, shuffle_a_little(rng, exchanges))


def make_clean(out: Path) -> None:
    rng = random.Random(9909)
    t0 = 1_774_185_318_190.0  # 2026-03-22T13:15:18.190Z
    page = "https://app.acme.example/admin/users"
    app_script = "https://static.acme.example/assets/js/app.4be1f0.js"
    buckets = OktaBuckets(used_before={"users-list": 1})
    app_headers = browser_request_headers("https://app.acme.example", page, None, f"session={SESSION_COOKIE}")
    okta_headers = browser_request_headers("https://app.acme.example", page, OKTA_BEARER, None)
    exchanges: list[Exchange] = [
        Exchange("GET", page, t0, 164.0, 200,
                 request_headers=[("accept", "text/html"), ("cookie", f"session={SESSION_COOKIE}"),
                                  ("user-agent", CHROME_UA)],
                 response_headers=[("content-type", "text/html; charset=utf-8"), ("date", http_date(t0))],
                 body=None, body_size=9120, mime="text/html", resource_type="document", priority="VeryHigh")
    ]
    # A page load: 60 static assets in parallel, three of them from the memory cache.
    exchanges += static_assets(rng, t0 + 190, "static.acme.example", 63, page, cached=3, spread_ms=900)

    def app_call(path, start, body, status=200, extra=None, duration=None, from_cache=None):
        duration = duration or rng.uniform(60, 260)
        headers = [("content-type", "application/json"), ("date", http_date(start + duration)),
                   ("server", "nginx"), ("x-request-id", uuid4(rng))] + (extra or [])
        exchanges.append(Exchange("GET", f"https://app.acme.example{path}", start, duration, status,
                                  request_headers=app_headers, response_headers=headers, body=body,
                                  initiator=script_initiator(app_script, "apiGet", rng.randrange(100, 3000)),
                                  from_cache=from_cache))
        return start + duration

    def burst_of_reads(paths, start, spread):
        # At most four calls start together, and they finish before the next group.
        for i in range(0, len(paths), 4):
            for path in paths[i:i + 4]:
                app_call(path, start + rng.uniform(0, spread), compact({"path": path, "v": rng.randrange(1000)}))
            start += spread + 420
        return start

    moment = burst_of_reads(["/api/session", "/api/me", "/api/features", "/api/nav", "/api/settings/ui",
                             "/api/tenants/current", "/api/i18n/en-US"], t0 + 900, 120)
    app_call("/api/me", moment + 50, compact({"path": "/api/me", "v": 1}), duration=0.4, from_cache="memory")

    # Polling for notifications every 30 to 60 s, with jitter.
    poll_at = t0 + 1_450
    unread = 3
    for i in range(8):
        if rng.random() < 0.4:
            unread += 1
        app_call("/api/notifications/unread", poll_at, compact({"unread": unread}))
        poll_at += rng.uniform(30_000, 60_000) if i != 0 else 43_900

    # The user list from Okta, 200 per page, following Link rel="next".
    moment = t0 + 3_100
    after = None
    for page_number in range(4):
        path = "/api/v1/users?limit=200" + (f"&after={after}" if after else "")
        duration = rng.uniform(350, 600)
        headers = okta_response_headers(rng, buckets, "users-list", 600, moment + duration)
        next_after = okta_id(rng, "00u")
        link = f'<https://acme.okta.com{path}>; rel="self"'
        if page_number < 3:
            link += f', <https://acme.okta.com/api/v1/users?after={next_after}&limit=200>; rel="next"'
        headers.append(("link", link))
        size = 200 * 612 if page_number < 3 else 57 * 612
        # Chrome keeps no body for these large responses, only their size.
        exchanges.append(Exchange("GET", f"https://acme.okta.com{path}", moment, duration, 200,
                                  request_headers=okta_headers, response_headers=headers, body=None,
                                  body_size=size, initiator=script_initiator(app_script, "listUsers", 2210)))
        after = next_after
        moment += duration + rng.uniform(30, 90)

    moment = burst_of_reads(["/api/users/saved-views", "/api/users/columns", "/api/audit/recent",
                             "/api/teams", "/api/roles", "/api/billing/plan"], t0 + 8_000, 900)

    # One 429 with Retry-After: 2. The client backs off exponentially with
    # full jitter, never sooner than Retry-After: gaps of about 2.3, 3.1 and
    # 9.6 s, then the report loads.
    moment = t0 + 20_000
    throttled = compact({"error": "rate_limited", "message": "Too many report requests, retry later."})
    for gap in (2_300, 3_100, 9_600, None):
        if gap is None:
            app_call("/api/reports/usage?range=30d", moment, compact({"range": "30d", "active_users": 4182}))
            break
        end = app_call("/api/reports/usage?range=30d", moment, throttled, status=429,
                       extra=[("retry-after", "2")], duration=rng.uniform(40, 70))
        moment = end + gap + rng.uniform(-40, 40)

    burst_of_reads(["/api/reports/usage/breakdown?range=30d", "/api/reports/exports", "/api/users/stats",
                    "/api/teams/stats", "/api/audit/filters", "/api/integrations", "/api/webhooks",
                    "/api/settings/security", "/api/settings/sso", "/api/settings/branding",
                    "/api/apps/catalog", "/api/help/tips"], t0 + 37_500, 700)
    write_chrome(out / "clean.har", rng, shuffle_a_little(rng, by_end(exchanges)), page, "Users - Acme Admin")


# ---------------------------------------------------------------------------
# Check: rough versions of the eight rule measures


def template(path: str) -> str:
    """Fold id-like path segments into {id}, roughly as ratelint's templating does."""
    out = []
    for seg in path.split("/"):
        is_id = (
            seg.isdigit()
            or (len(seg) == 36 and seg.count("-") == 4)
            or (len(seg) >= 7 and all(c in "0123456789abcdef" for c in seg) and any(c.isdigit() for c in seg))
            or (len(seg) == 20 and seg.startswith("00") or len(seg) == 20 and seg.startswith("0oa"))
            or ("_" in seg and seg.split("_", 1)[0] in ("cus", "ch", "in", "req"))
        )
        out.append("{id}" if is_id else seg)
    return "/".join(out)


class Seen:
    """One exchange read back from a written HAR file, with the fields the check uses."""

    def __init__(self, entry: dict):
        self.start = datetime.fromisoformat(entry["startedDateTime"]).timestamp() * 1000
        self.duration = float(entry.get("time") or 0)
        self.end = self.start + self.duration

        req, resp = entry["request"], entry["response"]
        self.method = req["method"]
        parts = urlsplit(req["url"])
        self.host = parts.netloc
        self.template = template(parts.path)
        self.keys = tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
        self.series = (self.method, self.host, self.template, self.keys)
        self.request_key = (self.method, req["url"], (req.get("postData") or {}).get("text"))

        self.status = resp["status"]
        self.headers = {h["name"].lower(): h["value"] for h in resp["headers"]}
        content = resp.get("content") or {}
        self.body_key = content.get("text")
        self.size = content.get("size")
        rtype = entry.get("_resourceType")
        self.cache_hit = bool(entry.get("_fromCache"))
        self.api = not self.cache_hit and rtype in (None, "fetch", "xhr") and "json" in content.get("mimeType", "")

        limit = self.headers.get("x-rate-limit-limit") or self.headers.get("x-ratelimit-limit")
        remaining = self.headers.get("x-rate-limit-remaining") or self.headers.get("x-ratelimit-remaining")
        self.limit = int(limit) if limit else None
        self.remaining = int(remaining) if remaining else None
        self.throttled = self.status == 429 or (self.status == 403 and self.remaining == 0)

        # Instant before which the server asked for no further request: the
        # Retry-After delay, or the Reset when Remaining is 0, against Date.
        self.allowed_at = None
        reset = self.headers.get("x-rate-limit-reset") or self.headers.get("x-ratelimit-reset")
        if "retry-after" in self.headers:
            self.allowed_at = self.end + 1000 * int(self.headers["retry-after"])
        elif self.remaining == 0 and reset:
            date = datetime.strptime(self.headers["date"], "%a, %d %b %Y %H:%M:%S GMT")
            self.allowed_at = self.end + (int(reset) - date.replace(tzinfo=timezone.utc).timestamp()) * 1000


def peak_in_flight(calls: list[Seen]) -> tuple[int, int]:
    """Sweep start and end times: return the peak in flight and the number of
    episodes during which more than 10 requests were in flight."""
    events = sorted([(c.start, 1) for c in calls] + [(c.end, -1) for c in calls])
    peak = level = episodes = 0
    for _, delta in events:
        level += delta
        if delta > 0 and level == 11:
            episodes += 1
        peak = max(peak, level)
    return peak, episodes


def polling_measure(series: list[Seen]) -> tuple[float, float, float]:
    """Measure the median interval (ms), MAD/median and unchanged fraction of one series."""
    intervals = [b.start - a.start for a, b in zip(series, series[1:])]
    median = statistics.median(intervals)
    mad = statistics.median(abs(i - median) for i in intervals)
    # A rule compares body hashes when the capture contains bodies, else sizes
    # and statuses. The larger fraction of the two covers both readings.
    same_body = sum(1 for a, b in zip(series, series[1:]) if (a.body_key, a.status) == (b.body_key, b.status))
    same_size = sum(1 for a, b in zip(series, series[1:]) if (a.size, a.status) == (b.size, b.status))
    return median, mad / median if median else 0.0, max(same_body, same_size) / len(intervals)


def find_polling_run(calls: list[Seen]) -> tuple[tuple[int, float, float, float], float]:
    """Find the run of 8 or more consecutive requests of one series that looks most like polling.

    Every window of 8 requests and every whole series is tried, because a rule
    may judge either. Returns two values. The first is the most regular run
    among the mostly unchanged ones, as count, median interval, spread and
    unchanged fraction, with count 0 when there is none. The second is the
    highest unchanged fraction among the regular runs.
    """
    best = (0, 0.0, 9.99, 0.0)
    regular_unchanged = 0.0
    for key in sorted({c.series for c in calls}):
        series = [c for c in calls if c.series == key]
        runs = [series] + [series[i:i + 8] for i in range(len(series) - 7)]
        for run in runs:
            if len(run) < 8:
                continue
            median, spread, unchanged = polling_measure(run)
            if median > 10_000:
                continue
            if spread <= 0.25:
                regular_unchanged = max(regular_unchanged, unchanged)
            if unchanged >= 0.8 and spread < best[2]:
                best = (len(run), median, spread, unchanged)
    return best, regular_unchanged


def backoff_verdict(gaps: list[float]) -> str:
    """Classify a gap series roughly as retry-without-backoff does."""
    if len(gaps) < 2:
        return "too short"
    median = statistics.median(gaps)
    if all(g <= 100 for g in gaps):
        return "immediate"
    if all(abs(g - median) <= 0.2 * median for g in gaps):
        return "fixed"
    if all(b < a for a, b in zip(gaps, gaps[1:])):
        return "shrinking"
    steps = [b - a for a, b in zip(gaps, gaps[1:])]
    step = statistics.median(steps)
    if step > 0 and all(abs(d - step) <= 0.25 * step for d in steps):
        return "linear"
    logs = [math.log(g) for g in gaps]
    n = len(logs)
    slope = (logs[-1] - logs[0]) / (n - 1)
    mean_x, mean_y = (n - 1) / 2, sum(logs) / n
    residual = max(abs(y - (mean_y + slope * (x - mean_x))) for x, y in enumerate(logs))
    jitter = math.exp(residual) - 1
    return "exponential-without-jitter" if jitter < 0.1 else "exponential-with-jitter"


def retry_chains(calls: list[Seen]) -> list[list[float]]:
    """Collect the gaps (ms) between identical requests that follow a throttled response."""
    chains, used = [], set()
    for i, first in enumerate(calls):
        if not first.throttled or i in used:
            continue
        chain = [first]
        for j in range(i + 1, len(calls)):
            if calls[j].request_key == first.request_key:
                used.add(j)
                chain.append(calls[j])
                if not calls[j].throttled:
                    break
        chains.append([b.start - a.end for a, b in zip(chain, chain[1:])])
    return chains


def n_plus_one_measure(calls: list[Seen]) -> int:
    """Count the most distinct item ids requested within 10 s after a collection GET."""
    best = 0
    for lister in calls:
        if lister.method != "GET" or lister.template.endswith("{id}"):
            continue
        prefix = lister.template + "/{id}"
        ids = {
            c.request_key[1].split("?")[0].split(lister.template.rsplit("/", 1)[-1] + "/", 1)[-1].split("/")[0]
            for c in calls
            if c.template.startswith(prefix) and lister.end <= c.start <= lister.end + 10_000
        }
        best = max(best, len(ids))
    return best


def hotspot_measure(calls: list[Seen]) -> tuple[str, int, int, float]:
    """Find the endpoint closest to firing endpoint-hotspot.

    Returns the endpoint, its peak count per 60 s, its largest observed limit
    (0 when none), and its share of the host's requests in its peak window and
    in the 60 s before each of its throttled responses. The share is only
    measured for endpoints that could fire: near their limit or throttled.
    """
    result = ("", 0, 0, 0.0)
    closest = -1.0
    for endpoint in sorted({(c.method, c.host, c.template) for c in calls}):
        mine = [c for c in calls if (c.method, c.host, c.template) == endpoint]
        host_calls = [c for c in calls if c.host == endpoint[1]]
        counts = [sum(1 for c in mine if m.start <= c.start < m.start + 60_000) for m in mine]
        peak = max(counts)
        limit = max((c.limit or 0) for c in mine)
        near = limit > 0 and peak >= 0.5 * limit
        throttled = any(c.throttled for c in mine)
        share = 0.0
        if near or throttled:
            windows = [mine[counts.index(peak)].start] + [c.start - 60_000 + 1 for c in mine if c.throttled]
            for begin in windows:
                window = [c for c in host_calls if begin <= c.start < begin + 60_000]
                share = max(share, sum(1 for c in window if c in mine) / len(window))
        closeness = max(peak / limit / 0.8 if limit else 0.0, share / 0.5)
        if closeness > closest:
            closest = closeness
            result = (" ".join(endpoint), peak, limit, share)
    return result


def ignored_measure(calls: list[Seen]) -> int:
    """Count requests sent to the same endpoint before the allowed time.

    After a response with `X-Rate-Limit-Limit: 0` (Okta's concurrency limit)
    or a 429 without quota headers, any request to the same host counts.
    """
    early = 0
    for throttled in calls:
        if throttled.allowed_at is None:
            continue
        host_wide = throttled.limit == 0 or (throttled.status == 429 and throttled.limit is None)
        for c in calls:
            same = c.host == throttled.host and (host_wide or c.template == throttled.template)
            if same and throttled.end < c.start < throttled.allowed_at - 100:
                early += 1
    return early


def flood_measure(calls: list[Seen]) -> tuple[int, float]:
    """Find the largest run of writes to one collection whose rate exceeds 5/s, and that rate."""
    best = (0, 0.0)
    collections: dict[str, list[Seen]] = {}
    for c in calls:
        if c.method in ("POST", "PUT", "PATCH", "DELETE"):
            parts = c.template.split("/")
            while parts and (parts[-1] == "{id}" or parts[-1] in ("lifecycle", "deactivate", "activate")):
                parts.pop()
            collections.setdefault("/".join(parts), []).append(c)
    for writes in collections.values():
        for i in range(len(writes)):
            for j in range(i + 19, len(writes)):
                span = (writes[j].start - writes[i].start) / 1000
                rate = (j - i + 1) / span if span else float("inf")
                if rate > 5 and j - i + 1 > best[0]:
                    best = (j - i + 1, rate)
    return best


def quota_measure(calls: list[Seen]) -> tuple[int | None, float, float]:
    """Find the lowest remaining/limit percentage and the request rates around the first low reading."""
    readings = [c for c in calls if c.limit and c.remaining is not None]
    if not readings:
        return None, 0.0, 0.0
    lowest = min(c.remaining / c.limit for c in readings)
    low = next((c for c in readings if c.remaining < 0.1 * c.limit), None)
    if low is None:
        return round(lowest * 100), 0.0, 0.0
    before = [c for c in calls if c.start <= low.start]
    after = [c for c in calls if c.start > low.start]
    rate_before = (len(before) - 1) / ((before[-1].start - before[0].start) / 1000)
    rate_after = len(after) / ((after[-1].start - low.start) / 1000) if after else 0.0
    return round(lowest * 100), rate_before, rate_after


REQUIRED_FIELDS = {
    "entry": ("startedDateTime", "time", "request", "response", "cache", "timings"),
    "request": ("method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"),
    "response": ("status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                 "headersSize", "bodySize"),
    "content": ("size", "mimeType"),
    "timings": ("send", "wait", "receive"),
}


def missing_har_fields(document: dict) -> list[str]:
    """List the fields that HAR 1.2 requires and an entry lacks."""
    missing = [f"log.{key}" for key in ("version", "creator", "entries") if key not in document["log"]]
    for index, entry in enumerate(document["log"]["entries"]):
        parts = {
            "entry": entry,
            "request": entry.get("request", {}),
            "response": entry.get("response", {}),
            "content": entry.get("response", {}).get("content", {}),
            "timings": entry.get("timings", {}),
        }
        for part, fields in REQUIRED_FIELDS.items():
            missing += [f"entries[{index}] {part}.{field}" for field in fields if field not in parts[part]]
    return missing


def check(path: Path, expected_rule: str | None) -> list[str]:
    """Print each rule's rough measure for one sample and return the problems found."""
    document = json.loads(path.read_text(encoding="utf-8"))
    in_file_order = [Seen(e) for e in document["log"]["entries"]]
    out_of_order = sum(1 for a, b in zip(in_file_order, in_file_order[1:]) if b.start < a.start)
    seen = sorted(in_file_order, key=lambda s: s.start)
    calls = [s for s in seen if s.api]
    problems = [f"{path.name}: missing {field}" for field in missing_har_fields(document)[:5]]
    size_kb = path.stat().st_size / 1024

    hosts = sorted({c.host for c in calls})
    peak, episodes = max(peak_in_flight([c for c in calls if c.host == h]) for h in hosts)
    poll, regular_unchanged = find_polling_run(calls)
    chains = retry_chains(calls)
    verdicts = [backoff_verdict(g) for g in chains]
    reported = [v for v in verdicts if v not in ("too short", "exponential-with-jitter")]
    longest = max(chains, key=len, default=[])
    items = n_plus_one_measure(calls)
    hot_endpoint, hot_peak, hot_limit, hot_share = hotspot_measure(calls)
    early = ignored_measure(calls)
    flood_count, flood_rate = flood_measure(calls)
    lowest_pct, rate_before, rate_after = quota_measure(calls)

    print(f"\n{path.name}: {len(seen)} entries, {len(calls)} API calls, {size_kb:.0f} KB, "
          f"API hosts {', '.join(hosts)}; {out_of_order} entries start before the one above them")
    endpoint_counts: dict[str, int] = {}
    for c in calls:
        name = f"{c.method} {c.template}"
        endpoint_counts[name] = endpoint_counts.get(name, 0) + 1
    top = sorted(endpoint_counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    print("  busiest endpoints        " + ", ".join(f"{name} x{count}" for name, count in top))
    print(f"  concurrency-burst        peak in flight {peak} (fires above 10), {episodes} episodes above 10")
    if poll[0]:
        print(f"  tight-polling            most regular unchanged run: {poll[0]} requests, median "
              f"{poll[1]:.0f} ms, MAD/median {poll[2]:.2f} (fires at <= 0.25), unchanged {poll[3]:.2f}")
    else:
        print(f"  tight-polling            no run of 8 mostly unchanged responses within 10 s intervals; "
              f"regular runs have at most {regular_unchanged:.2f} unchanged (fires at 0.8)")
    print(f"  retry-without-backoff    longest chain gaps (ms) {[round(g) for g in longest]}, "
          f"verdicts {verdicts or 'none'}")
    print(f"  n-plus-one               most item ids within 10 s of a list: {items} (fires at 10)")
    print(f"  endpoint-hotspot         {hot_endpoint}: peak {hot_peak}/60 s, observed limit {hot_limit}, "
          f"share of host requests {hot_share:.2f} (fires at 0.5 when near the limit or throttled)")
    print(f"  retry-after-ignored      early requests {early}")
    print(f"  bulk-operation-flood     {flood_count} writes at {flood_rate:.1f}/s (fires at 20 above 5/s)")
    print(f"  remaining-quota-ignored  lowest remaining {lowest_pct}% of limit; rate before "
          f"{rate_before:.1f}/s, after {rate_after:.1f}/s")

    fires = {
        "concurrency-burst": peak > 10,
        "tight-polling": poll[0] >= 8 and poll[2] <= 0.25,
        "retry-without-backoff": bool(reported),
        "n-plus-one": items >= 10,
        "endpoint-hotspot": hot_share >= 0.5 and (hot_peak >= 0.8 * hot_limit > 0 or hot_share > 0),
        "retry-after-ignored": early > 0,
        "bulk-operation-flood": flood_count >= 20,
        "remaining-quota-ignored": lowest_pct is not None and lowest_pct < 10 and rate_after >= 0.8 * rate_before,
    }
    for rule, fired in fires.items():
        if bool(fired) != (rule == expected_rule):
            problems.append(f"{path.name}: {rule} {'fires' if fired else 'stays quiet'}")
    # Margins that keep each sample away from the thresholds it must not cross.
    if expected_rule != "concurrency-burst" and peak > 6:
        problems.append(f"{path.name}: peak in flight {peak} is too close to 10")
    if expected_rule != "tight-polling" and poll[0] >= 8 and poll[2] < 0.4:
        problems.append(f"{path.name}: an unchanged series looks regular (spread {poll[2]:.2f})")
    if expected_rule != "tight-polling" and regular_unchanged >= 0.5:
        problems.append(f"{path.name}: a regular series is {regular_unchanged:.2f} unchanged")
    if expected_rule != "endpoint-hotspot" and hot_share > 0.4:
        problems.append(f"{path.name}: endpoint share {hot_share:.2f} is too close to 0.5")
    if expected_rule != "n-plus-one" and items > 5:
        problems.append(f"{path.name}: {items} item ids after a list is too close to 10")
    if size_kb >= 300:
        problems.append(f"{path.name}: {size_kb:.0f} KB is too large")
    return problems


SAMPLES = [
    ("concurrency-burst.har", make_concurrency_burst, "concurrency-burst"),
    ("tight-polling.har", make_tight_polling, "tight-polling"),
    ("retry-without-backoff.har", make_retry_without_backoff, "retry-without-backoff"),
    ("n-plus-one.har", make_n_plus_one, "n-plus-one"),
    ("endpoint-hotspot.har", make_endpoint_hotspot, "endpoint-hotspot"),
    ("retry-after-ignored.har", make_retry_after_ignored, "retry-after-ignored"),
    ("bulk-operation-flood.har", make_bulk_operation_flood, "bulk-operation-flood"),
    ("remaining-quota-ignored.har", make_remaining_quota_ignored, "remaining-quota-ignored"),
    ("clean.har", make_clean, None),
]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "samples"
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, build, rule in SAMPLES:
        build(out)
        problems += check(out / name, rule)
    if problems:
        print("\nproblems:", *problems, sep="\n  ")
        return 1
    print("\nall samples fire only their own rule, with margin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
