#!/usr/bin/env python3
"""Write the access-log samples: samples/nginx-api.log and log versions of the HAR samples.

samples/nginx-api.log is what an nginx gateway in front of an Okta-like API logs
over ten minutes: several clients, each behind its own address or X-Forwarded-For
value. Four of them show one anti-pattern each (ignoring Retry-After, a concurrency
burst, tight polling and a flood of deletes); the others behave. Its log_format
directive is written next to it in samples/nginx-api.log.format.

tests/fixtures/logs/ gets two log versions of every HAR sample in samples/:
  <name>.nginx.log     the same nginx format: end time with milliseconds ($msec), the
                       duration ($request_time), Retry-After and the Okta-style
                       X-Rate-Limit-* response headers, no bodies;
  <name>.combined.log  Apache combined: the start time in whole seconds (%t), no
                       duration, no response headers, no bodies.
Only requests to the sample's API host are written, because a server's log contains
one host, and browser cache hits are left out, because they never reached a server.
Lines are in the order the requests completed, as servers write them.

The script uses only the Python 3.11 standard library, a fixed seed and fixed base
times, so rerunning it rewrites byte-identical files.

Usage: python3 scripts/make_log_samples.py
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = ROOT / "tests" / "fixtures" / "logs"

# The nginx.conf directive of the samples. Variables that are not set log as `-`.
NGINX_LOG_FORMAT = (
    "log_format ratelint '$remote_addr - $remote_user [$time_local] \"$request\" $status "
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\" "
    "$msec $request_time \"$sent_http_retry_after\" \"$sent_http_x_rate_limit_limit\" "
    "\"$sent_http_x_rate_limit_remaining\" \"$sent_http_x_rate_limit_reset\"';"
)

# Apache's combined format, as httpd's default configuration defines it:
# %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Static assets that a browser fetches; an API gateway does not serve them.
STATIC_TYPES = {"script", "stylesheet", "image", "font", "media"}


def clf_time(epoch_s: int) -> str:
    """Format whole epoch seconds the way `$time_local` and `%t` do, in UTC."""
    moment = datetime.fromtimestamp(epoch_s, tz=timezone.utc)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
        moment.day, MONTHS[moment.month - 1], moment.year,
        moment.hour, moment.minute, moment.second,
    )


def escape(value: str | None) -> str:
    """Escape a value as nginx does in a log: `"`, `\\` and control bytes as \\xXX."""
    if value is None or value == "":
        return "-"
    out = []
    for byte in value.encode("utf-8"):
        if byte in (0x22, 0x5C) or byte < 0x20 or byte >= 0x7F:
            out.append("\\x%02X" % byte)
        else:
            out.append(chr(byte))
    return "".join(out)


class Request:
    """One request as a server logs it."""

    def __init__(self, *, start_ms: int, duration_ms: int, method: str, target: str,
                 protocol: str, status: int, size: int, remote: str, xff: str | None = None,
                 user_agent: str | None = None, referer: str | None = None,
                 response_headers: dict[str, str] | None = None):
        self.start_ms = start_ms
        self.duration_ms = duration_ms
        self.method = method
        self.target = target
        self.protocol = protocol
        self.status = status
        self.size = size
        self.remote = remote
        self.xff = xff
        self.user_agent = user_agent
        self.referer = referer
        # Lower-case names.
        self.response_headers = response_headers or {}

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    def nginx_line(self) -> str:
        header = self.response_headers.get
        return (
            f"{self.remote} - - [{clf_time(self.end_ms // 1000)}] "
            f"\"{escape(self.method + ' ' + self.target + ' ' + self.protocol)}\" "
            f"{self.status} {self.size} \"{escape(self.referer)}\" "
            f"\"{escape(self.user_agent)}\" \"{escape(self.xff)}\" "
            f"{self.end_ms // 1000}.{self.end_ms % 1000:03d} "
            f"{self.duration_ms // 1000}.{self.duration_ms % 1000:03d} "
            f"\"{escape(header('retry-after'))}\" "
            f"\"{escape(header('x-rate-limit-limit'))}\" "
            f"\"{escape(header('x-rate-limit-remaining'))}\" "
            f"\"{escape(header('x-rate-limit-reset'))}\""
        )

    def combined_line(self) -> str:
        # Apache writes `-` for %b when no body bytes were sent.
        size = str(self.size) if self.size > 0 else "-"
        return (
            f"{self.remote} - - [{clf_time(self.start_ms // 1000)}] "
            f"\"{escape(self.method + ' ' + self.target + ' ' + self.protocol)}\" "
            f"{self.status} {size} \"{escape(self.referer)}\" \"{escape(self.user_agent)}\""
        )


def write_log(path: Path, requests: list[Request], line) -> None:
    ordered = sorted(requests, key=lambda r: (r.end_ms, r.start_ms))
    path.write_text("".join(line(r) + "\n" for r in ordered), encoding="utf-8")


# ---------------------------------------------------------------------------
# Log versions of the HAR samples


def parse_started(text: str) -> int:
    """Return epoch milliseconds of a HAR startedDateTime (any ISO 8601 offset)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


def api_host(entries: list[dict]) -> str:
    """Return the host with the most requests that are not static assets."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.get("_resourceType") in STATIC_TYPES:
            continue
        host = urlsplit(entry["request"]["url"]).netloc
        counts[host] = counts.get(host, 0) + 1
    return max(sorted(counts), key=lambda host: counts[host])


def har_requests(path: Path, remote: str) -> list[Request]:
    entries = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    host = api_host(entries)
    requests = []
    for entry in entries:
        request, response = entry["request"], entry["response"]
        parts = urlsplit(request["url"])
        if parts.netloc != host or entry.get("_fromCache"):
            continue
        request_headers = {h["name"].lower(): h["value"] for h in request["headers"]}
        response_headers: dict[str, str] = {}
        for h in response["headers"]:
            name = h["name"].lower()
            # Since nginx 1.23.0, $sent_http_* joins repeated headers with ", ".
            if name in response_headers:
                response_headers[name] += ", " + h["value"]
            else:
                response_headers[name] = h["value"]
        size = response["content"].get("size", 0)
        if response.get("bodySize", -1) >= 0:
            size = response["bodySize"]
        protocol = request["httpVersion"].upper()
        if protocol in ("H2", "HTTP/2"):
            protocol = "HTTP/2.0"
        target = parts.path + ("?" + parts.query if parts.query else "")
        requests.append(Request(
            start_ms=parse_started(entry["startedDateTime"]),
            duration_ms=max(round(entry["time"]), 0),
            method=request["method"],
            target=target,
            protocol=protocol,
            # nginx logs 499 when the client closed the connection before a response.
            status=response["status"] or 499,
            size=max(size, 0),
            remote=remote,
            user_agent=request_headers.get("user-agent"),
            referer=request_headers.get("referer"),
            response_headers=response_headers,
        ))
    return requests


def write_fixtures() -> list[Path]:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    written = []
    for index, har in enumerate(sorted(SAMPLES.glob("*.har"))):
        requests = har_requests(har, remote="198.51.100.%d" % (10 + index))
        name = har.stem
        nginx = FIXTURES / f"{name}.nginx.log"
        combined = FIXTURES / f"{name}.combined.log"
        write_log(nginx, requests, Request.nginx_line)
        write_log(combined, requests, Request.combined_line)
        # The nginx format is custom, so each log gets its directive next to it.
        # Combined is a standard format and needs none.
        write_format_sidecar(nginx)
        written += [nginx, combined]
    return written


def write_format_sidecar(log: Path) -> None:
    """Write the log_format directive of `log` to `<log>.format`."""
    sidecar = log.with_name(log.name + ".format")
    sidecar.write_text(NGINX_LOG_FORMAT + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# samples/nginx-api.log: one gateway, many clients

# 2026-03-24T09:00:00Z
BASE_MS = 1_774_342_800_000
GATEWAY = "10.20.0.5"  # The load balancer in front of nginx; it adds X-Forwarded-For.
OKTA_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def okta_id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(OKTA_ALNUM) for _ in range(17))


class Buckets:
    """Okta-style per-minute buckets shared by every client of the org, so that
    X-Rate-Limit-Remaining counts down across clients. Reset is in epoch seconds."""

    def __init__(self):
        self.used: dict[tuple[str, int], int] = {}

    def headers(self, bucket: str, limit: int, at_ms: int) -> dict[str, str]:
        minute = at_ms // 60_000
        key = (bucket, minute)
        self.used[key] = self.used.get(key, 0) + 1
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(limit - self.used[key], 0)),
            "x-rate-limit-reset": str((minute + 1) * 60),
        }


def api_sample() -> list[Request]:
    rng = random.Random(20260324)
    buckets = Buckets()
    requests: list[Request] = []

    def add(client: dict, offset_ms: int, duration_ms: int, method: str, target: str,
            status: int, size: int, bucket: tuple[str, int] | None,
            extra: dict[str, str] | None = None) -> None:
        start = BASE_MS + offset_ms
        headers = buckets.headers(bucket[0], bucket[1], start) if bucket else {}
        headers.update(extra or {})
        requests.append(Request(
            start_ms=start, duration_ms=duration_ms, method=method, target=target,
            protocol="HTTP/1.1", status=status, size=size, remote=client["remote"],
            xff=client.get("xff"), user_agent=client["ua"], response_headers=headers,
        ))

    # A: a log exporter behind the load balancer. It reads the System Log every 3 s
    # and looks up the actor of some events. At about 2 minutes it gets a 429 with
    # Retry-After: 30, keeps reading every 2 s until the fourth 429, then pauses 40 s.
    exporter = {"remote": GATEWAY, "xff": "203.0.113.21",
                "ua": "siem-exporter/2.3 python-requests/2.32.3"}
    t = 1_000
    throttled_from, early_left = 120_000, 4
    while t < 400_000:
        since = "2026-03-24T08%3A55%3A00.000Z"
        target = f"/api/v1/logs?since={since}&limit=100&after={rng.randrange(10**12, 10**13)}"
        if t >= throttled_from and early_left > 0:
            retry_after = 30 - (4 - early_left) * 2
            add(exporter, t, rng.randint(40, 70), "GET", target, 429, 143, None,
                {"retry-after": str(retry_after)})
            early_left -= 1
            t += 2_000 if early_left > 0 else 40_000
            continue
        add(exporter, t, rng.randint(180, 420), "GET", target, 200,
            rng.randint(8_000, 60_000), ("logs", 120))
        for lookup in range(rng.randint(1, 2)):
            add(exporter, t + 600 + lookup * 400, rng.randint(60, 120), "GET",
                f"/api/v1/users/{okta_id(rng, '00u')}", 200, rng.randint(1_100, 1_600),
                ("users-read", 2000))
        t += rng.randint(2_500, 3_500)

    # B: a provisioning dashboard backend that loads 30 users at once.
    dashboard = {"remote": "198.51.100.14", "ua": "okta-sdk-nodejs/7.1.0 node/20.11.1"}
    for i in range(30):
        add(dashboard, 95_000 + i * 2 + rng.randint(0, 40), rng.randint(700, 1_100), "GET",
            f"/api/v1/users/{okta_id(rng, '00u')}", 200, rng.randint(1_100, 1_600),
            ("users-read", 2000))
    for i in range(6):
        add(dashboard, 300_000 + i * rng.randint(9_000, 20_000), rng.randint(90, 200), "GET",
            f"/api/v1/groups/{okta_id(rng, '00g')}", 200, rng.randint(600, 900), ("groups", 1000))

    # C: a membership sync behind the load balancer that polls one group's members
    # every 2 s and always gets the same page.
    poller = {"remote": GATEWAY, "xff": "192.0.2.44, 10.20.0.9",
              "ua": "group-sync/0.9 (+https://intranet.example/group-sync)"}
    group = okta_id(rng, "00g")
    for i in range(60):
        add(poller, 30_000 + i * 2_000 + rng.randint(-30, 30), rng.randint(60, 110), "GET",
            f"/api/v1/groups/{group}/users?limit=200", 200, 18_342, ("groups", 1000))

    # D: an offboarding job that deletes 80 deactivated users one after another,
    # about nine a second.
    offboarding = {"remote": "198.51.100.77", "ua": "offboard-job/1.4 okhttp/4.12.0"}
    t = 420_000
    for i in range(80):
        duration = rng.randint(60, 90)
        add(offboarding, t, duration, "DELETE", f"/api/v1/users/{okta_id(rng, '00u')}", 204,
            0, ("users-write", 600))
        t += duration + rng.randint(20, 50)

    # Quiet clients.
    # E: a directory sync that pages through users, reads two pages of groups after
    # each, and honours a 429 with Retry-After: 5.
    sync = {"remote": GATEWAY, "xff": "203.0.113.50",
            "ua": "okta-sdk-java/16.0.0 java/21.0.2"}
    cursor = None
    t = 200_000
    for page in range(6):
        target = "/api/v1/users?limit=200" + (f"&after={cursor}" if cursor else "")
        if page == 3:
            add(sync, t, 35, "GET", target, 429, 143, None, {"retry-after": "5"})
            t += 35 + 5_400 + rng.randint(0, 300)
        add(sync, t, rng.randint(600, 900), "GET", target, 200, rng.randint(150_000, 190_000),
            ("users-read", 2000))
        cursor = okta_id(rng, "00u")
        t += rng.randint(1_000, 1_400)
        for groups_page in range(2):
            after = f"&after={okta_id(rng, '00g')}" if groups_page else ""
            add(sync, t, rng.randint(300, 500), "GET", f"/api/v1/groups?limit=200{after}", 200,
                rng.randint(40_000, 90_000), ("groups", 1000))
            t += rng.randint(900, 1_300)

    # F: a web application's sign-in backend: token exchanges at irregular times.
    web = {"remote": "198.51.100.30", "ua": "acme-portal/5.2 axios/1.7.2"}
    t = 5_000
    while t < 590_000:
        add(web, t, rng.randint(80, 160), "POST", "/oauth2/v1/token", 200,
            rng.randint(1_200, 1_400), ("oauth2", 2000))
        if rng.random() < 0.5:
            add(web, t + rng.randint(300, 900), rng.randint(40, 90), "GET",
                "/oauth2/v1/userinfo", 200, rng.randint(300, 420), ("oauth2", 2000))
        t += rng.randint(7_000, 45_000)

    # G: a status monitor that reads the org once a minute.
    monitor = {"remote": "198.51.100.31", "ua": "uptime-probe/3.0"}
    for i in range(10):
        add(monitor, 20_000 + i * 60_000 + rng.randint(0, 500), rng.randint(30, 60), "GET",
            "/api/v1/org", 200, 1_024, ("org", 1200))

    # H: an admin script behind the load balancer that lists apps and reads the users
    # of three of them.
    admin = {"remote": GATEWAY, "xff": "192.0.2.80, 10.20.0.7",
             "ua": "curl/8.5.0"}
    add(admin, 250_000, 240, "GET", "/api/v1/apps?limit=50", 200, 42_000, ("apps", 100))
    for i in range(3):
        add(admin, 262_000 + i * rng.randint(4_000, 9_000), rng.randint(150, 300), "GET",
            f"/api/v1/apps/{okta_id(rng, '0oa')}/users", 200, rng.randint(3_000, 9_000),
            ("apps", 100))
    return requests


def main() -> None:
    log = SAMPLES / "nginx-api.log"
    write_log(log, api_sample(), Request.nginx_line)
    write_format_sidecar(log)
    written = [log] + write_fixtures()
    for path in written:
        lines = path.read_text(encoding="utf-8").count("\n")
        print(f"{path.relative_to(ROOT)}: {lines} lines")


if __name__ == "__main__":
    main()
