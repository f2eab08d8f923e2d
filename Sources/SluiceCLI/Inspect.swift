import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceToolSupport

/// A problem `sluice stat/level/sample/list` reports: one line on stderr, exit status 2.
struct InspectFailure: Error {
    let line: String
}

/// One line on stderr (a file the inspector does not trust, whose name it quotes; a summary),
/// escaped as records are so that no name can end it or forge another.
func reportSkipped(_ line: String) {
    FileHandle.standardError.write(Data((escapedForALine(line) + "\n").utf8))
}

/// Runs body; a failure becomes one line on stderr and exit status 2.
func inspecting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as InspectFailure {
        reportSkipped(failure.line)
        throw ExitCode(2)
    } catch let error as SluiceError {
        reportSkipped(error.message)
        throw ExitCode(2)
    }
}

struct Stat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the counters, modules and latency histograms of a process that logs with Sluice.")

    @Argument(help: "The process id.")
    var pid: Int32

    @Flag(help: "One JSON object instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Refresh every this many seconds, with per-second rates, until interrupted.",
                               valueName: "seconds"))
    var watch: Double?

    @Option(help: .hidden)
    var refreshes: Int?

    func validate() throws {
        if let watch, !(watch > 0) { throw ValidationError("--watch must be a positive number of seconds, not \(watch)") }
    }

    func run() throws {
        try inspecting {
            var previous: (SluiceCore.Counters, Date)?
            var shown = 0
            repeat {
                let mappings = try SluiceStatsMapping.open(pid: pid, skipping: reportSkipped)
                let snapshot = ProcessSnapshot(pid: pid, mappings: mappings)
                if json {
                    print(snapshot.json())
                } else {
                    if watch != nil { print("--- \(ISO8601DateFormatter().string(from: Date()))") }
                    print(snapshot.table(since: previous))
                }
                fflush(nil)
                previous = (snapshot.total, Date())
                shown += 1
                if let watch, refreshes.map({ shown < $0 }) ?? true {
                    Thread.sleep(forTimeInterval: watch)
                } else {
                    break
                }
            } while true
        }
    }
}

struct Level: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the level of a module in a running process; its loggers see it on their next call.")

    @Argument var pid: Int32
    @Argument var module: String
    @Argument(help: """
        trace, debug, info, notice, warning, error or critical: it wins over levels set in code until \
        reset; or reset: the configured level again. A module that has not logged yet takes it from its \
        first call.
        """)
    var level: String

    func run() throws {
        try inspecting {
            if try requestAhead() { return }
            if level == "reset" {
                try change(pid: pid, module: module) { mapping in
                    let before = mapping.stats.modules[module]?.level
                    try mapping.resetLevel(module: module)
                    let after = mapping.stats.modules[module]?.level
                    return "level \(before.map { "\($0)" } ?? "?") -> \(after.map { "\($0)" } ?? "?") (reset to the configured level)"
                }
                return
            }
            guard let newLevel = Sluice.level(named: level) else {
                throw InspectFailure(
                    line: "sluice: '\(level)' is not a level (trace, debug, info, notice, warning, error, critical) or reset; nothing was changed")
            }
            try change(pid: pid, module: module) { mapping in
                let before = mapping.stats.modules[module]?.level
                try mapping.setLevel(newLevel, module: module)
                return "level \(before.map { "\($0)" } ?? "?") -> \(newLevel)"
            }
        }
    }
}

extension Level {
    /// A module no core of the process has yet (it has not logged): the level is asked for
    /// ahead of its first call, or a request is withdrawn (reset). False when some core has it.
    func requestAhead() throws -> Bool {
        let mappings = try SluiceStatsMapping.open(pid: pid, writable: true, skipping: reportSkipped)
        guard !mappings.contains(where: { $0.stats.modules[module] != nil }) else { return false }
        if level == "reset" {
            let withdrawn = mappings.filter { $0.withdrawLevelRequest(module: module) }
            guard !withdrawn.isEmpty else { return false }  // neither a module nor a request: the usual error
            for mapping in withdrawn {
                print(escapedForALine("process \(pid) core \(mapping.coreID) module \(module): the level asked for ahead is withdrawn"))
            }
            return true
        }
        guard let newLevel = Sluice.level(named: level) else { return false }  // the usual error
        for mapping in mappings {
            try mapping.requestLevel(newLevel, module: module)
            print(escapedForALine("process \(pid) core \(mapping.coreID) module \(module): has not logged yet; level \(newLevel) "
                + "from its first call (sluice level \(pid) \(module) reset withdraws it)"))
        }
        return true
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the sample rate of a module in a running process; its sampling loggers see it on their next call.")

    @Argument var pid: Int32
    @Argument var module: String
    @Argument(help: "A number from 0 to 1.") var rate: String

    func run() throws {
        try inspecting {
            guard let newRate = Double(rate), (0...1).contains(newRate) else {
                throw InspectFailure(line: "sluice: '\(rate)' is not a sample rate from 0 to 1; nothing was changed")
            }
            try change(pid: pid, module: module) { mapping in
                let before = mapping.stats.modules[module]?.sampleRate
                try mapping.setSampleRate(newRate, module: module)
                return "sample rate \(before.map { "\($0)" } ?? "?") -> \(newRate)"
            }
        }
    }
}

struct Reopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running process to reopen its log files before their next write (logrotate's postrotate).")

    @Argument var pid: Int32

    func run() throws {
        try inspecting {
            let mappings = try SluiceStatsMapping.open(pid: pid, writable: true, skipping: reportSkipped)
            for mapping in mappings {
                try mapping.reopen()
                print("process \(pid) core \(mapping.coreID): reopen asked")
            }
        }
    }
}

/// Applies a change to every core of the process that has the module.
private func change(pid: Int32, module: String, _ apply: (SluiceStatsMapping) throws -> String) throws {
    let mappings = try SluiceStatsMapping.open(pid: pid, writable: true, skipping: reportSkipped)
    let having = mappings.filter { $0.stats.modules[module] != nil }
    guard !having.isEmpty else {
        let known = Set(mappings.flatMap { $0.stats.modules.keys }).sorted().joined(separator: ", ")
        throw InspectFailure(line: "sluice: process \(pid) has no module '\(module)' (its modules: \(known)); nothing was changed")
    }
    for mapping in having {
        print("process \(pid) core \(mapping.coreID) module \(module): \(try apply(mapping))")
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the processes that have a Sluice mapping.")

    @Flag(help: """
        Remove the stale mappings you own: their process is gone, or its pid was taken since         (with their ring files, once recovered).
        """)
    var removeStale = false

    func run() throws {
        try inspecting {
            let files = SluiceStatsMapping.files()
            if files.isEmpty {
                print("no Sluice mappings in \(SluiceStatsMapping.directory)")
                return
            }
            print(pad("pid", 8) + pad("core", 6) + pad("command", 18) + "state")
            for (pid, path) in files {
                let staleness = SluiceStatsMapping.staleness(of: path)
                if staleness.stale || !SluiceStatsMapping.processExists(pid) {
                    let ring = path + ".ring"
                    if SluiceRecovery.isPending(ringFile: ring) {
                        print(pad("\(pid)", 8) + pad("?", 6) + pad("?", 18)
                            + "killed: its ring still holds records; sluice recover \(pid) --output <file>")
                        continue
                    }
                    let removed = removeStale && staleness.owned && unlink(path) == 0
                    if removed {  // recovered, or never there
                        unlink(ring)
                        unlink(path + ".formats")
                    }
                    print(pad("\(pid)", 8) + pad("?", 6) + pad("?", 18)
                        + "stale: its process is gone (or its pid was taken since); "
                        + (removed ? "removed \(path)" : "remove \(path)"
                            + (staleness.owned ? " (sluice list --remove-stale)" : "")))
                    continue
                }
                do throws(SluiceError) {
                    let mapping = try SluiceStatsMapping(path: path)
                    guard mapping.pid == pid else {
                        reportSkipped("sluice: skipping \(path): its header names process \(mapping.pid), not \(pid)")
                        continue
                    }
                    print(pad("\(mapping.pid)", 8) + pad("\(mapping.coreID)", 6) + pad(escapedForALine(mapping.command), 18) + "running")
                } catch {
                    reportSkipped("sluice: skipping \(error.message.dropFirst("sluice: ".count))")
                }
            }
        }
    }
}

/// A process's cores, added up for its totals.
struct ProcessSnapshot {
    let pid: Int32
    let cores: [(id: UInt64, stats: SluiceStats)]
    let command: String

    init(pid: Int32, mappings: [SluiceStatsMapping]) {
        self.pid = pid
        cores = mappings.map { ($0.coreID, $0.stats) }
        command = mappings.first?.command ?? "?"
    }

    /// Every counter added up over the cores; the high-water mark is the deepest any ring was.
    var total: SluiceCore.Counters {
        cores.dropFirst().reduce(cores[0].stats.counters) { $0 + $1.stats.counters }
    }

    /// Modules added up over the cores.
    var modules: [String: SluiceStats.ModuleStats] {
        var merged: [String: SluiceStats.ModuleStats] = [:]
        for core in cores {
            for (name, m) in core.stats.modules {
                merged[name] = merged[name].map { $0 + m } ?? m
            }
        }
        return merged
    }

    /// The keys `sluice stat --json` promises; histograms are the first core's, and a
    /// process with several cores also lists each under "cores".
    func json() -> String {
        let t = total
        var object: [String: Any] = [
            "pid": pid, "dropped_by_level": Dictionary(uniqueKeysWithValues: t.droppedByLevel.map { ("\($0.key)", $0.value) }),
            "modules": modules.mapValues { m -> [String: Any] in
                var module: [String: Any] = [
                    "accepted": m.accepted, "written": m.written, "dropped": m.dropped, "sampled_out": m.sampledOut,
                    "sampling_keys_forgotten": m.samplingKeysForgotten, "filtered": m.filtered, "level": "\(m.level)",
                    "sample_rate": m.sampleRate,
                ]
                module["operator_level"] = m.operatorLevel.map { "\($0)" }  // only when an operator set one
                return module
            },
            "histograms": Self.histogramsJSON(cores[0].stats),
        ]
        for (name, value) in Self.counters(t) { object[name] = value }
        object["sinks"] = cores.flatMap { core in
            core.stats.sinks.map { sink -> [String: Any] in
                ["core": core.id, "name": sink.name, "level": "\(sink.level)", "format": sink.format.rawValue,
                 "written": sink.written, "bytes": sink.bytes, "write_errors": sink.writeErrors, "dropped": sink.dropped]
            }
        }
        object["rings"] = cores.flatMap { core in
            core.stats.rings.enumerated().map { index, ring -> [String: Any] in
                ["core": core.id, "ring": index, "depth_bytes": ring.depthBytes, "high_water_bytes": ring.highWaterBytes]
            }
        }
        object["render_threads"] = cores.flatMap { core in
            core.stats.renderThreadRecords.enumerated().map { index, records -> [String: Any] in
                ["core": core.id, "thread": index, "records": records]
            }
        }
        if cores.count > 1 {
            object["cores"] = cores.map { ["core": $0.id, "accepted": $0.stats.counters.accepted,
                                           "histograms": Self.histogramsJSON($0.stats)] as [String: Any] }
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Every count of the mapping (sluice_counters) but the per-level drops, by its JSON name,
    /// in the table's order: the table shows each as its name with spaces.
    static func counters(_ t: SluiceCore.Counters) -> KeyValuePairs<String, UInt64> {
        [
            "accepted": t.accepted, "written": t.written, "dropped": t.dropped,
            "dropped_full": t.droppedFull, "dropped_after_close": t.droppedAfterClose, "dropped_by_sink": t.droppedBySink,
            "dropped_abandoned": t.droppedAbandoned, "truncated": t.truncated,
            "sampled_out": t.sampledOut, "sampling_keys_forgotten": t.samplingKeysForgotten, "filtered": t.filtered,
            "bytes_written": t.bytesWritten, "write_errors": t.writeErrors, "batches": t.batches, "flushes": t.flushes,
            "rotations": t.rotations, "rotation_failures": t.rotationFailures, "reopens": t.reopens,
            "depth_bytes": t.depthBytes, "depth_records": t.depthRecords, "high_water_bytes": t.highWaterBytes,
            "ring_bytes": t.ringBytes,
        ]
    }

    /// The lines the table groups the counters in, by their JSON names.
    static let counterLines = [
        ["accepted", "written", "dropped"],
        ["dropped_full", "dropped_after_close", "dropped_by_sink", "dropped_abandoned", "truncated"],
        ["sampled_out", "sampling_keys_forgotten", "filtered"],
        ["bytes_written", "write_errors", "batches", "flushes"],
        ["rotations", "rotation_failures", "reopens"],
        ["depth_bytes", "depth_records", "high_water_bytes", "ring_bytes"],
    ]

    static func histogramsJSON(_ stats: SluiceStats) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: stats.histograms.map { histogram, h -> (String, Any) in
            (histogram.name, ["count": h.count, "p50_ns": h.p50, "p99_ns": h.p99, "p999_ns": h.p999, "max_ns": h.max])
        })
    }

    func table(since previous: (SluiceCore.Counters, Date)?) -> String {
        let t = total
        var lines = ["process \(pid) (\(escapedForALine(command))), \(cores.count) core\(cores.count == 1 ? "" : "s")"]
        func rate(_ value: UInt64, _ before: KeyPath<SluiceCore.Counters, UInt64>) -> String {
            guard let (counters, at) = previous else { return "" }
            let seconds = Date().timeIntervalSince(at)
            let delta = value >= counters[keyPath: before] ? value - counters[keyPath: before] : 0
            return seconds > 0 ? String(format: "  (%.0f/s)", Double(delta) / seconds) : ""
        }
        let counts = Dictionary(uniqueKeysWithValues: Self.counters(t).map { ($0.key, $0.value) })
        let rates: [String: KeyPath<SluiceCore.Counters, UInt64>] = ["accepted": \.accepted, "written": \.written, "dropped": \.dropped]
        for names in Self.counterLines {
            lines.append("  " + names.map { name in
                let value = counts[name] ?? 0
                return name.replacingOccurrences(of: "_", with: " ") + " \(value)" + (rates[name].map { rate(value, $0) } ?? "")
            }.joined(separator: "   "))
        }
        let shed = Logger.Level.allCases.compactMap { level in t.droppedByLevel[level].flatMap { $0 > 0 ? "\(level) \($0)" : nil } }
        lines.append("  dropped by level: " + (shed.isEmpty ? "none" : shed.joined(separator: ", ")))
        for core in cores {  // one ring per CPU: where the depth is
            let rings = core.stats.rings.enumerated().map { "\($0.offset): \($0.element.depthBytes) / \($0.element.highWaterBytes)" }
            lines.append("  rings\(cores.count > 1 ? "@\(core.id)" : "") (depth / high water bytes): " + rings.joined(separator: "   "))
            let shares = core.stats.renderThreadRecords.enumerated().map { "\($0.offset): \($0.element)" }
            if !shares.isEmpty {
                lines.append("  render threads\(cores.count > 1 ? "@\(core.id)" : "") (records rendered): " + shares.joined(separator: "   "))
            }
        }
        lines.append("")
        lines.append("  " + pad("module", 24) + pad("level", 9) + pad("rate", 8) + pad("accepted", 12) + pad("written", 12)
            + pad("dropped", 10) + pad("sampled out", 13) + "filtered")
        for (name, m) in modules.sorted(by: { $0.key < $1.key }) {  // names are the application's: escaped
            lines.append("  " + pad(escapedForALine(name), 24) + pad("\(m.level)", 9) + pad(String(format: "%g", m.sampleRate), 8)
                + pad("\(m.accepted)", 12) + pad("\(m.written)", 12) + pad("\(m.dropped)", 10)
                + pad("\(m.sampledOut)", 13) + "\(m.filtered)")
        }
        lines.append("")
        lines.append("  " + pad("takes", 10) + pad("format", 8) + pad("written", 12) + pad("bytes", 14) + pad("errors", 8)
            + pad("dropped", 10) + "sink")
        for core in cores {
            for sink in core.stats.sinks {  // the name last: a path can be long
                lines.append("  " + pad("\(sink.level)+", 10) + pad(sink.format.rawValue, 8) + pad("\(sink.written)", 12)
                    + pad("\(sink.bytes)", 14) + pad("\(sink.writeErrors)", 8) + pad("\(sink.dropped)", 10)
                    + escapedForALine(sink.name))
            }
        }
        lines.append("")
        lines.append("  " + pad("histogram", 22) + pad("count", 12) + pad("p50", 10) + pad("p99", 10) + pad("p99.9", 10) + "max")
        for core in cores {
            for histogram in SluiceHistogram.allCases {
                let name = histogram.name
                guard let h = core.stats.histograms[histogram] else { continue }
                let show = { (value: Double) in
                    histogram.isDuration ? formatNanoseconds(value) + (value < 1e5 ? "ns" : "") : String(format: "%.0f", value)
                }
                let label = cores.count > 1 ? "\(name)@\(core.id)" : name
                lines.append("  " + pad(label, 22) + pad("\(h.count)", 12) + pad(show(h.p50), 10) + pad(show(h.p99), 10)
                    + pad(show(h.p999), 10) + show(Double(h.max)))
            }
        }
        return lines.joined(separator: "\n")
    }
}
