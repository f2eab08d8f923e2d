#!/usr/bin/env bash
# make bench's syslog run: Sluice's syslog sink (W1, RFC 5424 over TCP with octet
# counting) into a real rsyslog on a loopback port, which writes every message to a
# file; then what rsyslog received against what was sent. REPS (3), RECORDS
# (1,000,000) and RESULTS as in scripts/bench.sh; the runs join RESULTS.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=${REPS:-3}
records=${RECORDS:-1000000}
results=${RESULTS:-.build-bench/results.jsonl}
scripts/ensure-rsyslog.sh

dir=$(mktemp -d /tmp/sluice-bench-rsyslog.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|@DIR@|$dir|g" -e "s|@TCP@|$port|g" Benchmarks/syslog/rsyslog.conf > "$dir/rsyslog.conf"
/usr/sbin/rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" > "$dir/rsyslogd.out" 2>&1 &
rsyslogd=$!
trap 'kill "$rsyslogd" 2>/dev/null; wait "$rsyslogd" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

mkdir -p "$(dirname "$results")"
for rep in $(seq "$reps"); do
    echo "bench: syslog repetition $rep/$reps" >&2
    Benchmarks/.build/release/sluice-bench --json --reps 1 --workload W1 --records "$records" \
        --peer sluice-syslog --syslog "tcp://127.0.0.1:$port" | tee -a "$results" > "$dir/runs.jsonl"
    cat "$dir/runs.jsonl" >> "$dir/all.jsonl"
done

# Each W1 run sends its records twice: the throughput pass and the latency pass.
sent=$((reps * 2 * records))
received=0
for _ in $(seq 600); do # until rsyslog has written everything, or 60 s without progress
    now=$(wc -l < "$dir/received.log")
    [ "$now" -ge "$sent" ] && { received=$now; break; }
    [ "$now" -eq "$received" ] && sleep 0.1 || received=$now
done
dropped=$(python3 -c 'import json, sys; print(sum(json.loads(l)["dropped"] for l in open(sys.argv[1])))' "$dir/all.jsonl")
echo "syslog into rsyslog over TCP: sent $sent, received $received, lost $((sent - received)) (counted as dropped by the sink: $dropped)"
