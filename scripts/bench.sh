#!/usr/bin/env bash
# Benchmarks of kiva-drafts on synthetic exports: convert throughput and peak memory
# against floors (csv crate / calamine alone + writing the drafts' bytes), and validate
# on a folder of 10,000 drafts. Prints a Markdown table at the end; record it in
# BENCHMARKS.md with the machine it ran on.
#
# Not part of `cargo test` or .ci/run: it takes minutes and needs gigabytes of disk.
#
#   scripts/bench.sh                      # everything, 3 runs each (median)
#   RUNS=1 FLAT_ROWS=300000 XLSX_LOANS=4000 scripts/bench.sh     # a quick look
#
# Settings (environment):
#   RUNS=3              runs per measurement; the median wall time is reported
#   PAIRS=5             flat CSV floor/convert pairs run alternately (share per pair)
#   FLAT_ROWS=1500000   data rows of the flat CSV (synth --rows; ~48,500 loans)
#   FLAT_LOANS=         or a loan count instead (synth --loans; 100000 gives ~3.1M rows)
#   XLSX_LOANS=20000    loans in the flat xlsx (~615,000 rows)
#   VALIDATE_LOANS=10000  loans (drafts) in the folder for validate (per-borrower CSV)
#   SEED=1              synth seed
#   BENCH_DIR=          work folder (default: a new folder in /dev/shm when it has 6 GB
#                       free (SHM_NEEDED_GB), else in TMPDIR; removed at the end)
#   KEEP=1              keep the work folder
#   WARM_GB=8           in /dev/shm, write and delete this many GB first (0: skip). On a
#                       fresh VM the first touch of each memory page costs the host a
#                       fault, which made tmpfs writes 5x slower (BENCHMARKS.md, 2026-12-05)
#   PEER_PYTHON=python3 a Python with pandas, for the peer (scripts/peer_pandas.py):
#                       python3 -m venv /tmp/pandasvenv && /tmp/pandasvenv/bin/pip install pandas
#                       then PEER_PYTHON=/tmp/pandasvenv/bin/python; skipped without pandas
#   PEER_LOANS=10000    loans of the smaller flat CSV the peer is also measured on
#
# Needs GNU time as /usr/bin/time for peak memory (Debian/Ubuntu: apt-get install -y
# time). hyperfine, when installed, adds a finer measurement of validate.
#
# Every run writes a fresh folder. On a disk nothing is deleted while measuring (all is
# removed at the end): on ext4 without a journal (as on some VMs), creating files
# shortly after deleting many others is slow (the kernel skips "recently deleted"
# inodes, scanning for free ones), which would charge a previous run's cleanup to the
# next run; for the same reason, wait a few minutes after deleting big drafts folders
# before starting. On tmpfs it is the other way round: each run's output is deleted
# right after it (see ON_TMPFS below).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
PAIRS=${PAIRS:-5}
[ "$PAIRS" -ge 1 ] || PAIRS=1
FLAT_ROWS=${FLAT_ROWS:-1500000}
FLAT_LOANS=${FLAT_LOANS:-}
XLSX_LOANS=${XLSX_LOANS:-20000}
VALIDATE_LOANS=${VALIDATE_LOANS:-10000}
SEED=${SEED:-1}
KEEP=${KEEP:-0}
PEER_PYTHON=${PEER_PYTHON:-python3}
PEER_LOANS=${PEER_LOANS:-10000}

if [ ! -x /usr/bin/time ] || ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "bench: needs GNU time as /usr/bin/time (Debian/Ubuntu: apt-get install -y time)" >&2
    exit 2
fi

# The work folder is in memory (/dev/shm) when it has room: disk timings of creating
# tens of thousands of files swing from run to run (see BENCHMARKS.md), memory's do not.
# BENCH_DIR, or a TMPDIR without room in /dev/shm, measures on that disk instead.
shm_free_gb() { df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { printf "%d", $4 / 1048576 }'; }
if [ -n "${BENCH_DIR:-}" ]; then
    WORK=$BENCH_DIR
    mkdir -p "$WORK"
elif [ -d /dev/shm ] && [ "$(shm_free_gb)" -ge "${SHM_NEEDED_GB:-6}" ]; then
    WORK=$(mktemp -d /dev/shm/kiva-bench.XXXXXX)
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/kiva-bench.XXXXXX")
fi
cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "bench: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

say() { echo "bench: $*" >&2; }

# --- build ---------------------------------------------------------------------------
say "building (release)"
cargo build --release --quiet --bin kiva-drafts \
    --example synth --example floor_csv --example floor_xlsx
BIN=target/release/kiva-drafts
EX=target/release/examples

# --- helpers -------------------------------------------------------------------------

# Seconds from /usr/bin/time's "h:mm:ss" or "m:ss.ss".
to_seconds() {
    awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }' <<<"$1"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

maximum() {
    printf '%s\n' "$@" | sort -g | tail -1
}

# run_timed LOG CMD...: runs CMD once under /usr/bin/time -v (stdout kept in LOG.out,
# stderr in LOG.err); sets WALL (s), USER (s), SYS (s), RSS_MB and RC.
run_timed() {
    local log=$1
    shift
    RC=0
    /usr/bin/time -v -o "$log" "$@" >"$log.out" 2>"$log.err" || RC=$?
    WALL=$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")")
    USER=$(sed -n 's/.*User time (seconds): //p' "$log")
    SYS=$(sed -n 's/.*System time (seconds): //p' "$log")
    RSS_MB=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$log")
}

# value KEY FILE: the value of a key=value line.
value() { sed -n "s/^$1=//p" "$2" | head -1; }

# Data rows and loans from synth's last stderr line.
synth_rows() { sed -n 's/.* \([0-9]*\) data rows, [0-9]* bytes in .*/\1/p' "$1" | tail -1; }
synth_loans() { sed -n 's/.*: \([0-9]*\) loans (.*/\1/p' "$1" | tail -1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# measure_convert NAME OUTDIR_PREFIX ARGS...: RUNS conversions into fresh folders
# OUTDIR_PREFIX-1, -2, ... (on tmpfs only the last is kept, see `spent`); sets C_WALL (median), C_USER, C_SYS
# (of the median run), C_RSS (max), C_RC (worst).
measure_convert() {
    local name=$1 prefix=$2
    shift 2
    local walls=() rsss=() users=() syss=() i
    C_RC=0
    for ((i = 1; i <= RUNS; i++)); do
        run_timed "$WORK/$name-$i.time" "$BIN" convert "$@" --out "$prefix-$i" --quiet
        say "$name run $i: ${WALL}s wall, ${USER}s user, ${SYS}s sys, ${RSS_MB} MB peak, exit $RC"
        if [ "$RC" != 0 ]; then
            say "$name: exit code $RC (see $WORK/$name-$i.time.err)"
            head -5 "$WORK/$name-$i.time.err" >&2
            [ "$RC" -gt "$C_RC" ] && C_RC=$RC
        fi
        # The last run's drafts stay: the floors and validate read them.
        [ "$i" -lt "$RUNS" ] && spent "$prefix-$i"
        walls+=("$WALL")
        users+=("$WALL $USER")
        syss+=("$WALL $SYS")
        rsss+=("$RSS_MB")
    done
    C_WALL=$(median "${walls[@]}")
    C_USER=$(printf '%s\n' "${users[@]}" | awk -v w="$C_WALL" '$1 == w { print $2; exit }')
    C_SYS=$(printf '%s\n' "${syss[@]}" | awk -v w="$C_WALL" '$1 == w { print $2; exit }')
    C_RSS=$(maximum "${rsss[@]}")
}

# --- inputs --------------------------------------------------------------------------
if [ -n "$FLAT_LOANS" ]; then
    flat_size=(--loans "$FLAT_LOANS")
else
    flat_size=(--rows "$FLAT_ROWS")
fi
say "generating inputs in $WORK"
"$EX/synth" --shape flat "${flat_size[@]}" --seed "$SEED" --out "$WORK/flat.csv" 2>"$WORK/synth-flat-csv.log"
cat "$WORK/synth-flat-csv.log" >&2
run_timed "$WORK/synth-xlsx.time" "$EX/synth" --shape flat --loans "$XLSX_LOANS" --seed "$SEED" --out "$WORK/flat.xlsx"
cat "$WORK/synth-xlsx.time.err" >&2
cp "$WORK/synth-xlsx.time.err" "$WORK/synth-flat-xlsx.log"
SYNTH_XLSX_WALL=$WALL SYNTH_XLSX_RSS=$RSS_MB
"$EX/synth" --shape per-borrower --loans "$VALIDATE_LOANS" --seed "$SEED" --out "$WORK/borrowers.csv" 2>"$WORK/synth-pb.log"
cat "$WORK/synth-pb.log" >&2

CSV_ROWS=$(synth_rows "$WORK/synth-flat-csv.log")
CSV_LOANS=$(synth_loans "$WORK/synth-flat-csv.log")
CSV_BYTES=$(stat -c %s "$WORK/flat.csv")
XLSX_ROWS=$(synth_rows "$WORK/synth-flat-xlsx.log")
XLSX_BYTES=$(stat -c %s "$WORK/flat.xlsx")

# On tmpfs, each measured run's output is deleted right after it: the next run then
# writes into memory pages just freed. Kept outputs make every run write into fresh pages,
# which on a VM cost a fault to the host each (tmpfs writes 5x slower on a fresh VM) and
# charge the VM's memory state, not the program, to whichever run meets it: the floor
# (only writing) more than convert. (On a disk, deleting right before creating is the
# slow case: outputs are kept there.)
ON_TMPFS=0
[[ $WORK == /dev/shm/* ]] && ON_TMPFS=1
# spent DIR...: removes measured outputs on tmpfs (see ON_TMPFS).
spent() { if [ "$ON_TMPFS" = 1 ]; then rm -rf "$@"; fi; }

# Memory touched just before measuring (not before the build: pages freed minutes
# earlier may have gone back to the host).
if [ "${WARM_GB:-8}" -gt 0 ] && [ "$ON_TMPFS" = 1 ]; then
    say "touching ${WARM_GB:-8} GB of memory first (WARM_GB)"
    dd if=/dev/zero of="$WORK/warm" bs=1M count=$((${WARM_GB:-8} * 1024)) status=none || true
    rm -f "$WORK/warm"
fi

# --- flat CSV: convert and floor -----------------------------------------------------
say "convert flat CSV ($CSV_ROWS rows, $CSV_LOANS loans), $RUNS run(s)"
measure_convert convert-csv "$WORK/drafts-csv" "$WORK/flat.csv" --template templates/flat.toml
CSV_WALL=$C_WALL CSV_USER=$C_USER CSV_SYS=$C_SYS CSV_RSS=$C_RSS CSV_RC=$C_RC

say "floor for the flat CSV (csv crate read + writing the drafts' bytes)"
"$EX/floor_csv" --csv "$WORK/flat.csv" --delimiter ';' --drafts "$WORK/drafts-csv-$RUNS" \
    --scratch "$WORK" --repeat "$RUNS" --fsync >"$WORK/floor-csv.txt"
cat "$WORK/floor-csv.txt" >&2
F_READ=$(value csv_read_s "$WORK/floor-csv.txt")
F_WRITE=$(value write_s "$WORK/floor-csv.txt")
F_FLOOR=$(value floor_s "$WORK/floor-csv.txt")
F_FSYNC=$(value write_atomic_fsync_s "$WORK/floor-csv.txt")
F_FILES=$(value draft_files "$WORK/floor-csv.txt")
F_DBYTES=$(value draft_bytes "$WORK/floor-csv.txt")

# The machine's speed may drift between the convert runs and the floor's (a VM's
# neighbours): PAIRS more runs alternate the floor (once) and convert, each into its own
# folders, and the share of the floor is taken pair by pair.
say "flat CSV side by side: $PAIRS pair(s) of floor then convert"
shares=()
for ((i = 1; i <= PAIRS; i++)); do
    mkdir -p "$WORK/pair-$i"
    "$EX/floor_csv" --csv "$WORK/flat.csv" --delimiter ';' --drafts "$WORK/drafts-csv-$RUNS" \
        --scratch "$WORK/pair-$i" --repeat 1 >"$WORK/pair-$i.txt"
    pf=$(value floor_s "$WORK/pair-$i.txt")
    spent "$WORK/pair-$i"/*
    run_timed "$WORK/pair-$i.time" "$BIN" convert "$WORK/flat.csv" --template templates/flat.toml \
        --out "$WORK/pair-$i/drafts" --quiet
    spent "$WORK/pair-$i/drafts"
    shares+=("$(awk -v f="$pf" -v c="$WALL" 'BEGIN { printf "%.0f", (c > 0 ? 100 * f / c : 0) }')")
    say "pair $i: floor ${pf}s, convert ${WALL}s (exit $RC): ${shares[-1]}% of the floor"
done
PAIR_SHARES=$(printf '%s%% ' "${shares[@]}")
PAIR_MEDIAN=$(median "${shares[@]}")

# --- the peer: a pandas script doing the same job (scripts/peer_pandas.py) -----------
# Side by side on the same files, alternating, RUNS times each: the smaller export
# (PEER_LOANS loans) and the flat CSV above.
PEER_TABLE="(skipped: no pandas for $PEER_PYTHON; see PEER_PYTHON above)"
if "$PEER_PYTHON" -c 'import pandas' 2>/dev/null; then
    "$EX/synth" --shape flat --loans "$PEER_LOANS" --seed "$SEED" --out "$WORK/peer-small.csv" \
        2>"$WORK/synth-peer-small.log"
    PEER_VERSION=$("$PEER_PYTHON" -c 'import pandas, sys; print(f"pandas {pandas.__version__}, Python {sys.version.split()[0]}")')
    PEER_TABLE="| export | convert wall s | convert peak MB | pandas wall s | pandas peak MB | pandas / convert |
| --- | ---: | ---: | ---: | ---: | ---: |"
    for input in peer-small flat; do
        rows=$(if [ "$input" = flat ]; then echo "$CSV_ROWS"; else synth_rows "$WORK/synth-peer-small.log"; fi)
        loans=$(if [ "$input" = flat ]; then echo "$CSV_LOANS"; else synth_loans "$WORK/synth-peer-small.log"; fi)
        c_walls=() p_walls=() c_rss=() p_rss=()
        for ((i = 1; i <= RUNS; i++)); do
            run_timed "$WORK/peer-c-$input-$i.time" "$BIN" convert "$WORK/$input.csv" \
                --template templates/flat.toml --out "$WORK/peer-c-$input-$i" --quiet
            c_walls+=("$WALL") c_rss+=("$RSS_MB")
            spent "$WORK/peer-c-$input-$i"
            run_timed "$WORK/peer-p-$input-$i.time" "$PEER_PYTHON" scripts/peer_pandas.py \
                "$WORK/$input.csv" "$WORK/peer-p-$input-$i"
            [ "$RC" = 0 ] || { say "peer on $input: exit $RC"; head -5 "$WORK/peer-p-$input-$i.time.err" >&2; }
            p_walls+=("$WALL") p_rss+=("$RSS_MB")
            spent "$WORK/peer-p-$input-$i"
            say "peer pair $i on $input: convert ${c_walls[-1]} s, pandas ${p_walls[-1]} s"
        done
        cw=$(median "${c_walls[@]}") pw=$(median "${p_walls[@]}")
        PEER_TABLE="$PEER_TABLE
| $input.csv: $rows rows, $loans loans | $cw | $(maximum "${c_rss[@]}") | $pw | $(maximum "${p_rss[@]}") | $(ratio "$pw" "$cw")x |"
    done
    PEER_TABLE="$PEER_TABLE

($PEER_VERSION; median of $RUNS alternating runs each.)"
fi

# --- flat xlsx: convert and calamine -------------------------------------------------
say "convert flat xlsx ($XLSX_ROWS rows, $XLSX_LOANS loans), $RUNS run(s)"
measure_convert convert-xlsx "$WORK/drafts-xlsx" "$WORK/flat.xlsx" --template templates/flat.toml
X_WALL=$C_WALL X_USER=$C_USER X_SYS=$C_SYS X_RSS=$C_RSS X_RC=$C_RC

say "calamine alone on the flat xlsx"
run_timed "$WORK/floor-xlsx.time" "$EX/floor_xlsx" "$WORK/flat.xlsx" --repeat "$RUNS"
CAL_RSS=$RSS_MB
CAL_S=$(value xlsx_read_s "$WORK/floor-xlsx.time.out")
cat "$WORK/floor-xlsx.time.out" >&2

# --- validate 10k drafts -------------------------------------------------------------
say "convert per-borrower CSV ($VALIDATE_LOANS loans) for the validate folder"
run_timed "$WORK/convert-pb.time" "$BIN" convert "$WORK/borrowers.csv" "$WORK/borrowers-schedule.csv" \
    --template templates/per-borrower.toml --out "$WORK/drafts-10k" --quiet
PB_WALL=$WALL PB_RC=$RC PB_RSS=$RSS_MB
[ "$PB_RC" = 0 ] || say "per-borrower convert: exit code $PB_RC"
V_FILES=$(find "$WORK/drafts-10k" -name '*.json' ! -name summary.json | wc -l)
say "validate $V_FILES drafts, $RUNS run(s)"
v_walls=() v_rss=() v_users=() v_syss=()
V_RC=0
for ((i = 1; i <= RUNS; i++)); do
    run_timed "$WORK/validate-$i.time" "$BIN" validate "$WORK/drafts-10k" --quiet
    say "validate run $i: ${WALL}s wall, ${RSS_MB} MB peak, exit $RC"
    [ "$RC" -gt "$V_RC" ] && V_RC=$RC
    v_walls+=("$WALL")
    v_users+=("$WALL $USER")
    v_syss+=("$WALL $SYS")
    v_rss+=("$RSS_MB")
done
V_WALL=$(median "${v_walls[@]}")
V_USER=$(printf '%s\n' "${v_users[@]}" | awk -v w="$V_WALL" '$1 == w { print $2; exit }')
V_SYS=$(printf '%s\n' "${v_syss[@]}" | awk -v w="$V_WALL" '$1 == w { print $2; exit }')
V_RSS=$(maximum "${v_rss[@]}")
V_HYPER=""
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs 10 --export-json "$WORK/validate.json" -i \
        "$BIN validate $WORK/drafts-10k --quiet" >&2
    V_HYPER=$(awk -F: '/"mean"/ { gsub(/[ ,]/, "", $2); printf "%.3f", $2; exit }' "$WORK/validate.json")
fi

# --- upload --------------------------------------------------------------------------
# The loopback Kiva-like server of the tests (tests/server/mod.rs) with 50 ms of latency
# per draft; the ignored test `upload_throughput` runs the real binary at concurrency
# 1, 4 and 16 and prints a Markdown table (target: >= 80% of concurrency / latency).
echo "bench: upload throughput against the loopback server, 50 ms latency" >&2
UPLOAD_TABLE=$(cargo test --release --quiet --test upload -- --ignored --nocapture upload_throughput 2>/dev/null | grep '^|')
U_NOTE="see the upload table below"

# --- results -------------------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
RAM_GB=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
CSV_RATE=$(per_s "$CSV_ROWS" "$CSV_WALL")
CSV_MBS=$(awk -v b="$CSV_BYTES" -v s="$CSV_WALL" 'BEGIN { printf "%.1f", b / 1e6 / s }')
FLOOR_RATE=$(per_s "$CSV_ROWS" "$F_FLOOR")
FLOOR_MBS=$(awk -v b="$CSV_BYTES" -v s="$F_FLOOR" 'BEGIN { printf "%.1f", b / 1e6 / s }')
CSV_SHARE=$(ratio "$F_FLOOR" "$CSV_WALL")
X_RATE=$(per_s "$XLSX_ROWS" "$X_WALL")
X_MBS=$(awk -v b="$XLSX_BYTES" -v s="$X_WALL" 'BEGIN { printf "%.1f", b / 1e6 / s }')
X_RATIO=$(ratio "$X_WALL" "$CAL_S")
verdict() { if awk -v a="$1" -v b="$2" "BEGIN { exit !(a $3 b) }"; then echo met; else echo missed; fi; }

cat <<EOF

## kiva-drafts benchmarks ($(date -u +%Y-%m-%d), $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted src changes'))

Machine: $(nproc) cores, ${CPU}, ${RAM_GB} GiB RAM; $(rustc --version). Median of ${RUNS} run(s), warm page cache.
Work folder (inputs and outputs): ${WORK} ($(df -PT "$WORK" | awk 'NR == 2 { print $2 }')).

Inputs (synth, seed ${SEED}): flat CSV ${CSV_ROWS} rows / ${CSV_LOANS} loans / $(mb "$CSV_BYTES") MB;
flat xlsx ${XLSX_ROWS} rows / ${XLSX_LOANS} loans / $(mb "$XLSX_BYTES") MB (synth: ${SYNTH_XLSX_WALL} s, ${SYNTH_XLSX_RSS} MB);
per-borrower CSV ${VALIDATE_LOANS} loans -> ${V_FILES} drafts (convert ${PB_WALL} s, ${PB_RSS} MB, exit ${PB_RC}).

| measurement | wall s | user s | sys s | peak RSS MB | rows/s | MB/s | exit |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| convert flat CSV | ${CSV_WALL} | ${CSV_USER} | ${CSV_SYS} | ${CSV_RSS} | ${CSV_RATE} | ${CSV_MBS} | ${CSV_RC} |
| floor: csv read (a) | ${F_READ} | | | | | | |
| floor: write ${F_FILES} files, $(mb "$F_DBYTES") MB (b) | ${F_WRITE} | | | | | | |
| floor a + b | ${F_FLOOR} | | | | ${FLOOR_RATE} | ${FLOOR_MBS} | |
| (reference: the same files, each temp + fsync + rename) | ${F_FSYNC} | | | | | | |
| convert flat xlsx | ${X_WALL} | ${X_USER} | ${X_SYS} | ${X_RSS} | ${X_RATE} | ${X_MBS} | ${X_RC} |
| calamine alone (floor_xlsx) | ${CAL_S} | | | ${CAL_RSS} | | | |
| validate ${V_FILES} drafts | ${V_WALL} | ${V_USER} | ${V_SYS} | ${V_RSS} | | | ${V_RC} |
| upload | ${U_NOTE} | | | | | | |

| target | value | verdict |
| --- | --- | --- |
| flat CSV convert >= 50% of the floor's throughput | ${CSV_SHARE} of floor (floor ${F_FLOOR} s / convert ${CSV_WALL} s) | $(verdict "$CSV_SHARE" 0.5 '>=') |
| the same, side by side (${PAIRS} pairs: ${PAIR_SHARES}) | median ${PAIR_MEDIAN}% | $(verdict "$PAIR_MEDIAN" 50 '>=') |
| xlsx convert <= 1.5x calamine's read | ${X_RATIO}x (${X_WALL} s / ${CAL_S} s) | $(verdict "$X_RATIO" 1.5 '<=') |
| peak memory, ${CSV_ROWS}-row CSV < 500 MB | ${CSV_RSS} MB | $(verdict "$CSV_RSS" 500 '<') |
| validate ${V_FILES} drafts well under 1 s (taken as < 0.5 s) | ${V_WALL} s${V_HYPER:+ (hyperfine mean ${V_HYPER} s)} | $(verdict "$V_WALL" 0.5 '<') |
EOF

printf '\n### upload (50 ms latency per draft, loopback)\n\n%s\n' "$UPLOAD_TABLE"
printf '\n### the peer: scripts/peer_pandas.py, the same job in pandas\n\n%s\n' "$PEER_TABLE"
