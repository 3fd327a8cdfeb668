#!/usr/bin/env bash
# validate on 10,000 drafts from a cold page cache, beside the floor: reading the same
# files cold with cat, one stream, 2 streams and 16 streams (xargs -P). Needs root (it
# drops the page cache: echo 3 > /proc/sys/vm/drop_caches) and a disk, not tmpfs
# (files in memory are never cold): WORK defaults to a folder in /var/tmp.
#
#   scripts/validate_cold.sh            # 3 runs of each
#   RUNS=5 WORK=/mnt/disk/x scripts/validate_cold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /var/tmp/kiva-cold.XXXXXX)}
if ! [ -w /proc/sys/vm/drop_caches ]; then
    echo "validate_cold: needs root to drop the page cache" >&2
    exit 2
fi
cargo build --release --quiet --bin kiva-drafts --example synth
BIN=target/release/kiva-drafts
mkdir -p "$WORK"
target/release/examples/synth --shape per-borrower --loans 10000 --seed 1 \
    --out "$WORK/borrowers.csv" 2>/dev/null
"$BIN" convert "$WORK/borrowers.csv" "$WORK/borrowers-schedule.csv" \
    --template templates/per-borrower.toml --out "$WORK/drafts" --quiet || true
echo "$(find "$WORK/drafts" -name '*.json' | wc -l) files, $(du -sb "$WORK/drafts" | cut -f1) bytes in $WORK/drafts ($(df -PT "$WORK" | awk 'NR == 2 { print $2 }'))"
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
cat_all() { find "$WORK/drafts" -name '*.json' -print0 | xargs -0 -n "$1" -P "$2" cat; }
for ((i = 1; i <= RUNS; i++)); do
    drop; cold=$(seconds "$BIN" validate "$WORK/drafts" --quiet)
    warm=$(seconds "$BIN" validate "$WORK/drafts" --quiet)
    drop; one=$(seconds cat_all 20000 1)
    drop; two=$(seconds cat_all 5000 2)
    drop; sixteen=$(seconds cat_all 100 16)
    echo "run $i: validate cold ${cold} s, warm ${warm} s; cat cold: 1 stream ${one} s, 2 streams ${two} s, 16 streams ${sixteen} s"
done
rm -rf "$WORK"
