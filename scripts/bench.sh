#!/usr/bin/env bash
# Prints wall time and peak memory of `ratelint analyze` on the largest corpus HARs, on
# a synthetic capture built from the samples, and on a large access log built from the
# corpus. Figures go in docs/benchmarks.md.
#
# Usage: scripts/bench.sh [CORPUS_DIR] [SYNTHETIC_COPIES]
#   CORPUS_DIR        folder with har/ inside (default ../shared/corpus)
#   SYNTHETIC_COPIES  number of shifted copies of each sample in the synthetic HAR
#                     (default 400, about 100 MB)
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
copies="${2:-400}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/ratelint

measure() {
    local label="$1"
    shift
    # GNU time: %e wall seconds, %M peak resident set in KiB.
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
    read -r seconds kib <"$work/time"
    printf '%-58s %8s s %8d MiB\n' "$label" "$seconds" "$((kib / 1024))"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m)"
echo "binary:  $($bin --version)"
echo

if [ -d "$corpus/har" ]; then
    for file in $(ls -S "$corpus"/har/*.har | head -n 4); do
        size=$(du -h "$file" | cut -f1)
        measure "$(basename "$file") ($size)" "$bin" analyze "$file" --fail-on never --format json
    done
fi

python3 scripts/make_synthetic_har.py samples "$copies" "$work/synthetic.har"
size=$(du -h "$work/synthetic.har" | cut -f1)
entries=$(grep -c '"startedDateTime"' "$work/synthetic.har" || true)
measure "synthetic.har ($size, $entries entries), json" \
    "$bin" analyze "$work/synthetic.har" --fail-on never --format json
measure "synthetic.har ($size, $entries entries), table" \
    "$bin" analyze "$work/synthetic.har" --fail-on never

# Access logs: the corpus's 10,000-line Apache log repeated, plain and gzipped.
apache="$corpus/logs/elastic-examples_apache_logs"
if [ -f "$apache" ]; then
    for _ in $(seq 1 "$((copies / 4))"); do cat "$apache"; done >"$work/access.log"
    gzip -k -1 "$work/access.log"
    size=$(du -h "$work/access.log" | cut -f1)
    lines=$(wc -l <"$work/access.log")
    measure "access.log combined ($size, $lines lines), table" \
        "$bin" analyze "$work/access.log" --fail-on never
    measure "access.log.gz (same, gzip -1), table" \
        "$bin" analyze "$work/access.log.gz" --fail-on never
fi
