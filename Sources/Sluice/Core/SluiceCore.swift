import CSluice
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One Sluice logging core: a bounded lock-free ring, a writer thread, a sink,
/// and the level and sample rate of each module.
///
/// Log calls on any thread copy their record into the ring and return without
/// waiting for I/O; the writer thread renders records in order and writes them
/// in batches. Loggers keep their core alive; the core is closed (drained) and
/// freed when the last reference goes, or earlier with ``close()``.
///
/// Most programs use the default core through ``Sluice``; open one directly to
/// log to a sink of its own.
public final class SluiceCore: Sendable {
    /// What a log call does when the ring has no room for its record.
    public enum Overflow: Sendable {
        /// Return at once; the record is counted as dropped and the gap is reported in the log.
        case drop
        /// Wait (sleeping, not spinning) until the writer frees room.
        case block
    }

    /// How a core is opened.
    @usableFromInline nonisolated(unsafe) let pointer: OpaquePointer
    /// What a module gets when it registers, and the modules past the table; replaced by
    /// ``reconfigure(_:timeout:)`` under the lock that registration takes too, so that no
    /// module registers with a setting just replaced.
    private let registry: Mutex<ModuleRegistry>
    /// Every custom sink this core was given (``SluiceSink``), at open and at each
    /// reconfiguration: a writer may call one until the core is freed.
    private let sinkBoxes: Mutex<[SinkBox]>
    /// Fixed at open: the ring, the threading and the call timing cannot change under running loggers.
    private let queueBytes: Int
    private let asynchronous: Bool
    private let callTimingEvery: Int
    private let warningReserve: Double
    private let warningWait: Duration
    private let flightRecorder: Int
    private let recoverable: Bool
    /// A flight recorder keeps the calls below their module's level (fixed at open).
    let keepsFiltered: Bool
    private let warnedFull = Atomic<Bool>(false)
    /// swift-log records carry their call's file, line and function: set at open and by
    /// ``reconfigure(_:timeout:)``, read relaxed by each swift-log call (no other word depends on it).
    let sourceLocation = Atomic<Bool>(false)
    /// Some sink writes swift-log's `source` (``Options/showsSource``), so swift-log records carry it:
    /// deriving it from the call's file costs every call. Set as sourceLocation is; during a
    /// reconfiguration it is true while either set of sinks may write it.
    let sourceShown = Atomic<Bool>(false)

    /// Opens a core with `configuration`, its unset settings at their defaults (no environment
    /// is read: ``Sluice`` configures the default core from it). Throws ``SluiceError`` naming the
    /// problem, opening nothing: a file that cannot be opened, a queue size that is not a power
    /// of two from 4 KiB to 1 GiB, a sample rate outside [0, 1], a call-timing rate that is not
    /// 0 or a power of two.
    public convenience init(_ configuration: SluiceConfiguration = SluiceConfiguration()) throws(SluiceError) {
        try self.init(options: Options(configuration))
    }

    init(options: Options) throws(SluiceError) {
        try Self.check(options, else: "nothing was opened")
        installFloatFormatters()
        var error = [CChar](repeating: 0, count: 512)
        let boxes = options.sinkBoxes
        let opened = options.withCOptions(boxes) { sluice_open($0, &error, error.count) }
        guard let opened else {
            throw SluiceError(message: String(cBuffer: error))
        }
        pointer = opened
        sinkBoxes = Mutex(boxes.compactMap { $0 })
        registry = Mutex(ModuleRegistry(defaults: ModuleDefaults(options)))
        queueBytes = options.queueBytes
        asynchronous = options.asynchronous
        callTimingEvery = options.callTimingEvery
        warningReserve = options.warningReserve
        warningWait = options.warningWait
        flightRecorder = options.flightRecorder
        recoverable = options.recoverable
        keepsFiltered = options.flightRecorder > 0
        sourceLocation.store(options.sourceLocation, ordering: .relaxed)
        sourceShown.store(options.showsSource, ordering: .relaxed)
        if options.reopenOnSIGHUP { Self.reopenOnSIGHUP() }
        if options.crashFlush { Self.installCrashHandler() }
    }

    /// The crash handler for every core, as the options ask; a failure is reported on stderr.
    static func installCrashHandler() {
        do {
            try Sluice.installCrashHandler()
        } catch {
            reportProblem("\(error); a crash may lose the records not yet written")
        }
    }

    private static func check(_ options: Options, else outcome: String) throws(SluiceError) {
        if let problem = options.problem {
            throw SluiceError(message: "sluice: \(problem); \(outcome)")
        }
    }

    /// Applies `configuration` (unset settings at their defaults, as ``init(_:)`` takes it) to this core in place, for every logger it has, whenever made: the
    /// level and sample rate of every module (each one as `options` gives it, run-time changes
    /// replaced), the overflow policy, and the sink. Records logged before the call go to the old
    /// sink; the writer switches between batches, waiting for the old sink at most `timeout`:
    /// a sink stuck longer (a pipe nobody reads) is reported on stderr and left to finish its
    /// write, the new one taking over when it does. A closed core opens again, its modules and
    /// counts kept. The ring's size, `synchronous` and `callTimingEvery` are fixed when a core opens:
    /// a different value is reported on stderr and the open one kept.
    ///
    /// Throws, changing nothing, when the new file cannot be opened or a value is out of range.
    public func reconfigure(_ configuration: SluiceConfiguration, timeout: Duration = .seconds(1)) throws(SluiceError) {
        try reconfigure(options: Options(configuration), timeout: timeout)
    }

    /// Closes and reopens the log file by name before the next write, for logrotate's `create`
    /// mode (it renames the file, then asks for this, or runs `sluice reopen <pid>`): records
    /// logged after the call go to the new file. Nothing to do for stderr and stdout.
    public func reopen() {
        sluice_reopen(pointer)
    }

    /// SIGHUP reopens every core's log file from now on; a failure is reported on stderr.
    static func reopenOnSIGHUP() {
        if sluice_reopen_on_sighup() != SLUICE_OK {
            reportProblem("sluice: cannot catch SIGHUP to reopen log files: \(String(cString: strerror(errno))); use sluice reopen")
        }
    }

    func reconfigure(options: Options, timeout: Duration = .seconds(1)) throws(SluiceError) {
        try Self.check(options, else: "nothing was changed")
        var error = [CChar](repeating: 0, count: 512)
        let wasShown = sourceShown.load(ordering: .relaxed)
        if options.showsSource { sourceShown.store(true, ordering: .relaxed) }  // before the new sinks can take a record
        let boxes = options.sinkBoxes
        sinkBoxes.withLock { $0 += boxes.compactMap { $0 } }  // before the writer can call them
        let result = options.withCOptions(boxes) { sluice_reconfigure(pointer, $0, Self.flushMilliseconds(timeout), &error, error.count) }
        if options.reopenOnSIGHUP { Self.reopenOnSIGHUP() }
        if options.crashFlush { Self.installCrashHandler() }
        if result == SLUICE_INVALID {
            sourceShown.store(wasShown, ordering: .relaxed)  // nothing changed
            throw SluiceError(message: String(cBuffer: error))
        }
        if result == SLUICE_TIMEOUT {
            notify(String(cBuffer: error))
        }
        sourceLocation.store(options.sourceLocation, ordering: .relaxed)
        if result == SLUICE_OK { sourceShown.store(options.showsSource, ordering: .relaxed) }  // the old sinks are done
        let fixed: [(String, String, String)] = [
            ("ring size", "\(options.queueBytes) bytes", "\(queueBytes) bytes"),
            ("asynchronous setting", "\(options.asynchronous)", "\(asynchronous)"),
            ("call timing", "1 in \(options.callTimingEvery)", "1 in \(callTimingEvery)"),
            ("warning reserve", "\(options.warningReserve)", "\(warningReserve)"),
            ("warning wait", "\(options.warningWait)", "\(warningWait)"),
            ("flight recorder", "\(options.flightRecorder) records", "\(flightRecorder) records"),
            ("recoverable setting", "\(options.recoverable)", "\(recoverable)"),
        ]
        for (setting, wanted, kept) in fixed where wanted != kept {
            notify("sluice: the \(setting) is fixed while a core is open; asked for \(wanted), keeping \(kept)")
        }
        registry.withLock { registry in
            let defaults = ModuleDefaults(options)
            registry.defaults = defaults
            var module: Int32 = 1  // 0 is the core's own
            while let name = sluice_module_name(pointer, module) {
                let name = String(cString: name)
                if module != registry.overflowID {
                    sluice_configure_module_level(pointer, module, defaults.level(of: name).sluiceLevel)
                    sluice_set_module_sample_ppm(pointer, module, defaults.rate(of: name))
                }
                module += 1
            }
            for overflow in registry.overflowed.live {
                overflow.set(level: defaults.level(of: overflow.label), rate: defaults.rate(of: overflow.label))
            }
        }
    }

    deinit {
        sluice_close(pointer)
        if sluice_left_behind(pointer) != 0 {
            // A writer stuck in a write may still call a custom sink: it must outlive the process.
            sinkBoxes.withLock { $0.forEach { _ = Unmanaged.passRetained($0) } }
        }
        sluice_free(pointer)
    }

    /// A logger for `module`. Loggers are cheap values; make one per module and keep it.
    ///
    /// Past the module table (1,023 names), a new module still logs under its own name, at the
    /// level and rate its name has from the configuration, and is counted under `sluice.overflow`;
    /// ``setLevel(_:module:)`` cannot reach it (it returns `false`), a reconfiguration does.
    public func logger(_ module: String) -> SluiceLogger {
        let name = moduleName(module)
        return registry.withLock { registry in
            let level = registry.defaults.level(of: module), rate = registry.defaults.rate(of: module)
            let id = sluice_module_configured(pointer, name, level.sluiceLevel, rate)
            if id >= 0 { return SluiceLogger(core: self, module: module, moduleID: id) }
            reportFullTable(module)
            let overflow = registry.overflowed.module(name) { OverflowModule(label: name, level: level, rate: rate) }
            let overflowID = registry.overflowID ?? max(sluice_overflow_module(pointer), 0)  // 0 only out of memory
            registry.overflowID = overflowID
            return SluiceLogger(core: self, module: module, moduleID: overflowID, overflow: overflow)
        }
    }

    /// A sampling logger for `module`, at the module's sample rate (which can change at
    /// run time), sharing its per-key counters with every sampling logger of the module.
    public func samplingLogger(_ module: String) -> SamplingLogger {
        SamplingLogger(moduleOf: logger(module))
    }

    /// Sets a module's level at run time, as `sluice level` does: its loggers, existing ones
    /// too, see it on their next call, and it wins over every level set in code (a swift-log
    /// `logger.logLevel`, a reconfiguration) until ``resetLevel(module:)``. `false`, changing
    /// nothing, for a new module past the full module table.
    @discardableResult
    public func setLevel(_ level: Logger.Level, module: String) -> Bool {
        guard let id = moduleID(module) else { return false }
        sluice_set_module_level(pointer, id, level.sluiceLevel)
        return true
    }

    /// Clears a level set at run time (``setLevel(_:module:)``, `sluice level`): the module's
    /// level is the configured one again, and levels set in code apply again. `false` for a new
    /// module past the full module table.
    @discardableResult
    public func resetLevel(module: String) -> Bool {
        guard let id = moduleID(module) else { return false }
        sluice_reset_module_level(pointer, id)
        return true
    }

    /// Sets a module's sample rate, in [0, 1]; its sampling loggers see it on their next call.
    /// `false`, changing nothing, for a rate outside [0, 1] (with one line on stderr) or a new
    /// module past the full module table.
    @discardableResult
    public func setSampleRate(_ rate: Double, module: String) -> Bool {
        guard (0...1).contains(rate) else {
            reportProblem("sluice: sample rate \(rate) for module '\(module)' is not a number from 0 to 1; the rate stays as it was")
            return false
        }
        guard let id = moduleID(module) else { return false }
        sluice_set_module_sample_ppm(pointer, id, partsPerMillion(rate, setting: "module '\(module)'"))
        return true
    }

    /// Waits until every record logged before the call is written; `false` if `timeout` passed first.
    /// A timeout of zero or less (a deadline already passed) does not wait: `true` only if everything
    /// is written already. One past 24.8 days (`Int32.max` ms) waits that long; `nil` waits without limit.
    @discardableResult
    public func flush(timeout: Duration? = nil) -> Bool {
        sluice_flush(pointer, timeout.map(Self.flushMilliseconds) ?? -1) == SLUICE_OK
    }

    /// `timeout` in whole milliseconds for `sluice_flush`, rounded up, in 0...Int32.max.
    static func flushMilliseconds(_ timeout: Duration) -> Int32 {
        guard timeout > .zero else { return 0 }
        let (seconds, attoseconds) = timeout.components
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        return Int32(seconds * 1000 + (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
    }

    /// Stops accepting records, writes every accepted one, and closes the sink.
    /// Later log calls are counted as dropped after close.
    public func close() {
        sluice_close(pointer)
    }

    /// The core's counters now (exact; accepted = written + dropped once nothing is queued).
    public var counters: Counters {
        var c = sluice_counters()
        sluice_counters_read(pointer, &c)
        return Counters(c)
    }

    /// Every counter, per-module counters and the histograms.
    public var stats: SluiceStats {
        SluiceStats(reading: sluice_core_stats(pointer))
    }

    /// The id of module `name`, registered with its configured level and rate on first use;
    /// nil past the full table.
    private func moduleID(_ name: String) -> Int32? {
        let id = registry.withLock { registry in
            sluice_module_configured(
                pointer, moduleName(name), registry.defaults.level(of: name).sluiceLevel, registry.defaults.rate(of: name))
        }
        if id >= 0 { return id }
        reportFullTable(name)
        return nil
    }

    /// A notice about this open core: on stderr, and in its log.
    package func notify(_ notice: String) {
        reportProblem(notice)
        logNotices([notice])
    }

    /// Notices about its configuration, into its own log as warnings of the module `sluice`
    /// (they went to stderr already): a service whose stderr is discarded still sees them.
    /// Not when its log is stderr, which has them.
    package func logNotices(_ notices: [String]) {
        guard !notices.isEmpty, stats.sinks.first?.name != "stderr" else { return }
        let own = logger("sluice")
        for notice in notices {
            own.warning("\(notice.hasPrefix("sluice: ") ? String(notice.dropFirst(8)) : notice)")
        }
    }

    private func reportFullTable(_ name: String) {
        if !warnedFull.exchange(true, ordering: .relaxed) {
            reportProblem(
                "sluice: the module table is full (\(SLUICE_MODULES_MAX - 1) modules); '\(name)' and later new modules keep "
                    + "their names and configured levels, are counted under '\(SLUICE_OVERFLOW_MODULE)', and cannot be set by name")
        }
    }

    /// A registrable name: a long one cut to 127 bytes on a character boundary. The empty name
    /// is a module of its own, shown as empty: a form no other name takes.
    private func moduleName(_ name: String) -> String {
        var cut = Substring(name)
        while cut.utf8.count > Int(SLUICE_MODULE_NAME_MAX) { cut = cut.dropLast() }
        return String(cut)
    }
}
