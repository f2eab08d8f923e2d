import Logging

/// The settings of a core, in the words of the environment variables. For the default
/// core (``Sluice/bootstrap(configuration:environment:)``) each one left `nil` comes from the
/// environment, and failing that from its default; a core opened directly
/// (``SluiceCore/init(_:)``) reads no environment:
///
/// | setting | variable | default |
/// |---|---|---|
/// | ``level`` | `LOG_LEVEL` | info |
/// | ``moduleLevels`` | `LOG_LEVEL_<MODULE>` | ``level`` |
/// | ``sampleRate`` | `LOG_SAMPLE_RATE` | 1 |
/// | ``moduleSampleRates`` | `LOG_SAMPLE_RATE_<MODULE>` | ``sampleRate`` |
/// | ``asynchronous`` | `ASYNC_LOGGING_ENABLED` | true |
/// | ``destination`` | `LOG_FILE` | stderr |
/// | ``queueBytes`` | `LOG_QUEUE_BYTES` | 4194304 |
/// | ``overflow`` | `LOG_OVERFLOW` (`drop`, `block`) | drop |
/// | ``warningReserve`` | `LOG_WARNING_RESERVE` | 0.125 |
/// | ``warningWait`` | `LOG_WARNING_WAIT_MS` (milliseconds) | 2 ms |
/// | ``crashFlush`` | `LOG_CRASH_FLUSH` | false |
/// | ``flightRecorder`` | `LOG_FLIGHT_RECORDER` (records) | 0 (off) |
/// | ``recoverable`` | `LOG_RECOVERABLE` | false |
/// | ``closeTimeout`` | — | 5 s |
/// | ``callTimingEvery`` | — | 64 |
/// | ``fileMode`` | — | 0o640 |
/// | ``fileMaxBytes`` | `LOG_FILE_MAX_BYTES` | 0 (never rotate) |
/// | ``fileKeep`` | `LOG_FILE_KEEP` | 5 |
/// | ``reopenOnSIGHUP`` | `LOG_REOPEN_ON_SIGHUP` | false |
/// | ``priorityPrefix`` | `LOG_STDERR_PRIORITY_PREFIX` | false |
/// | ``format`` | `LOG_FORMAT` (`text`, `logfmt`, `json`) | text |
/// | ``sourceLocation`` | `LOG_SOURCE_LOCATION` | false |
/// | ``moreSinks`` | `LOG_STDERR_LEVEL`, `LOG_STDERR_FORMAT` (with `LOG_FILE` or `LOG_SYSLOG`); `LOG_SYSLOG` with `LOG_FILE` | none |
/// | ``destination`` | `LOG_SYSLOG` (`udp://host:port`, `tcp://host:port`, `unix:///dev/log`), when `LOG_FILE` is unset | stderr |
/// | ``syslogFacility`` | `LOG_SYSLOG_FACILITY` (`user`, `daemon`, `local0` … `local7`, …) | user |
/// | ``syslogAppName`` | `LOG_SYSLOG_APP_NAME` | the program's name |
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
        case standardError
        case file(String)
        /// RFC 5424 syslog to `udp://host:port`, `tcp://host:port` (octet-counted framing) or
        /// `unix:///dev/log`; the format does not apply. A receiver that is away costs the
        /// records sent meanwhile, counted as dropped by this sink; the sink reconnects.
        case syslog(String)
    }

    /// The syslog facility of every syslog sink's lines (RFC 5424 numbers).
    public enum SyslogFacility: Int32, Sendable, CaseIterable {
        case kern = 0, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp
        case local0 = 16, local1, local2, local3, local4, local5, local6, local7
    }

    /// A sink beside the destination, with the lowest level it takes and a format of its own:
    /// `Sink(.standardError, level: .warning)` beside a JSON file puts warnings on stderr as text.
    public struct Sink: Sendable, Equatable {
        public var destination: Destination
        /// The lowest level it takes; `.trace` takes every record the modules' levels let through.
        public var level: Logger.Level
        public var format: Format
        /// On stderr or stdout, each line starts with its syslog severity (`<6>`), for journald.
        public var priorityPrefix: Bool

        public init(_ destination: Destination, level: Logger.Level = .trace, format: Format = .text, priorityPrefix: Bool = false) {
            self.destination = destination
            self.level = level
            self.format = format
            self.priorityPrefix = priorityPrefix
        }
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

    public var level: Logger.Level?
    /// Levels by module name; they win over `LOG_LEVEL_<MODULE>` (see the precedence above).
    public var moduleLevels: [String: Logger.Level]
    public var sampleRate: Double?
    /// Sample rates by module name; they win over `LOG_SAMPLE_RATE_<MODULE>`.
    public var moduleSampleRates: [String: Double]
    /// `false` writes each record on the caller's thread: the instant rollback.
    public var asynchronous: Bool?
    public var destination: Destination?
    /// The ring's size in bytes: a power of two from 4 KiB to 1 GiB.
    public var queueBytes: Int?
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
    /// How long closing (``SluiceCore/close()``, ``Sluice/shutdown()``, process exit) waits for a
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
    /// Records from swift-log carry the `file`, `line` and `function` of their call (default false).
    public var sourceLocation: Bool?
    /// Up to three sinks beside ``destination``, each with its own level and format. The
    /// destination takes every record and the core's counters are its; each sink counts its
    /// own (``SluiceStats/sinks``), and one that fails never stops the others.
    public var moreSinks: [Sink]
    /// The facility of syslog lines (default `.user`).
    public var syslogFacility: SyslogFacility?
    /// The APP-NAME of syslog lines (default: the program's name).
    public var syslogAppName: String?

    public init(
        level: Logger.Level? = nil, moduleLevels: [String: Logger.Level] = [:], sampleRate: Double? = nil,
        moduleSampleRates: [String: Double] = [:], asynchronous: Bool? = nil, destination: Destination? = nil,
        queueBytes: Int? = nil, overflow: SluiceCore.Overflow? = nil, callTimingEvery: Int? = nil, fileMode: UInt32? = nil,
        fileMaxBytes: Int? = nil, fileKeep: Int? = nil, reopenOnSIGHUP: Bool? = nil, priorityPrefix: Bool? = nil,
        format: Format? = nil, sourceLocation: Bool? = nil, moreSinks: [Sink] = [],
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
        self.overflow = overflow
        self.callTimingEvery = callTimingEvery
        self.fileMode = fileMode
        self.fileMaxBytes = fileMaxBytes
        self.fileKeep = fileKeep
        self.reopenOnSIGHUP = reopenOnSIGHUP
        self.priorityPrefix = priorityPrefix
        self.format = format
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
    public func resolve(environment: [String: String], report: (String) -> Void) -> SluiceConfiguration {
        SluiceConfiguration(options(environment: environment, report: report))
    }

    /// As ``resolve(environment:report:)``, in the form a core is opened with.
    func options(environment: [String: String], report: (String) -> Void) -> SluiceCore.Options {
        withoutActuallyEscaping(report) { report in resolve(EnvironmentParser(environment: environment, report: report)) }
    }

    private func resolve(_ parser: EnvironmentParser) -> SluiceCore.Options {
        let report = parser.report
        var options = SluiceCore.Options()

        options.level = level ?? parser.level("LOG_LEVEL", default: .info)
        options.sampleRate = checked(sampleRate, "sampleRate", rateSetting, report) {
            parser.rate("LOG_SAMPLE_RATE", default: 1)
        }
        options.sampleRate = EnvironmentParser.finest(options.sampleRate, "configuration sampleRate \(options.sampleRate)", report)
        var environmentLevels: [String: Logger.Level] = [:]
        for (module, variable) in parser.moduleVariables(prefix: "LOG_LEVEL_") {
            environmentLevels[module] = parser.level(variable, default: options.level)
        }
        var environmentRates: [String: Double] = [:]
        for (module, variable) in parser.moduleVariables(prefix: "LOG_SAMPLE_RATE_") {
            environmentRates[module] = parser.rate(variable, default: options.sampleRate)
        }
        // A bad programmatic rate falls to the next setting in the precedence: the module's
        // variable, then the global rate.
        let fallbackRates = ModuleSettings(environmentRates)
        var rates: [String: Double] = [:]
        for module in moduleSampleRates.keys.sorted() {
            let name = "moduleSampleRates[\"\(module)\"]"
            let rate = checked(moduleSampleRates[module], name, rateSetting, report) {
                fallbackRates.value(for: module) ?? options.sampleRate
            }
            rates[module] = EnvironmentParser.finest(rate, "configuration \(name) \(rate)", report)
        }
        options.moduleLevels = Self.merge(moduleLevels, over: environmentLevels)
        options.moduleSampleRates = Self.merge(rates, over: environmentRates)
        options.synchronous = !(asynchronous ?? parser.switchValue("ASYNC_LOGGING_ENABLED", default: true))
        let file = parser.destination("LOG_FILE"), syslog = parser.syslog("LOG_SYSLOG")
        // The first sink: the file, else syslog, else stderr; syslog beside a file is a second one.
        options.path = (destination ?? (file != .standardError ? file : syslog ?? .standardError)).path
        options.ringBytes = checked(queueBytes, "queueBytes", queueBytesSetting, report) {
            parser.size("LOG_QUEUE_BYTES", default: 4 << 20, queueBytesSetting)
        }
        options.overflow = overflow ?? parser.overflow("LOG_OVERFLOW", default: .drop)
        options.warningReserve = checked(warningReserve, "warningReserve", reserveSetting, report) {
            parser.reserve("LOG_WARNING_RESERVE", default: 0.125)
        }
        options.warningWait = checked(warningWait, "warningWait", waitSetting, report) {
            parser.milliseconds("LOG_WARNING_WAIT_MS", default: .milliseconds(2), waitSetting)
        }
        options.callTimingEvery = checked(callTimingEvery, "callTimingEvery", callTimingSetting, report) { 64 }
        options.fileMode = fileMode ?? options.fileMode
        options.fileMaxBytes = checked(fileMaxBytes, "fileMaxBytes", countSetting, report) {
            parser.size("LOG_FILE_MAX_BYTES", default: 0, countSetting)
        }
        options.fileKeep = checked(fileKeep, "fileKeep", keepSetting, report) { parser.count("LOG_FILE_KEEP", default: 5, keepSetting) }
        options.reopenOnSIGHUP = reopenOnSIGHUP ?? parser.switchValue("LOG_REOPEN_ON_SIGHUP", default: false)
        options.crashFlush = crashFlush ?? parser.switchValue("LOG_CRASH_FLUSH", default: false)
        options.closeTimeout = closeTimeout ?? options.closeTimeout
        options.flightRecorder = checked(flightRecorder, "flightRecorder", recorderSetting, report) {
            parser.count("LOG_FLIGHT_RECORDER", default: 0, recorderSetting)
        }
        options.recoverable = recoverable ?? parser.switchValue("LOG_RECOVERABLE", default: false)
        options.priorityPrefix = priorityPrefix ?? parser.switchValue("LOG_STDERR_PRIORITY_PREFIX", default: false)
        options.format = format ?? parser.format("LOG_FORMAT", default: .text)
        options.sourceLocation = sourceLocation ?? parser.switchValue("LOG_SOURCE_LOCATION", default: false)
        options.moreSinks = moreSinks
        if moreSinks.isEmpty {
            if let syslog, options.path != syslog.path {
                options.moreSinks.append(Sink(syslog, level: parser.level("LOG_SYSLOG_LEVEL", default: .trace)))
            }
            options.moreSinks += parser.standardErrorSink(besides: options)
        }
        options.syslogFacility = syslogFacility ?? parser.facility("LOG_SYSLOG_FACILITY", default: .user)
        options.syslogAppName = syslogAppName ?? parser.environment["LOG_SYSLOG_APP_NAME"]
        return options
    }
}

extension SluiceConfiguration {
    /// Programmatic settings over the environment's: a module named in code takes no
    /// setting from a variable of the same environment name.
    static func merge<Value>(_ programmatic: [String: Value], over environment: [String: Value]) -> [String: Value] {
        let named = Set(programmatic.keys.map(Sluice.environmentName(of:)))
        return environment.filter { !named.contains(Sluice.environmentName(of: $0.key)) }.merging(programmatic) { $1 }
    }
}

/// What a valid value of a setting is, in words and as a test.
struct Setting<Value>: Sendable {
    let expected: String
    let isValid: @Sendable (Value) -> Bool

}

let rateSetting = Setting<Double>(expected: "a number from 0 to 1") { (0...1).contains($0) }
let queueBytesSetting = Setting<Int>(expected: "a power of two from 4096 to 1073741824") {
    $0 >= 4096 && $0 <= 1 << 30 && $0 & ($0 - 1) == 0
}
let reserveSetting = Setting<Double>(expected: "a number from 0 to 0.5") { (0...0.5).contains($0) }
let waitSetting = Setting<Duration>(expected: "from 0 to 1000 milliseconds") { $0 >= .zero && $0 <= .seconds(1) }
let recorderSetting = Setting<Int>(expected: "a whole number from 0 to 1000000") { (0...1_000_000).contains($0) }
let countSetting = Setting<Int>(expected: "a whole number, 0 or more") { $0 >= 0 }
let keepSetting = Setting<Int>(expected: "a whole number from 0 to 1000") { (0...1000).contains($0) }
let callTimingSetting = Setting<Int>(expected: "0 or a power of two up to 1048576") {
    $0 >= 0 && $0 <= 1 << 20 && $0 & ($0 - 1) == 0
}

/// A programmatic value if it is valid; if it is not, one line and the next setting in the
/// precedence; without one, that next setting.
private func checked<Value>(
    _ value: Value?, _ name: String, _ setting: Setting<Value>, _ report: (String) -> Void, next: () -> Value
) -> Value {
    guard let value else { return next() }
    if setting.isValid(value) { return value }
    let fallback = next()
    report("sluice: configuration \(name) \(value) is not \(setting.expected); using \(fallback)")
    return fallback
}

/// Reads the variables of the configuration table, reporting each bad value once.
struct EnvironmentParser {
    let environment: [String: String]
    let report: (String) -> Void

    static let levelNames = "trace, debug, info, notice, warning, error, critical"

    static func parseLevel(_ text: String) -> Logger.Level? {
        switch text.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warning", "warn": .warning
        case "error", "err": .error
        case "critical", "crit": .critical
        default: nil
        }
    }

    /// (module key, variable) for each variable named prefix + module, in name order.
    func moduleVariables(prefix: String) -> [(String, String)] {
        environment.keys.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }.sorted()
            .map { (String($0.dropFirst(prefix.count)), $0) }
    }

    /// The variable's value, without the spaces around it, parsed; else one line and fallback.
    private func value<T>(_ variable: String, default fallback: T, expected: String, parse: (String) -> T?) -> T {
        guard let text = environment[variable] else { return fallback }
        if let parsed = parse(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return parsed }
        report("sluice: \(variable)=\"\(text)\" is not \(expected); using \(fallback)")
        return fallback
    }

    /// A size in bytes: a number, or one with a suffix (k, M, G, KiB, MiB, GiB: powers of 1024;
    /// KB, MB, GB: of 1000), a space between allowed. nil for anything else or past Int.
    static func parseSize(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int(digits) else { return nil }
        let units: [String: Int] = ["": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1000, "m": 1 << 20, "mib": 1 << 20,
                                    "mb": 1_000_000, "g": 1 << 30, "gib": 1 << 30, "gb": 1_000_000_000]
        let suffix = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = units[suffix] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }

    static let sizeForms = "a number of bytes, or with k, M, G, KiB, MiB, GiB for powers of 1024, KB, MB, GB for powers of 1000"

    /// A size setting: what parseSize reads, and valid for setting; a value of the wrong form
    /// or range says which forms are read (and, for a size read but refused, its bytes).
    func size(_ variable: String, default fallback: Int, _ setting: Setting<Int>) -> Int {
        guard let raw = environment[variable] else { return fallback }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = Self.parseSize(text)
        if let bytes, setting.isValid(bytes) { return bytes }
        let read = bytes.map { bytes in text.allSatisfy(\.isNumber) ? "" : ": \(text) is \(bytes) bytes" } ?? ""
        report("sluice: \(variable)=\"\(raw)\" is not \(setting.expected) (\(Self.sizeForms)\(read)); using \(fallback)")
        return fallback
    }

    /// A positive rate below half a millionth would round to "never" in the core's millionths:
    /// one millionth instead, said in a line naming where the rate came from.
    static func finest(_ rate: Double, _ source: String, _ report: (String) -> Void) -> Double {
        guard rate > 0 && rate < 0.0000005 else { return rate }
        report("sluice: \(source) is below one in a million, the finest Sluice keeps; using 0.000001")
        return 0.000001
    }

    func level(_ variable: String, default fallback: Logger.Level) -> Logger.Level {
        value(variable, default: fallback, expected: "a level (\(Self.levelNames))", parse: Self.parseLevel)
    }

    func rate(_ variable: String, default fallback: Double) -> Double {
        let rate = value(variable, default: fallback, expected: rateSetting.expected) { text in
            Double(text).flatMap { rateSetting.isValid($0) ? $0 : nil }
        }
        return Self.finest(rate, "\(variable)=\"\(environment[variable] ?? "")\"", report)
    }

    func switchValue(_ variable: String, default fallback: Bool) -> Bool {
        value(variable, default: fallback, expected: "one of true, false, 1, 0, yes, no, on, off") { text in
            switch text.lowercased() {
            case "true", "1", "yes", "on": true
            case "false", "0", "no", "off": false
            default: nil
            }
        }
    }

    func destination(_ variable: String) -> SluiceConfiguration.Destination {
        guard let path = environment[variable] else { return .standardError }
        if path.isEmpty {
            report("sluice: \(variable) is empty; using stderr")
            return .standardError
        }
        return .file(path)
    }

    /// A duration in milliseconds (a fraction of one too).
    func milliseconds(_ variable: String, default fallback: Duration, _ setting: Setting<Duration>) -> Duration {
        value(variable, default: fallback, expected: setting.expected) { text in
            Double(text).flatMap { $0.isFinite ? Duration.nanoseconds(Int64(($0 * 1e6).rounded())) : nil }
                .flatMap { setting.isValid($0) ? $0 : nil }
        }
    }

    func reserve(_ variable: String, default fallback: Double) -> Double {
        value(variable, default: fallback, expected: reserveSetting.expected) { text in
            Double(text).flatMap { reserveSetting.isValid($0) ? $0 : nil }
        }
    }

    func count(_ variable: String, default fallback: Int, _ setting: Setting<Int> = countSetting) -> Int {
        value(variable, default: fallback, expected: setting.expected) { text in Int(text).flatMap { setting.isValid($0) ? $0 : nil } }
    }

    func format(_ variable: String, default fallback: SluiceConfiguration.Format) -> SluiceConfiguration.Format {
        value(variable, default: fallback, expected: "text, logfmt or json") { SluiceConfiguration.Format(rawValue: $0.lowercased()) }
    }

    /// `LOG_STDERR_LEVEL` (and `LOG_STDERR_FORMAT`, default text) beside a log file or syslog: stderr
    /// as one more sink. Without either stderr is the only sink and takes everything: the variable is reported.
    func standardErrorSink(besides options: SluiceCore.Options) -> [SluiceConfiguration.Sink] {
        guard environment["LOG_STDERR_LEVEL"] != nil || environment["LOG_STDERR_FORMAT"] != nil else { return [] }
        guard options.path != nil else {
            report("sluice: LOG_STDERR_LEVEL and LOG_STDERR_FORMAT need LOG_FILE or LOG_SYSLOG: stderr is the only sink and takes every record; using LOG_LEVEL and LOG_FORMAT")
            return []
        }
        return [SluiceConfiguration.Sink(
            .standardError, level: level("LOG_STDERR_LEVEL", default: .trace), format: format("LOG_STDERR_FORMAT", default: .text),
            priorityPrefix: options.priorityPrefix)]
    }

    /// A syslog address, or nil when unset or not one (reported: the value is never taken for
    /// a file). An address that cannot be resolved is the core's to refuse (Sluice.apply).
    func syslog(_ variable: String) -> SluiceConfiguration.Destination? {
        guard let address = environment[variable] else { return nil }
        let outcome = environment["LOG_FILE"].map { !$0.isEmpty } ?? false ? "no syslog sink" : "logging to stderr instead"
        if address.isEmpty {
            report("sluice: \(variable) is empty; \(outcome)")
            return nil
        }
        guard ["udp://", "tcp://", "unix://"].contains(where: address.hasPrefix) else {
            report("sluice: \(variable)=\"\(address)\" is not a syslog address (udp://host:port, tcp://host:port, "
                + "unix:///path); \(outcome)")
            return nil
        }
        return .syslog(address)
    }

    func facility(_ variable: String, default fallback: SluiceConfiguration.SyslogFacility) -> SluiceConfiguration.SyslogFacility {
        value(variable, default: fallback, expected: "a facility (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, local0 to local7)") { text in
            SluiceConfiguration.SyslogFacility.allCases.first { "\($0)" == text.lowercased() }
        }
    }

    func overflow(_ variable: String, default fallback: SluiceCore.Overflow) -> SluiceCore.Overflow {
        value(variable, default: fallback, expected: "drop or block") { text in
            switch text.lowercased() {
            case "drop": .drop
            case "block": .block
            default: nil
            }
        }
    }
}
