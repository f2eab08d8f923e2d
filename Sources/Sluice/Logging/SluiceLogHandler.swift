import CSluice
import CSluiceFacade
import Logging

/// swift-log's backend on Sluice: every `Logger` made with it logs through the
/// default core, the label naming the module.
///
/// ```swift
/// LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
/// ```
///
/// A value, as swift-log asks: `logLevel` and `metadata` set on one `Logger`
/// do not change another. Its level, in precedence: a level an operator set at run
/// time (`sluice level <pid> <module> <level>`, ``Sluice/setLevel(_:module:)``) until
/// it is reset (`sluice level <pid> <module> reset`, ``Sluice/resetLevel(module:)``);
/// then a `logLevel` set in code on this logger (frameworks set it from their own
/// configuration); then the module's configured level (programmatic, then environment).
/// Never blocks under the default drop policy and never traps.
///
/// Each record carries swift-log's `source` (json and logfmt write it), and with
/// ``SluiceConfiguration/sourceLocation`` its call's `file`, `line` and `function`.
/// An `error:` passed to swift-log becomes the metadata `error.message` and
/// `error.type` (swift-log's own keys), beside any `error` key of the caller's.
/// Calls that swift-log's own level check filters (below `logLevel`) never reach
/// the handler, so they are not in Sluice's `filtered` counter; calls that reach it
/// are timed 1 in N for the call-latency histogram, as native calls are.
public struct SluiceLogHandler: LogHandler {
    /// Metadata every record of this handler carries (swift-log's `logger[metadataKey:]`).
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to each record at its call, such as a trace id from `ServiceContext`.
    public var metadataProvider: Logger.MetadataProvider?
    private var levelOverride: Logger.Level?
    let logger: SluiceLogger  // its module: SampledLogger samples with its keys and counts

    /// A handler for module `label` of the default core; its metadata provider is swift-log's
    /// bootstrapped one unless given.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.init(label: label, core: Sluice.core, metadataProvider: metadataProvider)
    }

    /// A handler for module `label` of `core`; its metadata provider is swift-log's bootstrapped
    /// one unless given, as for the default core.
    public init(label: String, core: SluiceCore, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        logger = core.logger(label)
        self.metadataProvider = metadataProvider
    }

    /// An operator's level first, then the one set here, then the module's. With a flight
    /// recorder (``SluiceConfiguration/flightRecorder``) and neither of the first two, every call
    /// reaches the handler (`.trace`), which keeps those below the module's level for the recorder.
    public var logLevel: Logger.Level {
        get { logger.operatorLevel ?? levelOverride ?? (logger.keepsFiltered ? .trace : logger.level) }
        set { levelOverride = newValue }
    }

    /// One key of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Copies the record into the core's ring (or writes it, synchronously); never blocks under the drop policy.
    public func log(event: LogEvent) {
        if logger.keepsFiltered && levelOverride == nil && logger.operatorLevel == nil && event.level < logger.level {
            sluice_count_filtered(logger.corePointer, logger.coreID, logger.moduleID)
            let provided = metadataProvider?.get()
            var message = message(of: event, provided: provided, fields: fields(of: event, provided: provided))
            message.buffer.withBytes { bytes, segments in
                _ = sluice_flight_keep(
                    logger.corePointer, event.level.sluiceLevel, logger.moduleID, bytes.baseAddress, bytes.count, segments ? 1 : 0)
            }
            return
        }
        // Timed 1 call in N like the native path, so the call-latency histogram covers swift-log's callers too.
        if sluice_time_this_call(logger.corePointer, logger.coreID, logger.timingMask) != 0 {
            logger.timed { write(event) }
        } else {
            write(event)
        }
    }

    private func write(_ event: LogEvent) {
        let provided = metadataProvider?.get()
        let fields = fields(of: event, provided: provided)
        guard fields.any else {
            // No fields: the message's own UTF-8 goes to the core as plain text, never copied first.
            logger.write(level: event.level.sluiceLevel, text: event.message.description)
            return
        }
        var message = message(of: event, provided: provided, fields: fields)
        logger.submit(level: event.level.sluiceLevel, &message)
    }

    /// What a record carries after its message.
    private struct Fields {
        let source: Bool  // text sinks never show it
        let location: Bool
        let metadata: Bool
        var any: Bool { source || location || metadata }
    }

    /// The fields a record of event carries: its source or location when a sink shows them, and metadata.
    private func fields(of event: LogEvent, provided: Logger.Metadata?) -> Fields {
        Fields(
            source: logger.core.sourceShown.load(ordering: .relaxed),
            location: logger.core.sourceLocation.load(ordering: .relaxed),
            metadata: !metadata.isEmpty || event.metadata?.isEmpty == false || event.error != nil
                || provided?.isEmpty == false)
    }

    /// The event's message, then its fields (the provider's metadata: provided).
    private func message(of event: LogEvent, provided: Logger.Metadata?, fields: Fields) -> SluiceMessage {
        var message = SluiceMessage(event.message.description)
        guard fields.any else { return message }
        message.buffer.beginFields()
        if fields.source {
            message.buffer.appendSource(event.source)
        }
        if fields.location {
            message.buffer.appendLocation(file: event.file, line: event.line, function: event.function)
        }
        if fields.metadata {
            message.buffer.appendMetadata(attached: metadata, provided: provided, call: event.metadata, error: event.error)
        }
        return message
    }
}
