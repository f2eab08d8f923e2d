#!/usr/bin/env python3
"""`sluice-bench`'s workloads through Python's logging, with the same JSON lines.

Configuration: the pattern Sluice replaces. A QueueHandler on the caller's
thread puts records on a queue.SimpleQueue; a QueueListener thread hands them
to a FileHandler with the formatter "%(asctime)s %(levelname)s %(name)s:
%(message)s". Messages use %-style lazy arguments. Python's logging has no
sampling: W4 logs every 100th call, by a counter of the caller's. Python is
slow enough that it runs fewer records by default (see --records, --calls);
rates still compare.

Usage: python_bench.py [--reps N] [--records N] [--calls N] [--workload W1]... [--directory /tmp]
"""
import argparse
import json
import logging
import logging.handlers
import os
import queue
import threading
import time

OPERATIONS = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "LIST", "SCAN"]


def latency(i):
    return ((i * 2654435761) % 1000000) / 8


def open_logger(path, workload):
    records = queue.SimpleQueue()
    file_handler = logging.FileHandler(path, mode="w")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    listener = logging.handlers.QueueListener(records, file_handler)
    logger = logging.getLogger("bench-%s-%d" % (workload, time.monotonic_ns()))
    logger.propagate = False
    logger.handlers = [logging.handlers.QueueHandler(records)]
    logger.setLevel(logging.DEBUG if workload == "W4" else logging.INFO)
    listener.start()
    return logger, listener, file_handler


def call_for(logger, workload):
    if workload == "W3":
        return lambda i: logger.debug("request id=%d op=%s latency_us=%s", i, OPERATIONS[i & 7], latency(i))
    if workload == "W4":
        def every_hundredth(i):
            if i % 100 == 0:
                logger.debug("request id=%d op=%s latency_us=%s", i, OPERATIONS[i & 7], latency(i))
        return every_hundredth
    return lambda i: logger.info("request id=%d op=%s latency_us=%s", i, OPERATIONS[i & 7], latency(i))


def on_threads(threads, body):
    barrier = threading.Barrier(threads)

    def start(t):
        barrier.wait()
        body(t)

    workers = [threading.Thread(target=start, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def clock_pair_overhead(samples=200000):
    clock = time.monotonic_ns
    pairs = []
    for _ in range(samples):
        a = clock()
        pairs.append(clock() - a)
    pairs.sort()
    return float(pairs[len(pairs) // 2])


def count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def run(workload, records, path):
    threads = 4 if workload == "W2" else 1
    per_thread = records // threads
    result = {"peer": "python-queue", "workload": workload, "records_sent": per_thread * threads,
              "threads": threads, "lat_p50_ns": None, "lat_p99_ns": None, "lat_p999_ns": None,
              "lat_max_ns": None, "clock_pair_overhead_ns": None, "dropped": 0}

    logger, listener, handler = open_logger(path, workload)
    call = call_for(logger, workload)
    call_time = [0] * threads

    def produce(t):
        start = time.monotonic_ns()
        for i in range(t * per_thread, (t + 1) * per_thread):
            call(i)
        call_time[t] = time.monotonic_ns() - start

    begin = time.monotonic_ns()
    on_threads(threads, produce)
    listener.stop()  # drains the queue
    handler.close()
    wall = (time.monotonic_ns() - begin) / 1e9
    result.update(wall_s=wall, throughput_rps=per_thread * threads / wall,
                  ns_per_call=sum(call_time) / (per_thread * threads), lines_in_file=count_lines(path))

    if workload in ("W1", "W2"):
        logger, listener, handler = open_logger(path, workload)
        call = call_for(logger, workload)
        samples = [[0] * per_thread for _ in range(threads)]
        result["clock_pair_overhead_ns"] = clock_pair_overhead()
        clock = time.monotonic_ns

        def timed(t):
            mine = samples[t]
            first = t * per_thread
            for k in range(per_thread):
                a = clock()
                call(first + k)
                mine[k] = clock() - a

        on_threads(threads, timed)
        listener.stop()
        handler.close()
        everything = sorted(s for mine in samples for s in mine)
        at = lambda q: float(everything[min(len(everything) - 1, int(len(everything) * q))])
        result.update(lat_p50_ns=at(0.5), lat_p99_ns=at(0.99), lat_p999_ns=at(0.999), lat_max_ns=float(everything[-1]))
    os.remove(path)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--records", type=int, default=200000, help="records of W1 and W2")
    parser.add_argument("--calls", type=int, default=1000000, help="calls of W3 and W4")
    parser.add_argument("--workload", action="append", choices=["W1", "W2", "W3", "W4"])
    parser.add_argument("--directory", default="/tmp")
    args = parser.parse_args()
    for workload in args.workload or ["W1", "W2", "W3", "W4"]:
        count = args.calls if workload in ("W3", "W4") else args.records
        for _ in range(args.reps):
            path = os.path.join(args.directory, "python-bench-%d-%s.log" % (os.getpid(), workload))
            print(json.dumps(run(workload, count, path), sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
