import Foundation
import Logging

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

    func number(_ variable: String, default fallback: Double, _ setting: Setting<Double>) -> Double {
        value(variable, default: fallback, expected: setting.expected) { text in
            Double(text).flatMap { setting.isValid($0) ? $0 : nil }
        }
    }

    func count(_ variable: String, default fallback: Int, _ setting: Setting<Int> = countSetting) -> Int {
        value(variable, default: fallback, expected: setting.expected) { text in Int(text).flatMap { setting.isValid($0) ? $0 : nil } }
    }

    func fileRotation(_ variable: String, default fallback: SluiceConfiguration.FileRotation) -> SluiceConfiguration.FileRotation {
        value(variable, default: fallback, expected: "size, hourly or daily") { SluiceConfiguration.FileRotation(rawValue: $0.lowercased()) }
    }

    func fileCompression(_ variable: String, default fallback: SluiceConfiguration.FileCompression) -> SluiceConfiguration.FileCompression {
        value(variable, default: fallback, expected: "gzip or off") { text in
            ["none", "no", "false", "0"].contains(text.lowercased()) ? .off : SluiceConfiguration.FileCompression(rawValue: text.lowercased())
        }
    }

    /// A duration: a number and its unit, s, m, h or d (7d, 12h); a number alone is seconds.
    func age(_ variable: String, default fallback: Duration, _ setting: Setting<Duration>) -> Duration {
        value(variable, default: fallback, expected: setting.expected) { text in
            let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
            let unit = text.last.flatMap { units[Character($0.lowercased())] }
            return Int64(unit == nil ? text : String(text.dropLast())).flatMap { number in
                let (seconds, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
                return overflow ? nil : Duration.seconds(seconds)
            }.flatMap { setting.isValid($0) ? $0 : nil }
        }
    }

    func zone(_ variable: String, default fallback: SluiceConfiguration.Zone) -> SluiceConfiguration.Zone {
        value(variable, default: fallback, expected: "utc or local") { SluiceConfiguration.Zone(rawValue: $0.lowercased()) }
    }

    func timeFormat(_ variable: String, default fallback: SluiceConfiguration.TimeFormat) -> SluiceConfiguration.TimeFormat {
        value(variable, default: fallback, expected: "full or short") { SluiceConfiguration.TimeFormat(rawValue: $0.lowercased()) }
    }

    func color(_ variable: String, default fallback: SluiceConfiguration.Color) -> SluiceConfiguration.Color {
        value(variable, default: fallback, expected: "auto, always or never") { SluiceConfiguration.Color(rawValue: $0.lowercased()) }
    }

    /// JSON key names as the core parses them: a bad value is reported with the core's reason.
    func jsonKeys(_ variable: String, default fallback: SluiceConfiguration.JSONKeys) -> SluiceConfiguration.JSONKeys {
        guard let text = environment[variable] else { return fallback }
        do {
            return try SluiceConfiguration.JSONKeys(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            report(error.message.replacingOccurrences(of: "sluice: json_keys", with: "sluice: \(variable)"))
            return fallback
        }
    }

    func format(_ variable: String, default fallback: SluiceConfiguration.Format) -> SluiceConfiguration.Format {
        value(variable, default: fallback, expected: "text, logfmt or json") { SluiceConfiguration.Format(rawValue: $0.lowercased()) }
    }

    /// `LOG_STDERR_LEVEL` (and `LOG_STDERR_FORMAT`, default text) beside a log file or syslog: stderr
    /// as one more sink. Without either stderr is the only sink and takes everything: the variable is reported.
    func standardErrorSink(besides destination: SluiceConfiguration.Destination, priorityPrefix: Bool) -> [SluiceConfiguration.Sink] {
        guard environment["LOG_STDERR_LEVEL"] != nil || environment["LOG_STDERR_FORMAT"] != nil else { return [] }
        guard destination != .standardError else {
            report("sluice: LOG_STDERR_LEVEL and LOG_STDERR_FORMAT need LOG_FILE or LOG_SYSLOG: stderr is the only sink and takes every record; using LOG_LEVEL and LOG_FORMAT")
            return []
        }
        return [SluiceConfiguration.Sink(
            .standardError, level: level("LOG_STDERR_LEVEL", default: .trace), format: format("LOG_STDERR_FORMAT", default: .text),
            priorityPrefix: priorityPrefix)]
    }

    /// A syslog address, or nil when unset or not one (reported unless told not to, for a second
    /// read: the value is never taken for a file). An address that cannot be resolved is the
    /// core's to refuse (Sluice.apply).
    func syslog(_ variable: String, reported: Bool = true) -> SluiceConfiguration.Destination? {
        guard let address = environment[variable] else { return nil }
        let report = reported ? report : { _ in }
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
