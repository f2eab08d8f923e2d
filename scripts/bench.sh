#!/usr/bin/env bash
# make bench: every peer on every workload, taking turns within each repetition,
# then one table. Peers: Sluice, Sluice behind swift-log's API, swift-log's
# StreamLogHandler (all in Benchmarks' `sluice-bench`; in W1 also Sluice writing logfmt and
# JSON lines, and a second sink), spdlog's async logger, and Python's
# QueueHandler -> QueueListener -> FileHandler (Benchmarks/peers); then Sluice's syslog sink
# into a real rsyslog (scripts/bench-syslog.sh).
# In the same repetitions, the floors Sluice is held to: write-ceiling (plain write() of the
# lines Sluice renders, in its writer's batches: W1, W2) and c-level-check / c-level-count (a C
# loop of level checks, without and with an exact count: W3); and swiftlog-noop (swift-log with a
# handler that discards: what sluice-swiftlog's handler adds is the difference, W1).
# REPS (3), RECORDS (2,000,000: W1 and W2), CALLS (10,000,000: W3 and W4), THREADS (W2's
# producer counts, comma-separated: 4; THREADS=4,8,16 on a machine with the cores) and the
# Python peer's PYTHON_RECORDS (200,000) and PYTHON_CALLS (1,000,000) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=${REPS:-3}
records=${RECORDS:-2000000}
calls=${CALLS:-10000000}
python_records=${PYTHON_RECORDS:-200000}
python_calls=${PYTHON_CALLS:-1000000}
IFS=, read -r -a thread_counts <<< "${THREADS:-4}"
results=${RESULTS:-.build-bench/results.jsonl}

mkdir -p "$(dirname "$results")"
: > "$results"
for rep in $(seq "$reps"); do
    for workload in W1 W2 W3 W4; do
        echo "bench: repetition $rep/$reps, $workload" >&2
        if [ "$workload" = W2 ]; then
            for threads in "${thread_counts[@]}"; do
                Benchmarks/.build/release/sluice-bench --json --reps 1 --workload W2 --threads "$threads" \
                    --records "$records" --peer sluice --peer sluice-swiftlog --peer swiftlog-stream \
                    --peer write-ceiling >> "$results"
            done
        else
            Benchmarks/.build/release/sluice-bench --json --reps 1 --workload "$workload" --records "$records" --calls "$calls" >> "$results"
        fi
        case "$workload" in
        W1) # the floor, swift-log's own cost, then the line formats, priced against text in the same repetition
            Benchmarks/.build/release/sluice-bench --json --reps 1 --workload W1 --records "$records" \
                --peer write-ceiling --peer swiftlog-noop --peer sluice-logfmt --peer sluice-json \
                --peer sluice-2sinks >> "$results" ;;
        W3)
            Benchmarks/.build/release/sluice-bench --json --reps 1 --workload W3 --calls "$calls" \
                --peer c-level-check --peer c-level-count >> "$results" ;;
        esac
        .build-bench/spdlog_bench --reps 1 --workload "$workload" --records "$records" --calls "$calls" >> "$results"
        python3 Benchmarks/peers/python_bench.py --reps 1 --workload "$workload" \
            --records "$python_records" --calls "$python_calls" >> "$results"
    done
done
RESULTS="$results" REPS="$reps" RECORDS="$records" scripts/bench-syslog.sh
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); results in $results"
Benchmarks/.build/release/sluice-bench --table "$results"
