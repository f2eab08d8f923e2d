import ArgumentParser
import Foundation
import SluiceToolSupport

/// `sluice-bench`: every workload through Sluice and through swift-log, in one run on one machine.
@main
struct SluiceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice-bench",
        abstract: "Measure Sluice against swift-log's StreamLogHandler on the same workloads, interleaved.",
        discussion: """
            W1: one producer logs --records records of "request id=<i> op=<op> latency_us=<x>" at INFO.
            W2: four producers, --records in all, released together. W3: 10,000,000 DEBUG calls at level
            INFO (nothing written). W4: 10,000,000 DEBUG calls through a sampling logger at 1% (swift-log,
            which has no sampling, logs every 100th call by a counter). Peers: sluice, sluice-swiftlog
            (swift-log's API on SluiceLogHandler), swiftlog-stream (StreamLogHandler on a FILE*, flushing
            every record); on request, sluice-untimed (Sluice without the 1-in-64 call timing), sluice-logfmt and sluice-json (Sluice writing those formats), sluice-2sinks (Sluice writing a second file, as JSON), sluice-syslog (Sluice writing RFC 5424 to --syslog), sluice-flight (a flight recorder of 10,000 records), sluice-recoverable (the ring in a file, for sluice recover), sluice-metrics (the swift-metrics bridge reading the counters every millisecond), sluice-swiftlog-traced (swift-log with a metadata provider adding a trace id), sluice-context and sluice-swiftlog-context (a native logger and swift-log, each with a request id attached and the trace id provider), sluice-macro (each workload's call as a log macro writes it: #info, #debug, the text registered once per call site), swiftlog-noop (swift-log with a handler that discards: swift-log's own cost); the floors write-ceiling (plain write() of the lines Sluice renders, in its writer's batches: W1, W2), c-level-check and c-level-count (a C loop of level checks, without and with an exact count: W3). W1 and W2 run twice: for throughput (first call until every record is handed to
            the kernel) and for per-call latency (a CLOCK_MONOTONIC pair around every call).
            """)

    @Option(help: "Repetitions; the peers take turns within each.")
    var reps = 3

    @Option(help: "Run only these workloads (W1, W2, W3, W4).")
    var workload: [String] = []

    @Option(help: "Only these peers (sluice, sluice-swiftlog, swiftlog-stream, sluice-untimed, sluice-logfmt, sluice-json, sluice-2sinks, sluice-syslog, sluice-flight, sluice-recoverable, sluice-metrics, sluice-swiftlog-traced, sluice-context, sluice-swiftlog-context, sluice-macro, swiftlog-noop, write-ceiling, c-level-check, c-level-count).")
    var peer: [String] = []

    @Option(help: "Records of W1 and W2.")
    var records = 2_000_000

    @Option(help: "Calls of W3 and W4.")
    var calls = 10_000_000

    @Option(help: "Producers of W2 (make bench's THREADS=8,16 runs it once per count, on a machine with the cores).")
    var threads = 4

    @Option(help: ArgumentHelp("The syslog receiver of the sluice-syslog peer (scripts/bench-syslog.sh starts one).", valueName: "tcp://host:port"))
    var syslog: String?

    @Option(help: "Where the log files go (removed after each run).")
    var directory = "/tmp"

    @Flag(help: "One JSON object per run, one per line, instead of the table.")
    var json = false

    @Option(help: ArgumentHelp(
        "Print the table of the JSON lines in this file (from --json and the peers in Benchmarks/peers) instead of running.",
        valueName: "path"))
    var table: String?

    func validate() throws {
        guard reps >= 1 else { throw ValidationError("--reps must be at least 1, not \(reps)") }
        guard records >= 4 else { throw ValidationError("--records must be at least 4, not \(records)") }
        guard calls >= 1 else { throw ValidationError("--calls must be at least 1, not \(calls)") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be 1 to 1024, not \(threads)") }
        guard records >= threads else { throw ValidationError("--records (\(records)) must be at least --threads (\(threads))") }
        for name in workload where Workload(rawValue: name.uppercased()) == nil {
            throw ValidationError("unknown workload '\(name)'; the workloads are W1, W2, W3, W4")
        }
        for name in peer where Peer(rawValue: name) == nil {
            throw ValidationError("unknown peer '\(name)'; the peers are \(Peer.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if peer.contains(Peer.sluiceSyslog.rawValue) && syslog == nil {
            throw ValidationError("the sluice-syslog peer needs --syslog tcp://host:port")
        }
    }

    func run() throws {
        if let table {
            print(BenchTable(results: try readResults(table)).render())
            return
        }
        let workloads = workload.isEmpty ? Workload.allCases : workload.compactMap { Workload(rawValue: $0.uppercased()) }
        let peers = peer.isEmpty ? Peer.standard : peer.compactMap(Peer.init(rawValue:))
        var results: [RunResult] = []
        for load in workloads {
            for rep in 0..<reps {
                for peer in peers where peer.runs(load) {
                    let count = load == .w3 || load == .w4 ? calls : records
                    let result = try measure(
                        peer: peer, workload: load, records: count, threads: load.threads(w2: threads),
                        directory: directory, tag: "\(rep)", syslog: syslog)
                    results.append(result)
                    if json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys]
                        print(String(decoding: try encoder.encode(result), as: UTF8.self))
                        fflush(nil)
                    }
                }
            }
        }
        if !json {
            print(BenchTable(results: results).render())
        }
    }
}

func readResults(_ path: String) throws -> [RunResult] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n").map { line in
        do {
            return try JSONDecoder().decode(RunResult.self, from: Data(line.utf8))
        } catch {
            throw ValidationError("\(path): not a result line: \(line.prefix(120)) (\(error))")
        }
    }
}

/// Medians [min–max] per workload and peer, and Sluice's advantage per repetition.
struct BenchTable {
    let results: [RunResult]

    func render() -> String {
        var lines = [
            "workload peer              records threads  throughput M/s (median [min-max])   ns/call      p50      p99    p99.9      max  clock     lines  dropped",
        ]
        // W2 at another producer count is a workload of its own.
        let groups = unique(results.map { "\($0.workload)/\($0.threads)" })
        for group in groups {
            let runs = results.filter { "\($0.workload)/\($0.threads)" == group }
            let workload = runs[0].workload
            for peer in unique(runs.map(\.peer)) {
                let mine = runs.filter { $0.peer == peer }
                let rates = mine.map { $0.throughput / 1e6 }
                lines.append(
                    pad(workload, 8) + " " + pad(peer, 16) + " " + pad("\(mine[0].recordsSent)", 9, right: true)
                        + pad("\(mine[0].threads)", 8, right: true) + "  "
                        + pad(String(format: "%8.3f [%.3f-%.3f]", median(rates), rates.min()!, rates.max()!), 34)
                        + pad(formatNanoseconds(median(mine.map(\.nsPerCall))), 10, right: true)
                        + pad(formatNanoseconds(medianOptional(mine.map(\.latencyP50))), 9, right: true)
                        + pad(formatNanoseconds(medianOptional(mine.map(\.latencyP99))), 9, right: true)
                        + pad(formatNanoseconds(medianOptional(mine.map(\.latencyP999))), 9, right: true)
                        + pad(formatNanoseconds(medianOptional(mine.map(\.latencyMax))), 9, right: true)
                        + pad(formatNanoseconds(medianOptional(mine.map(\.clockPairOverhead))), 7, right: true)
                        + pad("\(mine.map(\.linesInFile).min()!)", 10, right: true)
                        + pad("\(mine.map(\.dropped).max()!)", 9, right: true))
            }
            lines += advantages(runs: runs, workload: workload)
        }
        lines.append("sluice / peer: Sluice's records/s over the peer's (W1, W2), the peer's ns/call over Sluice's (W3, W4);"
            + " above 1, Sluice is ahead")
        lines.append("latency columns: ns per call, medians over reps, the clock pair (clock column) included; lines: fewest seen")
        return lines.joined(separator: "\n")
    }

    /// Per repetition: sluice's throughput over each peer's (W1, W2), or the peer's ns/call over sluice's (W3, W4).
    private func advantages(runs: [RunResult], workload: String) -> [String] {
        let sluice = runs.filter { $0.peer == Peer.sluice.rawValue }
        guard !sluice.isEmpty else { return [] }
        var lines: [String] = []
        for peer in unique(runs.map(\.peer)) where peer != Peer.sluice.rawValue {
            let other = runs.filter { $0.peer == peer }
            guard other.count == sluice.count else { continue }
            let perRep = zip(sluice, other).map { s, o in
                workload == "W1" || workload == "W2" ? s.throughput / o.throughput : o.nsPerCall / s.nsPerCall
            }
            if Peer(rawValue: peer)?.isFloor == true {  // the bars: how close Sluice comes to each floor
                let ratio = perRep.map { workload == "W3" ? 1 / $0 : $0 }
                lines.append(String(format: "         sluice %@ %@: %.2fx (median of reps) [%.2f-%.2f]",
                                    workload == "W3" ? "ns/call over" : "records/s over", peer,
                                    median(ratio), ratio.min()!, ratio.max()!))
                continue
            }
            lines.append(String(format: "         sluice / %@: %.1fx (median of reps) [%.1f-%.1f]", peer,
                                median(perRep), perRep.min()!, perRep.max()!))
        }
        return lines
    }
}

private func unique(_ values: [String]) -> [String] {
    var seen = Set<String>()
    return values.filter { seen.insert($0).inserted }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}

private func medianOptional(_ values: [Double?]) -> Double? {
    let present = values.compactMap { $0 }
    return present.isEmpty ? nil : median(present)
}
