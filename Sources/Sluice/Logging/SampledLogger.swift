import Foundation
import Logging

/// Exact per-key sampling over any swift-log `Logger`, whatever its backend: the counting of
/// ``SamplingLogger`` for a module that already holds a `Logger` (from a framework or a library).
///
/// For rate r, the first call of a key is emitted, and after n calls of the key exactly ⌈n·r⌉
/// have been; warning, error and critical are never sampled; a call below the logger's level
/// takes no number. The rate is the one given, else `LOG_SAMPLE_RATE_<LABEL>` (the label in
/// ``Sluice/environmentName(of:)`` form), else `LOG_SAMPLE_RATE`, else 1. When the `Logger`'s
/// handler is a ``SluiceLogHandler``, the keys and counts are its module's — shared with the
/// module's ``SamplingLogger``s, its sampled-out calls in ``SluiceStats`` — and without a rate
/// given it follows the module's rate, run-time changes included.
///
/// ```swift
/// let sampled = SampledLogger(request.logger)  // LOG_SAMPLE_RATE_<LABEL>
/// sampled.debug("frame \(opcode)", key: "frame")
/// sampled.sampled(key: "dump") { logger in logger.trace("\(state)") }
/// ```
public struct SampledLogger: Sendable {
    /// The logger sampled-in calls go to.
    public var logger: Logger
    @usableFromInline let keys: KeySampler

    /// Samples `logger`'s calls at `sampleRate`, or at the rate its label has from the
    /// environment (for a Sluice backend, its module's rate) when nil.
    public init(_ logger: Logger, sampleRate: Double? = nil) {
        self.logger = logger
        if let sluice = logger.handler as? SluiceLogHandler {
            keys = KeySampler(moduleOf: sluice.logger, fixedRate: sampleRate)
        } else {
            let rate = sampleRate ?? SluiceConfiguration.sampleRate(
                of: logger.label, environment: ProcessInfo.processInfo.environment, report: reportProblem)
            keys = KeySampler(ownAt: rate, label: logger.label)
        }
    }

    /// Logs through the logger if `level` passes its level and, below warning, if this call of
    /// `key` is sampled in.
    @inlinable
    public func log(
        level: Logger.Level, _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil,
        key: SamplingKey, source: @autoclosure () -> String? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        guard logger.logLevel <= level else { return }
        if level < .warning && !keys.admits(key) { return }
        logger.log(level: level, message(), metadata: metadata(), source: source(), file: file, function: function, line: line)
    }

    /// Runs body only when the logger lets `level` through (the level of what body logs: debug
    /// unless given) and, below warning, on the sampled-in calls of `key`: function-level
    /// sampling. A call below the level takes no number, as a log call below it.
    @inlinable
    public func sampled(key: SamplingKey, level: Logger.Level = .debug, _ body: (Logger) throws -> Void) rethrows {
        guard logger.logLevel <= level else { return }
        if level >= .warning || keys.admits(key) {
            try body(logger)
        }
    }

    /// Logs at trace on the sampled-in calls of `key`.
    @inlinable
    public func trace(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .trace, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }

    /// Logs at debug on the sampled-in calls of `key`.
    @inlinable
    public func debug(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .debug, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }

    /// Logs at info on the sampled-in calls of `key`.
    @inlinable
    public func info(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .info, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }

    /// Logs at notice on the sampled-in calls of `key`.
    @inlinable
    public func notice(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .notice, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }

    /// Never sampled.
    @inlinable
    public func warning(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .warning, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }

    /// Never sampled.
    @inlinable
    public func error(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .error, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }

    /// Never sampled.
    @inlinable
    public func critical(
        _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        log(level: .critical, message(), metadata: metadata(), key: key, file: file, function: function, line: line)
    }
}
