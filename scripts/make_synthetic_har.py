#!/usr/bin/env python3
"""Write a large HAR for benchmarks: every sample's entries, copied N times.

Each copy is shifted by one hour so that copies do not overlap in time, and the
result is one HAR 1.2 file with a single `log.entries` array.

Usage: make_synthetic_har.py SAMPLES_DIR COPIES OUT.har
"""

import datetime as dt
import json
import pathlib
import sys


def shifted(started: str, hours: int) -> str:
    moment = dt.datetime.fromisoformat(started.replace("Z", "+00:00"))
    return (moment + dt.timedelta(hours=hours)).isoformat(timespec="milliseconds")


def main() -> None:
    samples_dir, copies, out_path = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    entries = []
    for path in sorted(samples_dir.glob("*.har")):
        with open(path, encoding="utf-8-sig") as handle:
            entries.extend(json.load(handle)["log"]["entries"])

    with open(out_path, "w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "synthetic", "version": "1"},')
        out.write(' "entries": [\n')
        first = True
        for copy in range(copies):
            for entry in entries:
                entry = dict(entry)
                entry["startedDateTime"] = shifted(entry["startedDateTime"], copy)
                if not first:
                    out.write(",\n")
                out.write(json.dumps(entry, separators=(",", ":")))
                first = False
        out.write("\n]}}\n")


if __name__ == "__main__":
    main()
