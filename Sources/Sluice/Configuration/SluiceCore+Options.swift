import CSluice
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C core's own defaults (`sluice_options_init`): the settings the core has, defaulted there alone.
private var coreDefaults: sluice_options {
    var c = sluice_options()
    sluice_options_init(&c)
    return c
}

extension SluiceCore {
    /// A configuration with every setting decided: what a core is opened with. Each property's
    /// initial value is that setting's default, written here once (those the C core has, in
    /// `sluice_options_init`); ``SluiceConfiguration/settings`` reads them from here.
    struct Options: Sendable {
        /// The level of modules without one of their own.
        var level = Logger.Level.info
        /// Levels by module name: the exact name first, then names with the same
        /// ``Sluice/environmentName(of:)`` (one in that form wins, then the first in sorted order).
        var moduleLevels: [String: Logger.Level] = [:]
        /// The sample rate, in [0, 1], of sampling loggers of modules without one of their own.
        var sampleRate = 1.0
        /// Sample rates by module name, matched as ``moduleLevels`` are.
        var moduleSampleRates: [String: Double] = [:]
        /// False: no writer thread; each record is written on the caller's thread before the call returns.
        var asynchronous = true
        /// The first sink. A file is appended to and created if missing; a symbolic link, a
        /// directory, a FIFO or a socket is refused: it must be a regular file or a character device.
        var destination = SluiceConfiguration.Destination.standardError
        /// Each ring's capacity in bytes: a power of two from 4 KiB to 1 GiB.
        var queueBytes = Int(coreDefaults.ring_bytes)
        /// Rings, one per CPU; 0: as many as the CPUs the process may use, at most 16.
        var rings = Int(coreDefaults.ring_count)
        /// Threads that render lines, the writer included; 0: one per four CPUs from 8 on, else 1.
        var renderThreads = Int(coreDefaults.render_threads)
        var overflow: Overflow = coreDefaults.overflow == Int32(SLUICE_OVERFLOW_BLOCK) ? .block : .drop
        /// How much of the ring each level leaves to the levels above (SluiceConfiguration.warningReserve).
        var warningReserve = Double(coreDefaults.warning_reserve_permille) / 1000
        /// How long warning and above wait for room under the drop policy.
        var warningWait = Duration.microseconds(coreDefaults.warning_wait_us)
        /// A fatal signal first writes what was logged.
        var crashFlush = false
        /// Records below their level kept for the next error; 0: none.
        var flightRecorder = Int(coreDefaults.flight_recorder_records)
        /// The ring lives in a file that outlives a kill, for `sluice recover`.
        var recoverable = coreDefaults.recoverable != 0
        /// How long closing waits for a writer stuck in its sink.
        var closeTimeout = Duration.milliseconds(coreDefaults.close_timeout_ms)
        /// Time 1 log call in this many for the call-latency histogram: a power of two, or 0 for none.
        var callTimingEvery = Int(coreDefaults.call_timing_every)
        /// The permissions of a log file the core creates (less the umask).
        var fileMode = coreDefaults.file_mode
        /// Rotate the log file before a write would take it past this many bytes; 0: never.
        var fileMaxBytes = Int(coreDefaults.file_max_bytes)
        /// Rotated files kept.
        var fileKeep = Int(coreDefaults.file_keep)
        /// Rotation by time besides size.
        var fileRotation = SluiceConfiguration.FileRotation.size
        /// Rotated files compressed.
        var fileCompression = SluiceConfiguration.FileCompression.off
        /// Rotated files older than this are removed; zero: no limit.
        var fileMaxAge = Duration.seconds(Int64(coreDefaults.file_max_age_s))
        /// SIGHUP reopens the log file of every core.
        var reopenOnSIGHUP = false
        /// Lines on stderr or stdout start with their syslog severity (`<6>`), for journald.
        var priorityPrefix = coreDefaults.stream_priority_prefix != 0
        var format = SluiceConfiguration.Format(sluiceFormat: coreDefaults.format)
        /// The names of JSON lines, of every JSON sink without its own.
        var jsonKeys = SluiceConfiguration.JSONKeys.standard
        /// The zone of text lines' time.
        var zone = coreDefaults.local_time != 0 ? SluiceConfiguration.Zone.local : .utc
        /// How much of the time text lines show.
        var timeFormat = coreDefaults.short_time != 0 ? SluiceConfiguration.TimeFormat.short : .full
        /// Text lines with their level in colour: on a terminal unless asked otherwise.
        var color = SluiceConfiguration.Color.auto
        /// swift-log records carry their call's file, line and function.
        var sourceLocation = false
        var moreSinks: [SluiceConfiguration.Sink] = []
        var syslogFacility = SluiceConfiguration.SyslogFacility(rawValue: coreDefaults.syslog_facility) ?? .user
        /// nil: the program's name.
        var syslogAppName: String?

        /// Every setting at its default.
        static let defaults = Options()
    }
}

extension SluiceCore.Options {
    /// The boxes of the custom sinks among the destination and the sinks beside it, in order;
    /// nil for the others. The core keeps them for as long as its writer may call them.
    var sinkBoxes: [SinkBox?] {
        ([destination] + moreSinks.map(\.destination)).map { destination in
            if case .custom(_, let sink) = destination { return SinkBox(sink) }
            return nil
        }
    }

    /// Calls body with these options for the C core, every path and sink function alive until it
    /// returns; boxes: ``sinkBoxes``.
    func withCOptions<R>(_ boxes: [SinkBox?], _ body: (UnsafePointer<sluice_options>) -> R) -> R {
        var c = cOptions
        let functions = boxes.map { $0?.function ?? sluice_sink_function() }
        let paths = ([destination.path] + moreSinks.map(\.destination.path)).map { $0.map { strdup($0)! } }
        let appName = syslogAppName.map { strdup($0)! }
        let keys = ([jsonKeys] + moreSinks.map { $0.jsonKeys ?? jsonKeys }).map { strdup($0.description)! }
        defer {
            paths.forEach { free($0) }
            keys.forEach { free($0) }
            free(appName)
        }
        c.path = UnsafePointer(paths[0])
        c.json_keys = UnsafePointer(keys[0])
        c.syslog_app_name = UnsafePointer(appName)
        return functions.withUnsafeBufferPointer { functions in
            // Each sink's function, if it has one: a pointer into functions, which outlives body.
            func function(_ index: Int) -> UnsafePointer<sluice_sink_function>? {
                boxes[index] == nil ? nil : functions.baseAddress! + index
            }
            c.sink_function = function(0)
            let more = moreSinks.enumerated().map { index, sink in
                sluice_sink_options(
                    path: UnsafePointer(paths[index + 1]), function: function(index + 1), level: sink.level.sluiceLevel,
                    format: sink.format.sluiceFormat, stream_priority_prefix: sink.priorityPrefix ? 1 : 0,
                    json_keys: UnsafePointer(keys[index + 1]))
            }
            return more.withUnsafeBufferPointer { more in
                c.more_sinks = more.baseAddress
                c.more_sink_count = more.count
                return body(&c)
            }
        }
    }

    /// These options for the C core, but for the paths, which must outlive the call they are passed to.
    private var cOptions: sluice_options {
        var c = sluice_options()
        sluice_options_init(&c)
        c.ring_bytes = max(queueBytes, 0)
        c.ring_count = UInt32(clamping: rings)
        c.render_threads = UInt32(clamping: renderThreads)
        c.overflow = overflow == .drop ? Int32(SLUICE_OVERFLOW_DROP) : Int32(SLUICE_OVERFLOW_BLOCK)
        c.synchronous = asynchronous ? 0 : 1
        c.call_timing_every = UInt32(clamping: callTimingEvery)
        c.file_mode = fileMode
        c.file_max_bytes = UInt64(clamping: fileMaxBytes)
        c.file_keep = UInt32(clamping: fileKeep)
        c.file_rotate = switch fileRotation {
        case .size: Int32(SLUICE_ROTATE_BY_SIZE)
        case .hourly: Int32(SLUICE_ROTATE_HOURLY)
        case .daily: Int32(SLUICE_ROTATE_DAILY)
        }
        c.file_compress = fileCompression == .gzip ? 1 : 0
        c.file_max_age_s = UInt64(clamping: max(fileMaxAge.components.seconds, 0))
        c.stream_priority_prefix = priorityPrefix ? 1 : 0
        c.format = format.sluiceFormat
        c.local_time = zone == .local ? 1 : 0
        c.short_time = timeFormat == .short ? 1 : 0
        c.color = switch color {
        case .never: Int32(SLUICE_COLOR_NEVER)
        case .always: Int32(SLUICE_COLOR_ALWAYS)
        case .auto: Int32(SLUICE_COLOR_AUTO)
        }
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
        case .file(let path), .syslog(let path), .custom(let path, _): path
        }
    }
}
