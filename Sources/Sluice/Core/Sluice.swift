import CSluice
import Foundation
import Logging
import Synchronization

/// The default core and its loggers, configured from the environment.
///
/// ```swift
/// try Sluice.bootstrap()
/// let log = Sluice.logger("resilient_websocket")
/// log.info("connected id=\(id) peer=\(peer)")
/// Sluice.setLevel(.debug, module: "resilient_websocket")
/// Sluice.flush()
/// ```
///
/// There is one default core per process, and every logger of it, whenever made,
/// writes to its current configuration: ``bootstrap(configuration:environment:)``
/// configures it in place (levels, rates, sink, overflow), so a library's
/// `static let logger` made before the bootstrap logs where the bootstrap says.
/// Without a bootstrap, the first use opens it from the environment.
public enum Sluice {
    private static let defaultCore = Mutex<SluiceCore?>(nil)

    /// This release, as `.package(url:from:)` names it (`CHANGELOG.md`; the C core's `SLUICE_VERSION`).
    public static let version = SLUICE_VERSION

    /// Configures the default core with `configuration`, the environment filling in what it
    /// leaves unset (see ``SluiceConfiguration``): opens it, or, when a logger or an earlier
    /// bootstrap opened it already, changes it in place for every logger it has (see
    /// ``SluiceCore/reconfigure(_:timeout:)``: records logged before go to the old sink, a
    /// stuck old sink is waited for at most one second, the ring's size and the synchronous
    /// switch stay as first opened). After ``close()`` it opens the default core again.
    /// A bad value, in `configuration` or in the environment, is reported on stderr and
    /// replaced by the next setting in the precedence; a file from `LOG_FILE` that cannot be
    /// opened is reported and stderr used instead. Throws only when the log file given in
    /// `configuration` cannot be opened; the default core then stays as it was.
    public static func bootstrap(
        configuration: SluiceConfiguration = SluiceConfiguration(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SluiceError) {
        var notices: [String] = []
        let core = try defaultCore.withLock { (current) throws(SluiceError) -> SluiceCore in
            if let core = current {
                try apply(configuration, environment, &notices) { options throws(SluiceError) in try core.reconfigure(options: options) }
                return core
            }
            let opened = try apply(configuration, environment, &notices) { options throws(SluiceError) in try SluiceCore(options: options) }
            current = opened
            return opened
        }
        core.logNotices(notices)
    }

    /// The default core: the same one for the life of the process, opened from the
    /// environment on first use when nothing bootstrapped it.
    public static var core: SluiceCore {
        var notices: [String] = []
        let core = defaultCore.withLock { current in
            if let current { return current }
            let opened = openFromEnvironment(&notices)
            current = opened
            return opened
        }
        core.logNotices(notices)  // empty but for the first use
        return core
    }

    /// A logger for `module` of the default core.
    public static func logger(_ module: String) -> SluiceLogger {
        core.logger(module)
    }

    /// A sampling logger for `module` of the default core, at the module's sample rate.
    public static func samplingLogger(_ module: String) -> SamplingLogger {
        core.samplingLogger(module)
    }

    /// Sets a module's level; its loggers, existing ones too, see it on their next call.
    /// `false`, changing nothing, for a new module past the full module table.
    @discardableResult
    public static func setLevel(_ level: Logger.Level, module: String) -> Bool {
        core.setLevel(level, module: module)
    }

    /// Clears a level set at run time: see ``SluiceCore/resetLevel(module:)``.
    @discardableResult
    public static func resetLevel(module: String) -> Bool {
        core.resetLevel(module: module)
    }

    /// Sets a module's sample rate, in [0, 1]; its sampling loggers see it on their next call.
    /// `false`, changing nothing, for a rate outside [0, 1] or a new module past the full module table.
    @discardableResult
    public static func setSampleRate(_ rate: Double, module: String) -> Bool {
        core.setSampleRate(rate, module: module)
    }

    /// The default core's counters, per-module counters and histograms.
    public static var stats: SluiceStats {
        core.stats
    }

    /// Waits until every record logged so far is written; `false` if `timeout` passed first
    /// (see ``SluiceCore/flush(timeout:)``: zero or less does not wait).
    @discardableResult
    public static func flush(timeout: Duration? = nil) -> Bool {
        defaultCore.withLock { $0 }?.flush(timeout: timeout) ?? true
    }

    /// From now on, a process that receives SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT or SIGTRAP first
    /// writes every record already logged, to every core, within `timeout`; then the handler
    /// that was there before (Swift's backtracer) or the default action takes the signal, so the
    /// process still dies of it. `LOG_CRASH_FLUSH=true` (``SluiceConfiguration/crashFlush``)
    /// does the same at bootstrap. Throws if the handlers cannot be installed.
    public static func installCrashHandler(timeout: Duration = .seconds(2)) throws(SluiceError) {
        guard sluice_install_crash_handler(SluiceCore.flushMilliseconds(timeout)) == SLUICE_OK else {
            throw SluiceError(message: "sluice: cannot install the crash handler: \(String(cString: strerror(errno)))")
        }
    }

    /// Closes and reopens the default core's log file by name before its next write (see
    /// ``SluiceCore/reopen()``): what logrotate's `create` mode needs after it renamed the file.
    public static func reopen() {
        defaultCore.withLock { $0 }?.reopen()
    }

    /// Writes every accepted record and closes the default core: later calls are counted as
    /// dropped after close (``stats`` shows them), until a later ``bootstrap(configuration:environment:)``
    /// opens it again for every logger.
    public static func close() {
        defaultCore.withLock { $0 }?.close()
    }

    /// The level a name gives, in any case, with `warn`, `err` and `crit` accepted; nil for any other name.
    package static func level(named name: String) -> Logger.Level? {
        EnvironmentParser.parseLevel(name)
    }

    /// The name a module has in environment variables: upper-cased, every character
    /// but ASCII letters and digits turned into `_`. `resilient-websocket.v2` → `RESILIENT_WEBSOCKET_V2`.
    public static func environmentName(of module: String) -> String {
        String(String.UnicodeScalarView(module.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z": Unicode.Scalar(scalar.value - 32)!
            case "A"..."Z", "0"..."9": scalar
            default: "_"
            }
        }))
    }

    /// `configuration` resolved against `environment`, given to `body`. When a sink the
    /// environment named cannot be opened (`LOG_FILE`'s file, `LOG_SYSLOG`'s receiver), that is
    /// reported under its variable and `body` is given the options again without it: stderr
    /// instead as the first sink, no syslog sink beside a file.
    /// Every notice goes to stderr at once and into `notices`, for the log once it is open.
    static func apply<Result>(
        _ configuration: SluiceConfiguration, _ environment: [String: String], _ notices: inout [String],
        _ body: (SluiceCore.Options) throws(SluiceError) -> Result
    ) throws(SluiceError) -> Result {
        func report(_ line: String) {
            reportProblem(line)
            notices.append(line)
        }
        var options = configuration.options(environment: environment, report: report)
        var failure: SluiceError
        do {
            return try body(options)
        } catch {
            failure = error
        }
        // The core's message quotes the value it could not use: a syslog sink beside a file goes.
        let syslog = environment["LOG_SYSLOG"].map(SluiceConfiguration.Destination.syslog)?.path
        if configuration.moreSinks.isEmpty, let syslog, failure.message.contains("'\(syslog)'"),
           let index = options.moreSinks.firstIndex(where: { $0.destination.path == syslog })
        {
            report("\(failure.message); no syslog sink (LOG_SYSLOG=\(syslog))")
            options.moreSinks.remove(at: index)
            do {
                return try body(options)
            } catch {
                failure = error
            }
        }
        guard configuration.destination == nil, let path = options.destination.path, failure.message.contains("'\(path)'") else {
            throw failure
        }
        report("\(failure.message); logging to stderr instead (\(path == syslog ? "LOG_SYSLOG" : "LOG_FILE")=\(path))")
        options.destination = .standardError
        return try body(options)
    }

    /// The environment's core; if even that cannot open, a synchronous core on stderr.
    private static func openFromEnvironment(_ notices: inout [String]) -> SluiceCore {
        do {
            return try apply(SluiceConfiguration(), ProcessInfo.processInfo.environment, &notices) { options throws(SluiceError) in
                try SluiceCore(options: options)
            }
        } catch {
            let notice = "\(error.message); logging synchronously to stderr"
            reportProblem(notice)
            notices.append(notice)
        }
        do {
            var fallback = SluiceCore.Options.defaults
            fallback.queueBytes = Int(SLUICE_RING_MIN)
            fallback.asynchronous = false
            return try SluiceCore(options: fallback)
        } catch {
            fatalError("sluice: cannot open even a synchronous core on stderr: \(error.message)")
        }
    }
}
