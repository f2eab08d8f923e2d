import Logging

/// The settings of a core, in the words of the environment variables. For the default
/// core (``Sluice/bootstrap(configuration:environment:)``) each one left `nil` comes from the
/// environment, and failing that from its default; a core opened directly
/// (``SluiceCore/init(_:)``) reads no environment.
///
/// Every setting, its variable and its default are in the configuration guide
/// (docs/configuration.md), which the tests check against the settings table (`settings`), where each is
/// written once.
///
/// `<MODULE>` is the module name upper-cased, every other character but ASCII
/// letters and digits turned into `_` (``Sluice/environmentName(of:)``). A bad
/// value, in code or in the environment, never stops the program: the next setting
/// in the precedence applies (a module's rate in code, then `LOG_SAMPLE_RATE_<MODULE>`,
/// then the global rate, then the default), and one line on stderr names the
/// setting, the value, and what is used instead.
///
/// Precedence between names: a setting in code beats any variable for a name of the
/// same environment name. A module's setting is the one for its exact name, else one
/// for a name of the same environment name: one already in that form (`A_B`, or the
/// variable `LOG_LEVEL_A_B`) wins, then the first in sorted order (`a-b` before `a.b`).
public struct SluiceConfiguration: Sendable {
    /// Where records go.
    public enum Destination: Sendable, Equatable {
        /// The process's standard error.
        case standardError
        /// A file at that path, created if missing (``SluiceConfiguration/fileMode``), appended to, rotated by size or reopened (docs/shipping-logs.md).
        case file(String)
        /// RFC 5424 syslog to `udp://host:port`, `tcp://host:port` (octet-counted framing) or
        /// `unix:///dev/log`; the format does not apply. A receiver that is away costs the
        /// records sent meanwhile, counted as dropped by this sink; the sink reconnects.
        case syslog(String)
        /// A sink of your own (``SluiceSink``), under that name in ``SluiceStats/sinks`` and
        /// `sluice stat`.
        case custom(String, any SluiceSink)

        /// Whether both name the same place: a custom sink by its name and its identity.
        public static func == (a: Destination, b: Destination) -> Bool {
            switch (a, b) {
            case (.standardError, .standardError): true
            case (.file(let x), .file(let y)), (.syslog(let x), .syslog(let y)): x == y
            case (.custom(let x, let sx), .custom(let y, let sy)): x == y && SinkBox.same(sx, sy)
            default: false
            }
        }
    }

    /// The syslog facility of every syslog sink's lines (RFC 5424 numbers).
    public enum SyslogFacility: Int32, Sendable, CaseIterable {
        /// The facilities 0 to 11, as RFC 5424 names them.
        case kern = 0, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp
        /// The facilities kept for local use, 16 to 23.
        case local0 = 16, local1, local2, local3, local4, local5, local6, local7
    }

    /// A sink beside the destination, with the lowest level it takes and a format of its own:
    /// `Sink(.standardError, level: .warning)` beside a JSON file puts warnings on stderr as text.
    public struct Sink: Sendable, Equatable {
        /// Where its records go.
        public var destination: Destination
        /// The lowest level it takes; `.trace` takes every record the modules' levels let through.
        public var level: Logger.Level
        /// How it writes them; a syslog sink writes RFC 5424 whatever this says.
        public var format: Format
        /// On stderr or stdout, each line starts with its syslog severity (`<6>`), for journald.
        public var priorityPrefix: Bool
        /// Its JSON lines' names; nil: the configuration's ``SluiceConfiguration/jsonKeys``.
        public var jsonKeys: JSONKeys?

        /// A sink to `destination` taking records from `level` up, in `format`.
        public init(
            _ destination: Destination, level: Logger.Level = .trace, format: Format = .text, priorityPrefix: Bool = false,
            jsonKeys: JSONKeys? = nil
        ) {
            self.destination = destination
            self.level = level
            self.format = format
            self.priorityPrefix = priorityPrefix
            self.jsonKeys = jsonKeys
        }
    }

    /// When the log file rotates besides by size.
    public enum FileRotation: String, Sendable, CaseIterable {
        /// By ``SluiceConfiguration/fileMaxBytes`` alone (rotated files `app.log.1` … unless
        /// compressed or aged, which name them by date).
        case size
        /// Also when the hour changes: rotated files `app.log.2026-12-07T13`.
        case hourly
        /// Also when the day changes: rotated files `app.log.2026-12-07`.
        case daily
    }

    /// How rotated log files are compressed.
    public enum FileCompression: String, Sendable, CaseIterable {
        /// They stay as written.
        case off
        /// gzip (`app.log.2026-12-07T13.gz`), on a thread of its own.
        case gzip
    }

    /// The zone of the time on text lines.
    public enum Zone: String, Sendable, CaseIterable {
        /// `2026-11-29T04:08:43.123456Z`
        case utc
        /// `2026-11-29T05:08:43.123456+01:00`: the process's `TZ`, its changes (summer time)
        /// for two years ahead found when the sink opens.
        case local
    }

    /// How much of the time text lines show.
    public enum TimeFormat: String, Sendable, CaseIterable {
        /// The date and time to the microsecond, with the zone (RFC 3339).
        case full
        /// The time of day to the millisecond, `05:08:43.123`: for a console.
        case short
    }

    /// When text lines show their level in colour (ANSI escapes).
    public enum Color: String, Sendable, CaseIterable {
        /// Where the sink is a terminal, unless the process's `NO_COLOR` is set (no-color.org).
        case auto
        /// On every text sink, a file's too.
        case always
        /// Never.
        case never
    }

    /// How each record is written: one line, in every format (docs/shipping-logs.md).
    public enum Format: String, Sendable, CaseIterable {
        /// `2026-11-29T04:08:43.123456Z INFO module: message key=value`
        case text
        /// `ts=2026-11-29T04:08:43.123456Z level=info module=module msg="message" key=value`
        case logfmt
        /// `{"ts":"2026-11-29T04:08:43.123456Z","level":"info","module":"module","msg":"message","thread":4711,"key":"value"}`
        case json
    }

    /// The level of every module without one of its own (`LOG_LEVEL`; default `.info`).
    public var level: Logger.Level?
    /// Levels by module name; they win over `LOG_LEVEL_<MODULE>` (see the precedence above).
    public var moduleLevels: [String: Logger.Level]
    /// The sample rate of every module without one of its own, in [0, 1] (`LOG_SAMPLE_RATE`; default 1).
    public var sampleRate: Double?
    /// Sample rates by module name; they win over `LOG_SAMPLE_RATE_<MODULE>`.
    public var moduleSampleRates: [String: Double]
    /// `false` writes each record on the caller's thread: the instant rollback.
    public var asynchronous: Bool?
    /// Where records go (`LOG_FILE`, else `LOG_SYSLOG`; default standard error).
    public var destination: Destination?
    /// Each ring's size in bytes: a power of two from 4 KiB to 1 GiB. A core holds ``rings`` of them.
    public var queueBytes: Int?
    /// Rings, one per CPU (CPUs past it share them): a log call claims room in the ring of the
    /// CPU it runs on, so producers on different CPUs never contend, and the writer merges the
    /// rings by time, each thread's records in its order (docs/SCALING.md). 1 to 64; 0 (default):
    /// the CPUs the process may use, at most 16, and more as CPUs come online. Fixed when a core opens.
    public var rings: Int?
    /// Threads that render lines, the writer included (1 to 16): the writer takes the records in
    /// order, each thread renders a part of a batch, and every sink receives the lines in order.
    /// 0 (default): one per four CPUs the process may use from 8 CPUs on, else 1. Fixed when a core opens.
    public var renderThreads: Int?
    /// What a call does when its ring is full (`LOG_OVERFLOW`; default `.drop`: counted, never blocking).
    public var overflow: SluiceCore.Overflow?
    /// r, from 0 to 0.5 of the ring (default an eighth): how much of it each level leaves to the
    /// levels above, so that a flood of lower levels never costs a warning or an error. Notice
    /// may fill all but r, info all but 2r, trace and debug all but 4r (none of them below half
    /// the ring): at the default, debug half, info three quarters. 0: every level fills it all.
    /// Fixed when a core opens, as the ring's size is.
    public var warningReserve: Double?
    /// Under the drop policy, how long a record at warning or above that finds the ring full
    /// waits for the writer to free room before it is dropped (0 to 1 s, default 2 ms; zero: never
    /// waits). Each wait is in the `warning_wait` histogram. Fixed when a core opens.
    public var warningWait: Duration?
    /// A fatal signal first writes every record already logged (``Sluice/installCrashHandler(timeout:)``,
    /// with its 2-second deadline); once on, it stays on for the process.
    public var crashFlush: Bool?
    /// Keep the last this many records that were below their module's level, in memory, and write
    /// them just before the next error (marked as recalled): the debug context of a failure without
    /// paying for debug logging's I/O. 0 or `nil`: off. Fixed when a core opens.
    public var flightRecorder: Int?
    /// The ring lives in a file beside the statistics file, so that the records logged but not yet
    /// written when the process is killed (`kill -9`, the OOM killer) can be written afterwards by
    /// `sluice recover <pid>` (docs/when-things-go-wrong.md). Default false. Fixed when a core opens.
    public var recoverable: Bool?
    /// How long closing (``SluiceCore/close()``, ``Sluice/close()``, process exit) waits for a
    /// writer stuck in its sink (a pipe nobody reads); then it gives up, counts every record not
    /// written as dropped and leaves that thread behind (no variable; default 5 s).
    public var closeTimeout: Duration?
    /// Time 1 log call in this many for the call-latency histogram: a power of two up to
    /// 1,048,576, or 0 for none (no variable; default 64).
    public var callTimingEvery: Int?
    /// The permissions of a log file the core creates, less the umask (no variable; default 0o640).
    public var fileMode: UInt32?
    /// Rotate the log file before a write would take it past this many bytes: `app.log` →
    /// `app.log.1` … `app.log.<fileKeep>`. `nil` or 0: never (logrotate can drive it instead).
    public var fileMaxBytes: Int?
    /// Rotated files kept (default 5).
    public var fileKeep: Int?
    /// Reopen the log file on SIGHUP (default false: the application may use SIGHUP itself).
    public var reopenOnSIGHUP: Bool?
    /// With stderr or stdout as the destination, start each line with its syslog severity
    /// (`<6>` for info), which journald records as the line's priority (default false).
    public var priorityPrefix: Bool?
    /// The line format (default text): metadata becomes fields of a JSON object, nested
    /// dictionaries and arrays included, or `key=value` pairs after the message.
    public var format: Format?
    /// The names JSON lines give their keys (`LOG_JSON_KEYS`; default `.standard`): a log
    /// collector's preset (`.ecs`, `.googleCloud(project:)`, `.datadog`) or renames, for every JSON
    /// sink without names of its own.
    public var jsonKeys: JSONKeys?
    /// Rotation by time besides size (`LOG_FILE_ROTATE`; default `.size`): at the hour or the
    /// day (in local time with ``zone`` `.local`), rotated files named by date.
    public var fileRotation: FileRotation?
    /// Rotated files compressed with gzip on a thread of their own (`LOG_FILE_COMPRESS`; default `.off`).
    public var fileCompression: FileCompression?
    /// Rotated files last written longer ago are removed (`LOG_FILE_MAX_AGE`, `7d`; default 0: no limit).
    public var fileMaxAge: Duration?
    /// The zone of text lines' time (`LOG_TIME_ZONE`; default `.utc`). JSON, logfmt and syslog
    /// lines are always in UTC.
    public var zone: Zone?
    /// How much of the time text lines show (`LOG_TIME_FORMAT`; default `.full`).
    public var timeFormat: TimeFormat?
    /// Text lines with their level in colour (`LOG_COLOR`; default `.auto`: on a terminal,
    /// unless `NO_COLOR` is set). JSON, logfmt and syslog lines never are.
    public var color: Color?
    /// Records carry the `file`, `line` and `function` of their call, swift-log's and native ones
    /// (which carry swift-log's `source` then too) alike (default false).
    public var sourceLocation: Bool?
    /// Up to three sinks beside ``destination``, each with its own level and format. The
    /// destination takes every record and the core's counters are its; each sink counts its
    /// own (``SluiceStats/sinks``), and one that fails never stops the others.
    public var moreSinks: [Sink]
    /// The facility of syslog lines (default `.user`).
    public var syslogFacility: SyslogFacility?
    /// The APP-NAME of syslog lines (default: the program's name).
    public var syslogAppName: String?

    /// Settings in code, each nil or empty one left to the environment and then its default (docs/configuration.md lists them with their variables).
    public init(
        level: Logger.Level? = nil, moduleLevels: [String: Logger.Level] = [:], sampleRate: Double? = nil,
        moduleSampleRates: [String: Double] = [:], asynchronous: Bool? = nil, destination: Destination? = nil,
        queueBytes: Int? = nil, rings: Int? = nil, renderThreads: Int? = nil, overflow: SluiceCore.Overflow? = nil, callTimingEvery: Int? = nil, fileMode: UInt32? = nil,
        fileMaxBytes: Int? = nil, fileKeep: Int? = nil, fileRotation: FileRotation? = nil, fileCompression: FileCompression? = nil,
        fileMaxAge: Duration? = nil, reopenOnSIGHUP: Bool? = nil, priorityPrefix: Bool? = nil,
        format: Format? = nil, jsonKeys: JSONKeys? = nil, zone: Zone? = nil, timeFormat: TimeFormat? = nil, color: Color? = nil, sourceLocation: Bool? = nil, moreSinks: [Sink] = [],
        syslogFacility: SyslogFacility? = nil, syslogAppName: String? = nil, warningReserve: Double? = nil,
        warningWait: Duration? = nil, crashFlush: Bool? = nil, flightRecorder: Int? = nil, closeTimeout: Duration? = nil, recoverable: Bool? = nil
    ) {
        self.level = level
        self.moduleLevels = moduleLevels
        self.sampleRate = sampleRate
        self.moduleSampleRates = moduleSampleRates
        self.asynchronous = asynchronous
        self.destination = destination
        self.queueBytes = queueBytes
        self.rings = rings
        self.renderThreads = renderThreads
        self.overflow = overflow
        self.callTimingEvery = callTimingEvery
        self.fileMode = fileMode
        self.fileMaxBytes = fileMaxBytes
        self.fileKeep = fileKeep
        self.reopenOnSIGHUP = reopenOnSIGHUP
        self.priorityPrefix = priorityPrefix
        self.format = format
        self.jsonKeys = jsonKeys
        self.fileRotation = fileRotation
        self.fileCompression = fileCompression
        self.fileMaxAge = fileMaxAge
        self.zone = zone
        self.timeFormat = timeFormat
        self.color = color
        self.sourceLocation = sourceLocation
        self.moreSinks = moreSinks
        self.syslogFacility = syslogFacility
        self.syslogAppName = syslogAppName
        self.warningReserve = warningReserve
        self.warningWait = warningWait
        self.crashFlush = crashFlush
        self.flightRecorder = flightRecorder
        self.closeTimeout = closeTimeout
        self.recoverable = recoverable
    }

    /// Every setting decided: these settings, then the environment's, then the defaults.
    /// Each value that cannot be used is passed to `report` as one line, and the next
    /// setting in the precedence used instead.
    package func resolve(environment: [String: String], report: (String) -> Void) -> SluiceConfiguration {
        withoutActuallyEscaping(report) { report in
            let parser = EnvironmentParser(environment: environment, report: report)
            var resolved = SluiceConfiguration()
            for setting in Self.settings { setting.resolve(self, parser, &resolved) }
            return resolved
        }
    }

    /// As ``resolve(environment:report:)``, in the form a core is opened with.
    func options(environment: [String: String], report: (String) -> Void) -> SluiceCore.Options {
        SluiceCore.Options(resolve(environment: environment, report: report))
    }
}
