import BenchBaseline
import CSluice
import Foundation

/// What one run of a workload by one peer measured; the JSON keys are fixed.
struct RunResult: Codable {
    var peer: String
    var workload: String
    var recordsSent: Int
    var threads: Int
    var wallSeconds: Double
    var throughput: Double
    var nsPerCall: Double
    var latencyP50: Double?
    var latencyP99: Double?
    var latencyP999: Double?
    var latencyMax: Double?
    var clockPairOverhead: Double?
    var linesInFile: Int
    var dropped: UInt64

    enum CodingKeys: String, CodingKey {
        case peer, workload, threads, dropped
        case recordsSent = "records_sent"
        case wallSeconds = "wall_s"
        case throughput = "throughput_rps"
        case nsPerCall = "ns_per_call"
        case latencyP50 = "lat_p50_ns"
        case latencyP99 = "lat_p99_ns"
        case latencyP999 = "lat_p999_ns"
        case latencyMax = "lat_max_ns"
        case clockPairOverhead = "clock_pair_overhead_ns"
        case linesInFile = "lines_in_file"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(peer, forKey: .peer)
        try c.encode(workload, forKey: .workload)
        try c.encode(recordsSent, forKey: .recordsSent)
        try c.encode(threads, forKey: .threads)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(throughput, forKey: .throughput)
        try c.encode(nsPerCall, forKey: .nsPerCall)
        try c.encode(latencyP50, forKey: .latencyP50)
        try c.encode(latencyP99, forKey: .latencyP99)
        try c.encode(latencyP999, forKey: .latencyP999)
        try c.encode(latencyMax, forKey: .latencyMax)
        try c.encode(clockPairOverhead, forKey: .clockPairOverhead)
        try c.encode(linesInFile, forKey: .linesInFile)
        try c.encode(dropped, forKey: .dropped)
    }
}

@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// The median cost of two back-to-back clock reads: it is inside every latency sample.
func clockPairOverhead(samples: Int = 1_000_000) -> Double {
    var pairs = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: samples)
    defer { pairs.deallocate() }
    for i in 0..<samples {
        let a = monotonicNanoseconds()
        pairs[i] = monotonicNanoseconds() &- a
    }
    pairs.sort()
    return Double(pairs[samples / 2])
}

/// Runs body(thread) on `threads` threads released together; returns when all are done.
func onThreads(_ threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let start = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for thread in 0..<threads {
        done.enter()
        Thread {
            start.wait()
            body(thread)
            done.leave()
        }.start()
    }
    for _ in 0..<threads { start.signal() }
    done.wait()
}

/// Per-thread latency samples: preallocated and touched before the clock starts.
final class SampleBuffers: @unchecked Sendable {  // thread t writes buffer t only
    let buffers: [UnsafeMutableBufferPointer<UInt64>]

    init(threads: Int, perThread: Int) {
        buffers = (0..<threads).map { _ in
            let buffer = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: perThread)
            buffer.initialize(repeating: 0)
            return buffer
        }
    }

    deinit {
        buffers.forEach { $0.deallocate() }
    }

    /// p50, p99, p99.9 and max over every thread's samples.
    func percentiles() -> (Double, Double, Double, Double) {
        var all = buffers.flatMap { $0 }
        all.sort()
        func at(_ q: Double) -> Double { Double(all[min(all.count - 1, Int(Double(all.count) * q))]) }
        return (at(0.5), at(0.99), at(0.999), Double(all.last ?? 0))
    }
}

func countLines(_ path: String) -> Int {
    guard let file = fopen(path, "r") else { return 0 }
    defer { fclose(file) }
    var lines = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        lines += buffer[0..<n].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }
    return lines
}

/// One run: a throughput pass (no per-call timing) and, for W1 and W2, a latency pass.
func measure(
    peer: Peer, workload: Workload, records: Int, threads: Int, directory: String, tag: String, syslog: String? = nil
) throws -> RunResult {
    let perThread = records / threads
    let path = "\(directory)/sluice-bench-\(getpid())-\(tag)-\(peer.rawValue)-\(workload.rawValue).log"
    let second = path + ".second"  // the second sink's file (sluice-2sinks)
    unlink(path)
    unlink(second)
    defer {
        unlink(path)
        unlink(second)
    }

    if peer == .writeCeiling {
        return try measureWriteCeiling(workload: workload, records: perThread * threads, threads: threads, path: path)
    }
    if peer == .cLevelCheck || peer == .cLevelCount {
        return measureLevelCheck(peer: peer, calls: records)
    }
    let runner = try makeRunner(peer: peer, workload: workload, path: path, syslog: syslog)
    let callTime = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: threads)
    defer { callTime.deallocate() }
    let times = UncheckedBox(callTime)
    let begin = monotonicNanoseconds()
    onThreads(threads) { thread in
        let first = thread * perThread
        let start = monotonicNanoseconds()
        runner.run(first..<(first + perThread))
        times.value[thread] = monotonicNanoseconds() - start
    }
    let dropped = runner.finish()
    let wall = Double(monotonicNanoseconds() - begin) / 1e9
    var result = RunResult(
        peer: peer.rawValue, workload: workload.rawValue, recordsSent: perThread * threads, threads: threads,
        wallSeconds: wall, throughput: Double(perThread * threads) / wall,
        nsPerCall: Double(callTime.reduce(0, +)) / Double(perThread * threads),
        linesInFile: countLines(path), dropped: dropped)

    if workload.measuresLatency {
        unlink(path)
        let timedRunner = try makeRunner(peer: peer, workload: workload, path: path, syslog: syslog)
        let samples = SampleBuffers(threads: threads, perThread: perThread)
        result.clockPairOverhead = clockPairOverhead()
        onThreads(threads) { thread in
            let first = thread * perThread
            timedRunner.runTimed(first..<(first + perThread), samples.buffers[thread])
        }
        _ = timedRunner.finish()
        (result.latencyP50, result.latencyP99, result.latencyP999, result.latencyMax) = samples.percentiles()
    }
    return result
}

/// A value threads may share when each touches its own part.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The sink's own limit: the lines Sluice renders for the workload (rendered first, untimed),
/// written back with plain write() calls of the writer's batch size, 256 KiB cut at a line's
/// end, from the first byte until the file is closed.
func measureWriteCeiling(workload: Workload, records: Int, threads: Int, path: String) throws -> RunResult {
    let rendered = path + ".rendered"
    defer { unlink(rendered) }
    let runner = try makeRunner(peer: .sluice, workload: workload, path: rendered)
    runner.run(0..<records)
    _ = runner.finish()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: rendered))
    unlink(path)
    let batch = 256 << 10
    let begin = monotonicNanoseconds()
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw ValidationErrorMessage("cannot open \(path): \(String(cString: strerror(errno)))") }
    bytes.withUnsafeBytes { raw in
        var at = 0
        while at < raw.count {
            var end = min(at + batch, raw.count)
            while end < raw.count && raw[end - 1] != 10 { end += 1 }
            let written = write(fd, raw.baseAddress! + at, end - at)
            precondition(written > 0, "write-ceiling: write failed: \(String(cString: strerror(errno)))")
            at += written
        }
    }
    close(fd)
    let wall = Double(monotonicNanoseconds() - begin) / 1e9
    return RunResult(
        peer: Peer.writeCeiling.rawValue, workload: workload.rawValue, recordsSent: records, threads: threads,
        wallSeconds: wall, throughput: Double(records) / wall, nsPerCall: wall * 1e9 / Double(records),
        linesInFile: countLines(path), dropped: 0)
}

/// W3's floor: a C loop of level checks on a word at INFO, every call a DEBUG one, with no count
/// (c-level-check) or an exact count in memory (c-level-count).
func measureLevelCheck(peer: Peer, calls: Int) -> RunResult {
    let word = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    let filtered = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    defer {
        word.deallocate()
        filtered.deallocate()
    }
    word.initialize(to: Int32(SLUICE_INFO))
    filtered.initialize(to: 0)
    let debug = Int32(SLUICE_DEBUG)
    let begin = monotonicNanoseconds()
    let passed = peer == .cLevelCount
        ? bench_level_check_counted(word, debug, UInt64(calls), filtered)
        : bench_level_check(word, debug, UInt64(calls))
    let wall = Double(monotonicNanoseconds() - begin) / 1e9
    precondition(passed == 0 && (peer == .cLevelCheck || filtered.pointee == calls), "\(peer.rawValue): a DEBUG call passed INFO")
    return RunResult(
        peer: peer.rawValue, workload: Workload.w3.rawValue, recordsSent: calls, threads: 1, wallSeconds: wall,
        throughput: Double(calls) / wall, nsPerCall: wall * 1e9 / Double(calls), linesInFile: 0, dropped: 0)
}
