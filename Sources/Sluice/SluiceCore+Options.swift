import CSluice
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SluiceCore {
    /// A configuration with every setting decided: what a core is opened with.
    struct Options: Sendable {
        /// Ring capacity in bytes: a power of two from 4 KiB to 1 GiB.
        var ringBytes: Int
        var overflow: Overflow
        /// The log file, appended to and created if missing, or a syslog address (`udp://`, `tcp://`,
        /// `unix://`); `nil` writes to stderr. A symbolic link, a directory, a FIFO or a socket is
        /// refused: the file must be a regular file or a character device.
        var path: String?
        /// No writer thread: each record is written on the caller's thread before the call returns.
        var synchronous: Bool
        /// The level of modules without one of their own.
        var level: Logger.Level
        /// Levels by module name: the exact name first, then names with the same
        /// ``Sluice/environmentName(of:)`` (one in that form wins, then the first in sorted order).
        var moduleLevels: [String: Logger.Level]
        /// The sample rate, in [0, 1], of sampling loggers of modules without one of their own.
        var sampleRate: Double
        /// Sample rates by module name, matched as ``moduleLevels`` are.
        var moduleSampleRates: [String: Double]
        /// Time 1 log call in this many for the call-latency histogram: a power of two, or 0 for none.
        var callTimingEvery: Int
        /// The permissions of a log file the core creates (less the umask).
        var fileMode: UInt32
        /// Rotate the log file before a write would take it past this many bytes; 0: never.
        var fileMaxBytes: Int
        /// Rotated files kept.
        var fileKeep: Int
        /// SIGHUP reopens the log file of every core.
        var reopenOnSIGHUP = false
        /// Lines on stderr or stdout start with their syslog severity (`<6>`), for journald.
        var priorityPrefix = false
        var format = SluiceConfiguration.Format.text
        /// swift-log records carry their call's file, line and function.
        var sourceLocation = false
        var moreSinks: [SluiceConfiguration.Sink] = []
        var syslogFacility = SluiceConfiguration.SyslogFacility.user
        var syslogAppName: String?
        /// How much of the ring each level leaves to the levels above (SluiceConfiguration.warningReserve).
        var warningReserve = 0.125
        /// How long warning and above wait for room under the drop policy.
        var warningWait = Duration.milliseconds(2)
        /// A fatal signal first writes what was logged.
        var crashFlush = false
        /// Records below their level kept for the next error; 0: none.
        var flightRecorder = 0
        /// How long closing waits for a writer stuck in its sink.
        var closeTimeout = Duration.seconds(5)
        /// The ring lives in a file that outlives a kill, for `sluice recover`.
        var recoverable = false

        init(
            ringBytes: Int = 4 << 20, overflow: Overflow = .drop, path: String? = nil, synchronous: Bool = false,
            level: Logger.Level = .info, moduleLevels: [String: Logger.Level] = [:],
            sampleRate: Double = 1, moduleSampleRates: [String: Double] = [:], callTimingEvery: Int = 64,
            fileMode: UInt32 = 0o640, fileMaxBytes: Int = 0, fileKeep: Int = 5
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
            self.fileMaxBytes = fileMaxBytes
            self.fileKeep = fileKeep
        }
    }

    /// The core's counters at one moment.
}

extension SluiceCore.Options {
    /// Calls body with these options for the C core, every path alive until it returns.
    func withCOptions<R>(_ body: (UnsafePointer<sluice_options>) -> R) -> R {
        var c = cOptions
        let paths = ([path] + moreSinks.map(\.destination.path)).map { $0.map { strdup($0)! } }
        let appName = syslogAppName.map { strdup($0)! }
        defer {
            paths.forEach { free($0) }
            free(appName)
        }
        c.path = UnsafePointer(paths[0])
        c.syslog_app_name = UnsafePointer(appName)
        let more = moreSinks.enumerated().map { index, sink in
            sluice_sink_options(
                path: UnsafePointer(paths[index + 1]), level: sink.level.sluiceLevel, format: sink.format.sluiceFormat,
                stream_priority_prefix: sink.priorityPrefix ? 1 : 0)
        }
        return more.withUnsafeBufferPointer { more in
            c.more_sinks = more.baseAddress
            c.more_sink_count = more.count
            return body(&c)
        }
    }

    /// These options for the C core, but for the paths, which must outlive the call they are passed to.
    private var cOptions: sluice_options {
        var c = sluice_options()
        sluice_options_init(&c)
        c.ring_bytes = max(ringBytes, 0)
        c.overflow = overflow == .drop ? Int32(SLUICE_OVERFLOW_DROP) : Int32(SLUICE_OVERFLOW_BLOCK)
        c.synchronous = synchronous ? 1 : 0
        c.call_timing_every = UInt32(clamping: callTimingEvery)
        c.file_mode = fileMode
        c.file_max_bytes = UInt64(clamping: fileMaxBytes)
        c.file_keep = UInt32(clamping: fileKeep)
        c.stream_priority_prefix = priorityPrefix ? 1 : 0
        c.format = format.sluiceFormat
        c.syslog_facility = syslogFacility.rawValue
        c.warning_reserve_permille = UInt32((max(0, warningReserve) * 1000).rounded())
        c.warning_wait_us = UInt32(clamping: (warningWait.components.seconds * 1_000_000)
            + warningWait.components.attoseconds / 1_000_000_000_000)
        c.flight_recorder_records = UInt32(clamping: flightRecorder)
        c.close_timeout_ms = SluiceCore.flushMilliseconds(closeTimeout)
        c.recoverable = recoverable ? 1 : 0
        return c
    }
}

extension SluiceCore.Options {
    /// `configuration` as it is, its unset settings at their defaults, no environment read:
    /// a value out of range stays, for the core to refuse.
    init(_ configuration: SluiceConfiguration) {
        let defaults = SluiceCore.Options()
        self.init(
            ringBytes: configuration.queueBytes ?? defaults.ringBytes, overflow: configuration.overflow ?? defaults.overflow,
            path: configuration.destination?.path,
            synchronous: configuration.asynchronous.map { !$0 } ?? defaults.synchronous,
            level: configuration.level ?? defaults.level, moduleLevels: configuration.moduleLevels,
            sampleRate: configuration.sampleRate ?? defaults.sampleRate, moduleSampleRates: configuration.moduleSampleRates,
            callTimingEvery: configuration.callTimingEvery ?? defaults.callTimingEvery,
            fileMode: configuration.fileMode ?? defaults.fileMode,
            fileMaxBytes: configuration.fileMaxBytes ?? defaults.fileMaxBytes,
            fileKeep: configuration.fileKeep ?? defaults.fileKeep)
        reopenOnSIGHUP = configuration.reopenOnSIGHUP ?? false
        priorityPrefix = configuration.priorityPrefix ?? false
        format = configuration.format ?? .text
        sourceLocation = configuration.sourceLocation ?? false
        moreSinks = configuration.moreSinks
        syslogFacility = configuration.syslogFacility ?? .user
        syslogAppName = configuration.syslogAppName
        warningReserve = configuration.warningReserve ?? 0.125
        warningWait = configuration.warningWait ?? .milliseconds(2)
        crashFlush = configuration.crashFlush ?? false
        flightRecorder = configuration.flightRecorder ?? 0
        closeTimeout = configuration.closeTimeout ?? .seconds(5)
        recoverable = configuration.recoverable ?? false
    }
}

extension SluiceConfiguration {
    /// Every setting of `options`, none left to the environment.
    init(_ options: SluiceCore.Options) {
        self.init(
            level: options.level, moduleLevels: options.moduleLevels, sampleRate: options.sampleRate,
            moduleSampleRates: options.moduleSampleRates, asynchronous: !options.synchronous,
            destination: options.destination, queueBytes: options.ringBytes,
            overflow: options.overflow, callTimingEvery: options.callTimingEvery, fileMode: options.fileMode,
            fileMaxBytes: options.fileMaxBytes, fileKeep: options.fileKeep, reopenOnSIGHUP: options.reopenOnSIGHUP,
            priorityPrefix: options.priorityPrefix, format: options.format, sourceLocation: options.sourceLocation,
            moreSinks: options.moreSinks, syslogFacility: options.syslogFacility, syslogAppName: options.syslogAppName,
            warningReserve: options.warningReserve, warningWait: options.warningWait, crashFlush: options.crashFlush,
            flightRecorder: options.flightRecorder, closeTimeout: options.closeTimeout,
            recoverable: options.recoverable)
    }
}

extension SluiceConfiguration.Format {
    /// The format of the C core's number; text for one it does not know.
    init(sluiceFormat: Int32) {
        self = Self.allCases.first { $0.sluiceFormat == sluiceFormat } ?? .text
    }

    /// The C core's number for this format.
    var sluiceFormat: Int32 {
        switch self {
        case .text: Int32(SLUICE_FORMAT_TEXT)
        case .logfmt: Int32(SLUICE_FORMAT_LOGFMT)
        case .json: Int32(SLUICE_FORMAT_JSON)
        }
    }
}

extension SluiceCore.Options {
    /// The first sink, as a configuration names it.
    var destination: SluiceConfiguration.Destination {
        guard let path else { return .standardError }
        return ["udp://", "tcp://", "unix://"].contains { path.hasPrefix($0) } ? .syslog(path) : .file(path)
    }

    /// Some sink writes swift-log's `source`: every format but text does (logfmt, JSON, and
    /// syslog's structured data); a text line names its module already.
    var showsSource: Bool {
        ([(destination, format)] + moreSinks.map { ($0.destination, $0.format) }).contains { destination, format in
            if case .syslog = destination { return true }
            return format != .text
        }
    }
}

extension SluiceConfiguration.Destination {
    /// What the C core takes as a sink's path: the file's, the syslog address, or `nil` for stderr.
    var path: String? {
        switch self {
        case .standardError: nil
        case .file(let path), .syslog(let path): path
        }
    }
}
