import CSluice
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
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
    public struct Options: Sendable {
        /// Ring capacity in bytes: a power of two from 4 KiB to 1 GiB.
        public var ringBytes: Int
        public var overflow: Overflow
        /// The log file, appended to and created if missing; `nil` writes to stderr. A symbolic link,
        /// a directory, a FIFO or a socket is refused: the file must be a regular file or a character device.
        public var path: String?
        /// No writer thread: each record is written on the caller's thread before the call returns.
        public var synchronous: Bool
        /// The level of modules without one of their own.
        public var level: Logger.Level
        /// Levels by module name: the exact name first, then names with the same
        /// ``Sluice/environmentName(of:)`` (one in that form wins, then the first in sorted order).
        public var moduleLevels: [String: Logger.Level]
        /// The sample rate, in [0, 1], of sampling loggers of modules without one of their own.
        public var sampleRate: Double
        /// Sample rates by module name, matched as ``moduleLevels`` are.
        public var moduleSampleRates: [String: Double]
        /// Time 1 log call in this many for the call-latency histogram: a power of two, or 0 for none.
        public var callTimingEvery: Int
        /// The permissions of a log file the core creates (less the umask).
        public var fileMode: UInt32

        public init(
            ringBytes: Int = 4 << 20, overflow: Overflow = .drop, path: String? = nil, synchronous: Bool = false,
            level: Logger.Level = .info, moduleLevels: [String: Logger.Level] = [:],
            sampleRate: Double = 1, moduleSampleRates: [String: Double] = [:], callTimingEvery: Int = 64,
            fileMode: UInt32 = 0o640
        ) {
            self.ringBytes = ringBytes
            self.overflow = overflow
            self.path = path
            self.synchronous = synchronous
            self.level = level
            self.moduleLevels = moduleLevels
            self.sampleRate = sampleRate
            self.moduleSampleRates = moduleSampleRates
            self.callTimingEvery = callTimingEvery
            self.fileMode = fileMode
        }
    }

    /// The core's counters at one moment.
    public struct Counters: Sendable, Equatable {
        /// Records handed to the core.
        public var accepted: UInt64
        /// Records written to the sink.
        public var written: UInt64
        /// Records not written: the ring was full, the core was closed, or the sink failed.
        public var dropped: UInt64
        /// The part of `dropped` logged after ``SluiceCore/close()`` began.
        public var droppedAfterClose: UInt64
        /// Records cut to the ring's largest message.
        public var truncated: UInt64
        public var bytesWritten: UInt64
        public var writeErrors: UInt64
        /// Ring bytes reserved and not yet released by the writer, as the writer last saw them.
        public var depthBytes: UInt64
        /// The deepest the ring has been, in bytes, as the writer saw it each time it released room:
        /// `ringBytes` (less a record) once the ring has filled.
        public var highWaterBytes: UInt64
        /// The part of `dropped` that found the ring full.
        public var droppedFull: UInt64
        /// The part of `dropped` the sink refused.
        public var droppedBySink: UInt64
        /// The part of `dropped` that close gave up on: committed behind a reservation never
        /// committed within close's patience, or that reservation's own late commit.
        public var droppedAbandoned: UInt64
        /// Calls a sampling logger left out.
        public var sampledOut: UInt64
        /// Sampling keys forgotten to make room for new ones (each starts again if it comes back).
        public var samplingKeysForgotten: UInt64
        /// Calls below their module's level.
        public var filtered: UInt64
        /// Writes that completed a batch.
        public var batches: UInt64
        /// Flushes that had to wait for the writer.
        public var flushes: UInt64
        /// Sink file rotations.
        public var rotations: UInt64
        /// Records accepted and neither written nor dropped yet.
        public var depthRecords: UInt64
        public var ringBytes: UInt64
    }

    @usableFromInline nonisolated(unsafe) let pointer: OpaquePointer
    /// What a module gets when it registers, and the modules past the table; replaced by
    /// ``reconfigure(_:timeout:)`` under the lock that registration takes too, so that no
    /// module registers with a setting just replaced.
    private let registry: Mutex<ModuleRegistry>
    /// Fixed at open: the ring, the threading and the call timing cannot change under running loggers.
    private let ringBytes: Int
    private let synchronous: Bool
    private let callTimingEvery: Int
    private let warnedFull = Atomic<Bool>(false)

    /// Opens a core. Throws ``SluiceError`` naming the problem: a file that cannot be
    /// opened, a ring size that is not a power of two, a sample rate outside [0, 1].
    public init(_ options: Options = Options()) throws(SluiceError) {
        try Self.check(options, else: "nothing was opened")
        installFloatFormatters()
        var c = options.cOptions
        var error = [CChar](repeating: 0, count: 512)
        let opened = options.path.withOptionalCString { path -> OpaquePointer? in
            c.path = path
            return sluice_open(&c, &error, error.count)
        }
        guard let opened else {
            throw SluiceError(message: String(cBuffer: error))
        }
        pointer = opened
        registry = Mutex(ModuleRegistry(defaults: ModuleDefaults(options)))
        ringBytes = options.ringBytes
        synchronous = options.synchronous
        callTimingEvery = options.callTimingEvery
    }

    private static func check(_ options: Options, else outcome: String) throws(SluiceError) {
        for (name, rate) in [("sampleRate", options.sampleRate)] + options.moduleSampleRates.map({ ($0.key, $0.value) })
        where !(0...1).contains(rate) {
            throw SluiceError(message: "sluice: sample rate \(rate) for \(name) is not a number from 0 to 1; \(outcome)")
        }
        guard options.callTimingEvery >= 0 else {
            throw SluiceError(message: "sluice: callTimingEvery \(options.callTimingEvery) is negative; \(outcome)")
        }
    }

    /// Applies `options` to this core in place, for every logger it has, whenever made: the
    /// level and sample rate of every module (each one as `options` gives it, run-time changes
    /// replaced), the overflow policy, and the sink. Records logged before the call go to the old
    /// sink; the writer switches between batches, waiting for the old sink at most `timeout`:
    /// a sink stuck longer (a pipe nobody reads) is reported on stderr and left to finish its
    /// write, the new one taking over when it does. A closed core opens again, its modules and
    /// counts kept. The ring's size, `synchronous` and `callTimingEvery` are fixed when a core opens:
    /// a different value is reported on stderr and the open one kept.
    ///
    /// Throws, changing nothing, when the new file cannot be opened or a value is out of range.
    public func reconfigure(_ options: Options, timeout: Duration = .seconds(1)) throws(SluiceError) {
        try Self.check(options, else: "nothing was changed")
        var c = options.cOptions
        var error = [CChar](repeating: 0, count: 512)
        let result = options.path.withOptionalCString { path -> Int32 in
            c.path = path
            return sluice_reconfigure(pointer, &c, Self.flushMilliseconds(timeout), &error, error.count)
        }
        if result == SLUICE_INVALID {
            throw SluiceError(message: String(cBuffer: error))
        }
        if result == SLUICE_TIMEOUT {
            reportProblem(String(cBuffer: error))
        }
        let fixed: [(String, String, String)] = [
            ("ring size", "\(options.ringBytes) bytes", "\(ringBytes) bytes"),
            ("synchronous setting", "\(options.synchronous)", "\(synchronous)"),
            ("call timing", "1 in \(options.callTimingEvery)", "1 in \(callTimingEvery)"),
        ]
        for (setting, wanted, kept) in fixed where wanted != kept {
            reportProblem("sluice: the \(setting) is fixed while a core is open; asked for \(wanted), keeping \(kept)")
        }
        registry.withLock { registry in
            let defaults = ModuleDefaults(options)
            registry.defaults = defaults
            var module: Int32 = 1  // 0 is the core's own
            while let name = sluice_module_name(pointer, module) {
                let name = String(cString: name)
                if module != registry.overflowID {
                    sluice_set_module_level(pointer, module, defaults.level(of: name).sluiceLevel)
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

    /// Sets a module's level; its loggers, existing ones too, see it on their next call.
    /// `false`, changing nothing, for a new module past the full module table.
    @discardableResult
    public func setLevel(_ level: Logger.Level, module: String) -> Bool {
        guard let id = moduleID(module) else { return false }
        sluice_set_module_level(pointer, id, level.sluiceLevel)
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

    private func reportFullTable(_ name: String) {
        if !warnedFull.exchange(true, ordering: .relaxed) {
            reportProblem(
                "sluice: the module table is full (\(SLUICE_MODULES_MAX - 1) modules); '\(name)' and later new modules keep "
                    + "their names and configured levels, are counted under '\(SLUICE_OVERFLOW_MODULE)', and cannot be set by name")
        }
    }

    /// A registrable name: an empty one becomes "-", a long one is cut to 127 bytes on a character boundary.
    private func moduleName(_ name: String) -> String {
        if name.isEmpty { return "-" }
        var cut = Substring(name)
        while cut.utf8.count > Int(SLUICE_MODULE_NAME_MAX) { cut = cut.dropLast() }
        return String(cut)
    }
}

private struct ModuleRegistry {
    var defaults: ModuleDefaults
    var overflowed = OverflowModules()
    /// The id of `sluice.overflow` once a module past the table made it.
    var overflowID: Int32?
}

/// The level and rate a module registers with.
private struct ModuleDefaults {
    let levels: ModuleSettings<Logger.Level>
    let rates: ModuleSettings<UInt32>
    let level: Logger.Level
    let rate: UInt32

    init(_ options: SluiceCore.Options) {
        level = options.level
        rate = partsPerMillion(options.sampleRate, setting: "sampleRate")
        levels = ModuleSettings(options.moduleLevels)
        rates = ModuleSettings(Dictionary(uniqueKeysWithValues: options.moduleSampleRates.map { module, rate in
            (module, partsPerMillion(rate, setting: "module '\(module)'"))
        }))
    }

    func level(of module: String) -> Logger.Level { levels.value(for: module) ?? level }
    func rate(of module: String) -> UInt32 { rates.value(for: module) ?? rate }
}

extension SluiceCore.Options {
    /// These options for the C core, but for the path, which must outlive the call it is passed to.
    fileprivate var cOptions: sluice_options {
        var c = sluice_options()
        sluice_options_init(&c)
        c.ring_bytes = max(ringBytes, 0)
        c.overflow = overflow == .drop ? Int32(SLUICE_OVERFLOW_DROP) : Int32(SLUICE_OVERFLOW_BLOCK)
        c.synchronous = synchronous ? 1 : 0
        c.call_timing_every = UInt32(clamping: callTimingEvery)
        c.file_mode = fileMode
        return c
    }
}

/// Why a core could not be opened.
public struct SluiceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// A rate in [0, 1] as the core's parts per million.
/// Rates are kept in millionths, to the nearest, so "exactly ⌈n·rate⌉ of n calls" holds for
/// the rate in millionths. A positive rate below half a millionth would round to "never":
/// it is used as one millionth instead, with one line on stderr naming `setting`.
func partsPerMillion(_ rate: Double, setting: @autoclosure () -> String) -> UInt32 {
    let ppm = UInt32((min(max(rate, 0), 1) * 1_000_000).rounded())
    if ppm == 0 && rate > 0 {
        reportProblem("sluice: sample rate \(rate) for \(setting()) is below one in a million, the finest Sluice keeps; using 0.000001")
        return 1
    }
    return ppm
}

/// One line on stderr, for settings that cannot be used as given.
func reportProblem(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var done = 0
        while done < bytes.count {
            let n = write(2, bytes.baseAddress! + done, bytes.count - done)
            if n <= 0 { break }
            done += n
        }
    }
}

/// Double and Float segments are rendered by the writer exactly as Swift's interpolation
/// renders them: interpolation calls the value's `write(to:)`, and so does this.
private func installFloatFormatters() {
    _ = floatFormattersInstalled
}

private let floatFormattersInstalled: Void = {
    sluice_set_float_formatters(
        { value, out, capacity in
            var sink = ByteSink(out: out, capacity: capacity)
            value.write(to: &sink)
            return sink.count
        },
        { value, out, capacity in
            var sink = ByteSink(out: out, capacity: capacity)
            value.write(to: &sink)
            return sink.count
        })
}()

/// A text stream into a C buffer, cut at its capacity. Floating-point values write
/// their ASCII digits through `_writeASCII`, so no `String` is made for them.
private struct ByteSink: TextOutputStream {
    let out: UnsafeMutablePointer<CChar>?
    let capacity: Int
    var count = 0

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        append(UnsafeRawBufferPointer(buffer))
    }

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count, capacity - count)
        if let out, let source = bytes.baseAddress, n > 0 {
            UnsafeMutableRawPointer(out + count).copyMemory(from: source, byteCount: n)
        }
        count += max(n, 0)
    }
}

extension String {
    /// The text of a C buffer up to its first NUL.
    init(cBuffer: [CChar]) {
        self.init(decoding: cBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Optional where Wrapped == String {
    fileprivate func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        switch self {
        case .some(let string): string.withCString { body($0) }
        case .none: body(nil)
        }
    }
}
