#!/usr/bin/env bash
# make bench-bundle: the benchmarks for a machine that has the cores but no Swift toolchain (a
# bigger box lent for an hour). Builds sluice-bench with Swift's standard library linked in,
# core_bench and subring_bench, and puts them in BUNDLE (.build-bench/bundle) with the dynamic
# loader and the shared libraries they load from this machine, and run.sh. Copy the folder there,
# run it, bring results.jsonl back and read it here with
# `Benchmarks/.build/release/sluice-bench --table FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${BUNDLE:-.build-bench/bundle}
scratch=$PWD/.build-bench/static

(cd Benchmarks && swift build -c release --product sluice-bench --static-swift-stdlib --scratch-path "$scratch")
rm -rf "$bundle"
mkdir -p "$bundle/lib"
strip -o "$bundle/sluice-bench" "$scratch/release/sluice-bench"
cc -O2 -std=gnu11 -D_GNU_SOURCE -ICSources/CSluice/include -ICSources/CSluice \
    Benchmarks/core/core_bench.c CSources/CSluice/*.c -o "$bundle/core_bench" \
    $(pkg-config --libs liburcu-bp) -lz -lpthread -lm
cc -O2 -std=gnu11 -D_GNU_SOURCE -ICSources/CSluice Benchmarks/core/subring_bench.c -o "$bundle/subring_bench" -lpthread
for library in $(ldd "$bundle/sluice-bench" "$bundle/core_bench" "$bundle/subring_bench" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
    cp -L "$library" "$bundle/lib/"
done
cat > "$bundle/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs Sluice's benchmarks with the loader and libraries beside them: W1, W2 at each of THREADS
# producers (beside the write() ceiling), W3 and W4 (beside the C level-check floors), REPS rounds
# interleaved; then core_bench and subring_bench. Sluice runs with its defaults there (a ring per
# CPU, a render thread per four CPUs from 8 on); W2 runs again with one render thread, into
# OUT/results-one-render-thread.jsonl, to show what the render threads add. Results:
# OUT/results.jsonl (sluice-bench --table reads it), OUT/core.txt and OUT/subring.txt. Log files go
# to DIR (/tmp), removed after each run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/bench-out}; dir=${DIR:-/tmp}
reps=${REPS:-3}; records=${RECORDS:-4000000}; calls=${CALLS:-10000000}
IFS=, read -r -a thread_counts <<< "${THREADS:-2,4,8,16}"
mkdir -p "$out"
run() { "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib" "$@"; }
bench() { run "$here/sluice-bench" --json --reps 1 --directory "$dir" "$@" >> "$out/results.jsonl"; }
one_render_thread() {
    LOG_RENDER_THREADS=1 run "$here/sluice-bench" --json --reps 1 --directory "$dir" "$@" >> "$out/results-one-render-thread.jsonl"
}
{ nproc; grep -m1 'model name' /proc/cpuinfo; } > "$out/machine.txt"
for rep in $(seq "$reps"); do
    echo "bench-bundle: repetition $rep/$reps" >&2
    bench --workload W1 --records "$records" --peer sluice --peer write-ceiling
    for threads in "${thread_counts[@]}"; do
        bench --workload W2 --threads "$threads" --records "$records" --peer sluice --peer write-ceiling
        one_render_thread --workload W2 --threads "$threads" --records "$records" --peer sluice
    done
    bench --workload W3 --workload W4 --calls "$calls" --peer sluice --peer c-level-check --peer c-level-count
done
run "$here/core_bench" --records "$records" --reps "$reps" --path "$dir/sluice-core-bench.log" > "$out/core.txt"
run "$here/subring_bench" --records "$records" --reps "$reps" --threads "1,${THREADS:-2,4,8,16}" > "$out/subring.txt"
echo "bench-bundle: results in $out" >&2
RUN
chmod +x "$bundle/run.sh"
echo "bench-bundle: $(du -sh "$bundle" | cut -f1) in $bundle; copy it, run $bundle/run.sh there (THREADS=2,4,8,16 REPS=3 RECORDS=4000000)"
