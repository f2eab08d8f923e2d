import Configuration
import Logging
import ServiceLifecycle
import Sluice
import Synchronization

/// Sluice's settings from swift-configuration.
///
/// Every key is the name of the environment variable that holds the setting, so that a
/// reader over `EnvironmentVariablesProvider` reads what the environment alone would,
/// and a JSON file holds the same names:
///
/// ```json
/// {"LOG_LEVEL": "info", "LOG_LEVEL_DB": "debug", "LOG_SAMPLE_RATE_HTTP": 0.1, "LOG_FILE": "/var/log/app.log"}
/// ```
///
/// ``bootstrap(_:)`` opens the default core from the reader's values, as
/// `Sluice.bootstrap` does from the environment. Run as a `Service` (or call
/// ``follow(_:)``), the reader keeps the core's module levels and sample rates in step
/// with a reloading provider, as `sluice level` and `sluice sample` would set them: a
/// change of `LOG_LEVEL`, `LOG_LEVEL_<MODULE>`, `LOG_SAMPLE_RATE` or
/// `LOG_SAMPLE_RATE_<MODULE>` reaches every logger of that module on its next call.
/// Other settings (sinks, formats, the ring) are read once, at bootstrap.
///
/// A module's keys are looked up for the modules the core has (every module that has
/// logged or has a logger) and for those named in `modules`: a reader cannot list its
/// keys, so a module that has no logger yet at bootstrap takes `LOG_LEVEL_<MODULE>`
/// from the reader only when it is named there.
public final class SluiceConfigReader: Sendable {
    /// Where the settings are read.
    public let config: ConfigReader
    /// Modules whose keys are read even before they have a logger.
    public let modules: [String]
    /// The values a core was last given: the configuration's, then each change's. What
    /// ``follow(_:)`` starts from, so that a change between a bootstrap and the start of
    /// the follower is applied too.
    private let applied = Mutex<ConfigSnapshotReader?>(nil)

    /// Reads from `config`, with the keys of `modules` read even before they have a logger.
    public init(_ config: ConfigReader, modules: [String] = []) {
        self.config = config
        self.modules = modules
    }

    /// The reader's values now, under the variables' names, for ``modules``: what
    /// `Sluice.bootstrap(configuration:environment:)` reads as its environment.
    public func variables() -> [String: String] {
        Self.variables(in: config.snapshot(), modules: modules)
    }

    /// The values now, remembered as the ones a core was given.
    private func takeVariables() -> [String: String] {
        let snapshot = config.snapshot()
        applied.withLock { $0 = snapshot }
        return Self.variables(in: snapshot, modules: modules)
    }

    /// The reader's settings under `configuration`'s (those set in code win, as they do over
    /// the environment), every setting decided; each value that cannot be used is passed to
    /// `report` as one line, and the next in the precedence used. For a core of your own:
    /// `SluiceCore(reader.configuration())`.
    public func configuration(
        _ configuration: SluiceConfiguration = SluiceConfiguration(), report: (String) -> Void
    ) -> SluiceConfiguration {
        configuration.resolve(environment: takeVariables(), report: report)
    }

    /// Opens or reconfigures the default core with `configuration`, the reader filling in
    /// what it leaves unset, in place of the process environment (put
    /// `EnvironmentVariablesProvider` among the reader's providers to keep it). As
    /// `Sluice.bootstrap(configuration:environment:)` does: bad values are reported and
    /// replaced; throws only when a log file set in `configuration` cannot be opened.
    public func bootstrap(_ configuration: SluiceConfiguration = SluiceConfiguration()) throws(SluiceError) {
        try Sluice.bootstrap(configuration: configuration, environment: takeVariables())
    }

    /// Keeps `core`'s module levels and sample rates in step with the reader until the
    /// task is cancelled or the reader's updates end. It starts from the values that
    /// ``configuration(_:report:)`` or ``bootstrap(_:)`` last took (else those of the
    /// moment it is called); each change sets the levels and rates it changes, and a level
    /// whose keys are all gone is reset (as `Sluice.resetLevel(module:)`). A value that
    /// cannot be used is reported (on stderr, and in the core's log as a warning of the
    /// module `sluice`) and the next in the precedence used, as for the environment: the
    /// global level or rate, else the default.
    public func follow(_ core: SluiceCore) async throws {
        var previous = applied.withLock { $0 } ?? config.snapshot()
        try await config.watchSnapshot { updates in
            for await snapshot in updates {
                try Task.checkCancellation()
                apply(from: previous, to: snapshot, core: core)
                previous = snapshot
                applied.withLock { $0 = snapshot }
            }
        }
    }

    /// What one snapshot decides for one module: nil where none of its keys is set.
    struct Decided: Equatable {
        var level: Logger.Level?
        var sampleRate: Double?
    }

    private func apply(from old: ConfigSnapshotReader, to new: ConfigSnapshotReader, core: SluiceCore) {
        let names = Array(Set(core.stats.modules.keys).union(modules)).sorted()
        let before = Self.decide(old, modules: names) { _ in }
        let after = Self.decide(new, modules: names) { core.notify($0) }
        for name in names where before[name] != after[name] {
            let (was, now) = (before[name] ?? Decided(), after[name] ?? Decided())
            if was.level != now.level {
                if let level = now.level { core.setLevel(level, module: name) } else { core.resetLevel(module: name) }
            }
            if was.sampleRate != now.sampleRate, let rate = now.sampleRate {
                core.setSampleRate(rate, module: name)
            }
        }
    }

    /// Each module's level and rate in snapshot, decided as the environment's would be.
    static func decide(
        _ snapshot: ConfigSnapshotReader, modules: [String], report: (String) -> Void
    ) -> [String: Decided] {
        let values = variables(in: snapshot, modules: modules)
        let resolved = SluiceConfiguration().resolve(environment: values, report: report)
        var decided: [String: Decided] = [:]
        for module in modules {
            let name = Sluice.environmentName(of: module)
            let levelSet = values["LOG_LEVEL_" + name] != nil || values["LOG_LEVEL"] != nil
            let rateSet = values["LOG_SAMPLE_RATE_" + name] != nil || values["LOG_SAMPLE_RATE"] != nil
            decided[module] = Decided(
                level: levelSet ? resolved.moduleLevels[name] ?? resolved.level : nil,
                sampleRate: rateSet ? resolved.moduleSampleRates[name] ?? resolved.sampleRate : nil)
        }
        return decided
    }

    /// The snapshot's values under the variables' names: every setting's, and each module's two.
    static func variables(in snapshot: ConfigSnapshotReader, modules: [String]) -> [String: String] {
        var names = SluiceConfiguration.variableNames
        for module in modules {
            let name = Sluice.environmentName(of: module)
            names += ["LOG_LEVEL_" + name, "LOG_SAMPLE_RATE_" + name]
        }
        var values: [String: String] = [:]
        for name in names {
            if let value = value(of: name, in: snapshot) { values[name] = value }
        }
        return values
    }

    /// A key's value as the environment would spell it: a JSON number or boolean as its text.
    private static func value(of name: String, in snapshot: ConfigSnapshotReader) -> String? {
        let key = ConfigKey([name])
        return snapshot.string(forKey: key) ?? snapshot.double(forKey: key).map { "\($0)" }
            ?? snapshot.int(forKey: key).map { "\($0)" } ?? snapshot.bool(forKey: key).map { $0 ? "true" : "false" }
    }
}

/// As a service in a `ServiceGroup` (beside the reloading provider it reads): follows the
/// default core (``SluiceConfigReader/follow(_:)``) until the group shuts down.
extension SluiceConfigReader: Service {
    /// Follows the default core until the group shuts down gracefully.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.follow(Sluice.core)
        }
    }
}
