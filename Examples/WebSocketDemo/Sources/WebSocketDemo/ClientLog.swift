import Logging
import Sluice

/// How the client logs: through Sluice's own loggers, or through a swift-log `Logger` — the
/// row a Swift service starts from (`StreamLogHandler`, synchronous, every line). The same
/// calls with the same messages go through either; swift-log's takes each message's text.
protocol ClientLog {
    /// At debug, sampled per key.
    func debug(_ message: @autoclosure () -> SluiceMessage, key: SamplingKey)
    /// Runs body on the sampled-in calls of key; body logs at debug with `debug(_:)`.
    func sampled(key: SamplingKey, _ body: (Self) -> Void)
    /// At debug, not sampled (inside `sampled`).
    func debug(_ message: @autoclosure () -> SluiceMessage)
    func info(_ message: @autoclosure () -> SluiceMessage)
    func warning(_ message: @autoclosure () -> SluiceMessage)
    func error(_ message: @autoclosure () -> SluiceMessage)
}

/// Sluice's loggers for the module: its level and sample rate from the environment.
struct SluiceClientLog: ClientLog {
    let log: SluiceLogger
    let sampling: SamplingLogger

    init(module: String) {
        log = Sluice.logger(module)
        sampling = Sluice.samplingLogger(module)
    }

    func debug(_ message: @autoclosure () -> SluiceMessage, key: SamplingKey) { sampling.debug(message(), key: key) }
    func sampled(key: SamplingKey, _ body: (Self) -> Void) { sampling.sampled(key: key) { _ in body(self) } }
    func debug(_ message: @autoclosure () -> SluiceMessage) { log.debug(message()) }
    func info(_ message: @autoclosure () -> SluiceMessage) { log.info(message()) }
    func warning(_ message: @autoclosure () -> SluiceMessage) { log.warning(message()) }
    func error(_ message: @autoclosure () -> SluiceMessage) { log.error(message()) }
}

/// A swift-log `Logger` on whatever handler the process bootstrapped, every call kept
/// (`SampledLogger` at rate 1 makes the same calls the sampled rows make). A message becomes
/// its text only past the logger's level, as a swift-log call's interpolation would.
struct SwiftLogClientLog: ClientLog {
    let logger: Logger
    let sampling: SampledLogger

    init(logger: Logger) {
        self.logger = logger
        sampling = SampledLogger(logger, sampleRate: 1)
    }

    func debug(_ message: @autoclosure () -> SluiceMessage, key: SamplingKey) {
        sampling.debug("\(message().description)", key: key)
    }
    func sampled(key: SamplingKey, _ body: (Self) -> Void) { sampling.sampled(key: key) { _ in body(self) } }
    func debug(_ message: @autoclosure () -> SluiceMessage) { logger.debug("\(message().description)") }
    func info(_ message: @autoclosure () -> SluiceMessage) { logger.info("\(message().description)") }
    func warning(_ message: @autoclosure () -> SluiceMessage) { logger.warning("\(message().description)") }
    func error(_ message: @autoclosure () -> SluiceMessage) { logger.error("\(message().description)") }
}
