import Logging

/// What a valid value of a setting is, in words and as a test.
struct Setting<Value>: Sendable {
    let expected: String
    let isValid: @Sendable (Value) -> Bool
}

let rateSetting = Setting<Double>(expected: "a number from 0 to 1") { (0...1).contains($0) }
let queueBytesSetting = Setting<Int>(expected: "a power of two from 4096 to 1073741824") {
    $0 >= 4096 && $0 <= 1 << 30 && $0 & ($0 - 1) == 0
}
let ringsSetting = Setting<Int>(expected: "a whole number from 0 (one per CPU) to 64") { (0...64).contains($0) }
let renderThreadsSetting = Setting<Int>(expected: "a whole number from 0 (from the CPU count) to 16") { (0...16).contains($0) }
let reserveSetting = Setting<Double>(expected: "a number from 0 to 0.5") { (0...0.5).contains($0) }
let waitSetting = Setting<Duration>(expected: "from 0 to 1000 milliseconds") { $0 >= .zero && $0 <= .seconds(1) }
let recorderSetting = Setting<Int>(expected: "a whole number from 0 to 1000000") { (0...1_000_000).contains($0) }
let countSetting = Setting<Int>(expected: "a whole number, 0 or more") { $0 >= 0 }
let keepSetting = Setting<Int>(expected: "a whole number from 0 to 1000") { (0...1000).contains($0) }
let ageSetting = Setting<Duration>(expected: "0 or more, in seconds (s), minutes (m), hours (h) or days (d): 7d") { $0 >= .zero }
let callTimingSetting = Setting<Int>(expected: "0 or a power of two up to 1048576") {
    $0 >= 0 && $0 <= 1 << 20 && $0 & ($0 - 1) == 0
}

/// One setting of ``SluiceConfiguration``, everything about it in one place: its property, its
/// variable, its default (the initial value of its `SluiceCore.Options` property), what a valid
/// value is, and how its variable reads. ``SluiceConfiguration/settings`` lists them all;
/// resolving a configuration, opening a core from one and checking one iterate that list.
package struct ConfigurationSetting {
    /// The property's name, as messages and the configuration guide name it.
    package let name: String
    /// The variables it reads, as the configuration guide names them ("—": none).
    package let variables: String
    /// Its default, as the configuration guide writes it.
    package let defaultText: String
    /// The setting decided into resolved: the configuration's value if it is valid, else (one
    /// line to report) the variable's, else the default. Settings resolved before it are in resolved.
    let resolve: (_ given: SluiceConfiguration, _ parser: EnvironmentParser, _ resolved: inout SluiceConfiguration) -> Void
    /// The configuration's value, else the default, into options as it is: a bad value stays,
    /// for ``problem`` to refuse.
    let adopt: (_ configuration: SluiceConfiguration, _ options: inout SluiceCore.Options) -> Void
    /// Why options' value cannot open a core, or nil (a setting with nothing to check).
    var problem: (_ options: SluiceCore.Options) -> String? = { _ in nil }
}

extension ConfigurationSetting {
    /// A setting with one value: `property` in a configuration, `option` in a core's options.
    static func value<Value>(
        _ name: String, _ property: WritableKeyPath<SluiceConfiguration, Value?>,
        _ option: WritableKeyPath<SluiceCore.Options, Value>, variable: String? = nil, check: Setting<Value>? = nil,
        read: ((EnvironmentParser, String, Value) -> Value)? = nil, show: @escaping (Value) -> String = { "\($0)" }
    ) -> ConfigurationSetting {
        let fallback = SluiceCore.Options.defaults[keyPath: option]
        return ConfigurationSetting(
            name: name, variables: variable.map { "`\($0)`" } ?? "—", defaultText: show(fallback),
            resolve: { given, parser, resolved in
                let next = { variable.flatMap { variable in read.map { $0(parser, variable, fallback) } } ?? fallback }
                resolved[keyPath: property] = checked(given[keyPath: property], name, check, parser.report, next: next)
            },
            adopt: { configuration, options in
                if let value = configuration[keyPath: property] { options[keyPath: option] = value }
            },
            problem: { options in
                let value = options[keyPath: option]
                guard let check, !check.isValid(value) else { return nil }
                return "\(name) \(value) is not \(check.expected)"
            })
    }
}

/// A programmatic value if it is valid; if it is not, one line and the next setting in the
/// precedence; without one, that next setting.
func checked<Value>(
    _ value: Value?, _ name: String, _ setting: Setting<Value>?, _ report: (String) -> Void, next: () -> Value
) -> Value {
    guard let value else { return next() }
    guard let setting, !setting.isValid(value) else { return value }
    let fallback = next()
    report("sluice: configuration \(name) \(value) is not \(setting.expected); using \(fallback)")
    return fallback
}

extension SluiceConfiguration {
    /// Every variable the settings read, in their order, but the per-module ones
    /// (`LOG_LEVEL_<MODULE>`, `LOG_SAMPLE_RATE_<MODULE>`): the keys another source of
    /// settings (SluiceConfigurationReader) looks up.
    package static var variableNames: [String] {
        var names: [String] = []
        for setting in settings {
            for (index, part) in setting.variables.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            where index % 2 == 1 && !part.contains("<") && !names.contains(String(part)) {
                names.append(String(part))
            }
        }
        return names
    }

    /// Every setting, in the order they are decided: a setting may use those before it (a
    /// module's level defaults to `level`; the sinks beside the destination follow it).
    package static var settings: [ConfigurationSetting] {
        [
            .value("level", \.level, \.level, variable: "LOG_LEVEL") { $0.level($1, default: $2) },
            moduleLevelsSetting,
            sampleRate,
            moduleSampleRatesSetting,
            .value("asynchronous", \.asynchronous, \.asynchronous, variable: "ASYNC_LOGGING_ENABLED") {
                $0.switchValue($1, default: $2)
            },
            destinationSetting,
            .value("queueBytes", \.queueBytes, \.queueBytes, variable: "LOG_QUEUE_BYTES", check: queueBytesSetting) {
                $0.size($1, default: $2, queueBytesSetting)
            },
            .value("rings", \.rings, \.rings, variable: "LOG_RINGS", check: ringsSetting) {
                $0.count($1, default: $2, ringsSetting)
            },
            .value("renderThreads", \.renderThreads, \.renderThreads, variable: "LOG_RENDER_THREADS",
                   check: renderThreadsSetting) { $0.count($1, default: $2, renderThreadsSetting) },
            .value("overflow", \.overflow, \.overflow, variable: "LOG_OVERFLOW", read: { $0.overflow($1, default: $2) },
                   show: { "`.\($0)`" }),
            .value("crashFlush", \.crashFlush, \.crashFlush, variable: "LOG_CRASH_FLUSH") { $0.switchValue($1, default: $2) },
            .value("flightRecorder", \.flightRecorder, \.flightRecorder, variable: "LOG_FLIGHT_RECORDER", check: recorderSetting) {
                $0.count($1, default: $2, recorderSetting)
            },
            .value("recoverable", \.recoverable, \.recoverable, variable: "LOG_RECOVERABLE") { $0.switchValue($1, default: $2) },
            .value("closeTimeout", \.closeTimeout, \.closeTimeout, show: Self.describe),
            .value("warningReserve", \.warningReserve, \.warningReserve, variable: "LOG_WARNING_RESERVE", check: reserveSetting) {
                $0.number($1, default: $2, reserveSetting)
            },
            .value("warningWait", \.warningWait, \.warningWait, variable: "LOG_WARNING_WAIT_MS", check: waitSetting,
                   read: { $0.milliseconds($1, default: $2, waitSetting) }, show: Self.describe),
            .value("callTimingEvery", \.callTimingEvery, \.callTimingEvery, check: callTimingSetting),
            .value("fileMode", \.fileMode, \.fileMode, show: { "0o" + String($0, radix: 8) }),
            .value("fileMaxBytes", \.fileMaxBytes, \.fileMaxBytes, variable: "LOG_FILE_MAX_BYTES", check: countSetting) {
                $0.size($1, default: $2, countSetting)
            },
            .value("fileKeep", \.fileKeep, \.fileKeep, variable: "LOG_FILE_KEEP", check: keepSetting) {
                $0.count($1, default: $2, keepSetting)
            },
            .value("fileRotation", \.fileRotation, \.fileRotation, variable: "LOG_FILE_ROTATE",
                   read: { $0.fileRotation($1, default: $2) }, show: { "`.\($0)`" }),
            .value("fileCompression", \.fileCompression, \.fileCompression, variable: "LOG_FILE_COMPRESS",
                   read: { $0.fileCompression($1, default: $2) }, show: { "`.\($0)`" }),
            .value("fileMaxAge", \.fileMaxAge, \.fileMaxAge, variable: "LOG_FILE_MAX_AGE", check: ageSetting,
                   read: { $0.age($1, default: $2, ageSetting) }, show: { $0 == .zero ? "0" : Self.describe($0) }),
            .value("reopenOnSIGHUP", \.reopenOnSIGHUP, \.reopenOnSIGHUP, variable: "LOG_REOPEN_ON_SIGHUP") {
                $0.switchValue($1, default: $2)
            },
            .value("priorityPrefix", \.priorityPrefix, \.priorityPrefix, variable: "LOG_STDERR_PRIORITY_PREFIX") {
                $0.switchValue($1, default: $2)
            },
            .value("format", \.format, \.format, variable: "LOG_FORMAT", read: { $0.format($1, default: $2) }, show: { "`.\($0)`" }),
            .value("jsonKeys", \.jsonKeys, \.jsonKeys, variable: "LOG_JSON_KEYS", read: { $0.jsonKeys($1, default: $2) },
                   show: { $0 == .standard ? "`.standard`" : "`\($0)`" }),
            .value("zone", \.zone, \.zone, variable: "LOG_TIME_ZONE", read: { $0.zone($1, default: $2) }, show: { "`.\($0)`" }),
            .value("timeFormat", \.timeFormat, \.timeFormat, variable: "LOG_TIME_FORMAT", read: { $0.timeFormat($1, default: $2) },
                   show: { "`.\($0)`" }),
            .value("color", \.color, \.color, variable: "LOG_COLOR", read: { $0.color($1, default: $2) }, show: { "`.\($0)`" }),
            .value("sourceLocation", \.sourceLocation, \.sourceLocation, variable: "LOG_SOURCE_LOCATION") {
                $0.switchValue($1, default: $2)
            },
            moreSinksSetting,
            .value("syslogFacility", \.syslogFacility, \.syslogFacility, variable: "LOG_SYSLOG_FACILITY",
                   read: { $0.facility($1, default: $2) }, show: { "`.\($0)`" }),
            syslogAppNameSetting,
        ]
    }

    /// A duration as the configuration guide writes it: whole milliseconds below a second, else seconds.
    private static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds) s" : "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }

    /// A positive rate below half a millionth would round to "never" in the core's millionths: one
    /// millionth is used instead, as the variables' rates are (EnvironmentParser.finest).
    private static var sampleRate: ConfigurationSetting {
        let plain = ConfigurationSetting.value(
            "sampleRate", \.sampleRate, \.sampleRate, variable: "LOG_SAMPLE_RATE", check: rateSetting,
            read: { $0.rate($1, default: $2) }, show: { $0 == $0.rounded() ? String(Int($0)) : String($0) })
        return ConfigurationSetting(
            name: plain.name, variables: plain.variables, defaultText: plain.defaultText,
            resolve: { given, parser, resolved in
                plain.resolve(given, parser, &resolved)
                let rate = resolved.sampleRate!
                resolved.sampleRate = EnvironmentParser.finest(rate, "configuration sampleRate \(rate)", parser.report)
            },
            adopt: plain.adopt, problem: plain.problem)
    }

    private static var moduleLevelsSetting: ConfigurationSetting {
        ConfigurationSetting(
            name: "moduleLevels", variables: "`LOG_LEVEL_<MODULE>`", defaultText: "`level`",
            resolve: { given, parser, resolved in
                var environment: [String: Logger.Level] = [:]
                for (module, variable) in parser.moduleVariables(prefix: "LOG_LEVEL_") {
                    environment[module] = parser.level(variable, default: resolved.level!)
                }
                resolved.moduleLevels = merge(given.moduleLevels, over: environment)
            },
            adopt: { configuration, options in options.moduleLevels = configuration.moduleLevels })
    }

    /// A bad programmatic rate falls to the next setting in the precedence: the module's
    /// variable, then the global rate.
    private static var moduleSampleRatesSetting: ConfigurationSetting {
        ConfigurationSetting(
            name: "moduleSampleRates", variables: "`LOG_SAMPLE_RATE_<MODULE>`", defaultText: "`sampleRate`",
            resolve: { given, parser, resolved in
                let global = resolved.sampleRate!
                var environment: [String: Double] = [:]
                for (module, variable) in parser.moduleVariables(prefix: "LOG_SAMPLE_RATE_") {
                    environment[module] = parser.rate(variable, default: global)
                }
                let fallbacks = ModuleSettings(environment)
                var rates: [String: Double] = [:]
                for module in given.moduleSampleRates.keys.sorted() {
                    let name = "moduleSampleRates[\"\(module)\"]"
                    let rate = checked(given.moduleSampleRates[module], name, rateSetting, parser.report) {
                        fallbacks.value(for: module) ?? global
                    }
                    rates[module] = EnvironmentParser.finest(rate, "configuration \(name) \(rate)", parser.report)
                }
                resolved.moduleSampleRates = merge(rates, over: environment)
            },
            adopt: { configuration, options in options.moduleSampleRates = configuration.moduleSampleRates },
            problem: { options in
                options.moduleSampleRates.sorted { $0.key < $1.key }.first { !rateSetting.isValid($0.value) }
                    .map { "sample rate \($0.value) for \($0.key) is not \(rateSetting.expected)" }
            })
    }

    /// The first sink: the file, else syslog, else stderr (syslog beside a file is one more sink).
    private static var destinationSetting: ConfigurationSetting {
        ConfigurationSetting(
            name: "destination", variables: "`LOG_FILE`, else `LOG_SYSLOG`", defaultText: "`.standardError`",
            resolve: { given, parser, resolved in
                let file = parser.destination("LOG_FILE"), syslog = parser.syslog("LOG_SYSLOG")  // each reported once, here
                resolved.destination = given.destination ?? (file != .standardError ? file : syslog ?? .standardError)
            },
            adopt: { configuration, options in options.destination = configuration.destination ?? options.destination })
    }

    /// Sinks in code, else those the variables make: syslog beside a file, then stderr beside either.
    private static var moreSinksSetting: ConfigurationSetting {
        ConfigurationSetting(
            name: "moreSinks", variables: "`LOG_SYSLOG` (beside `LOG_FILE`), `LOG_STDERR_LEVEL`, `LOG_STDERR_FORMAT`",
            defaultText: "`[]`",
            resolve: { given, parser, resolved in
                guard given.moreSinks.isEmpty else {
                    resolved.moreSinks = given.moreSinks
                    return
                }
                var sinks: [Sink] = []
                if let syslog = parser.syslog("LOG_SYSLOG", reported: false), resolved.destination != syslog {
                    sinks.append(Sink(syslog, level: parser.level("LOG_SYSLOG_LEVEL", default: .trace)))
                }
                resolved.moreSinks = sinks + parser.standardErrorSink(besides: resolved.destination!, priorityPrefix: resolved.priorityPrefix!)
            },
            adopt: { configuration, options in options.moreSinks = configuration.moreSinks })
    }

    private static var syslogAppNameSetting: ConfigurationSetting {
        ConfigurationSetting(
            name: "syslogAppName", variables: "`LOG_SYSLOG_APP_NAME`", defaultText: "the program's name",
            resolve: { given, parser, resolved in
                resolved.syslogAppName = given.syslogAppName ?? parser.environment["LOG_SYSLOG_APP_NAME"]
            },
            adopt: { configuration, options in options.syslogAppName = configuration.syslogAppName })
    }

    /// Programmatic settings over the environment's: a module named in code takes no
    /// setting from a variable of the same environment name.
    static func merge<Value>(_ programmatic: [String: Value], over environment: [String: Value]) -> [String: Value] {
        let named = Set(programmatic.keys.map(Sluice.environmentName(of:)))
        return environment.filter { !named.contains(Sluice.environmentName(of: $0.key)) }.merging(programmatic) { $1 }
    }
}

extension SluiceConfiguration {
    /// The sample rate module has from the environment alone, resolved as a core resolves it:
    /// `LOG_SAMPLE_RATE_<MODULE>`, else `LOG_SAMPLE_RATE`, else the default; a bad value is
    /// reported. Only those two variables are read, so no other setting is reported again.
    static func sampleRate(of module: String, environment: [String: String], report: (String) -> Void) -> Double {
        let own = "LOG_SAMPLE_RATE_" + Sluice.environmentName(of: module)
        let read = environment.filter { $0.key == "LOG_SAMPLE_RATE" || $0.key == own }
        let resolved = SluiceConfiguration().resolve(environment: read, report: report)
        return ModuleSettings(resolved.moduleSampleRates).value(for: module) ?? resolved.sampleRate!
    }
}

extension SluiceCore.Options {
    /// `configuration` as it is, its unset settings at their defaults, no environment read:
    /// a value out of range stays, for ``problem`` (and the core) to refuse.
    init(_ configuration: SluiceConfiguration) {
        self = .defaults
        for setting in SluiceConfiguration.settings { setting.adopt(configuration, &self) }
    }

    /// Why these options cannot open a core, or nil: the first setting out of range.
    var problem: String? {
        SluiceConfiguration.settings.lazy.compactMap { $0.problem(self) }.first
    }
}
