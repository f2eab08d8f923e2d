import CSluice
import CSluiceFacade
import Logging

/// Logs records of one module into a ``SluiceCore``.
///
/// A cheap value: copy it freely. A call below the module's level costs one
/// relaxed load and evaluates neither the message nor the metadata. The
/// module's level can change at run time (``Sluice/setLevel(_:module:)``);
/// every logger of the module sees it on its next call.
///
/// It carries swift-log's context as a swift-log `Logger` does: metadata attached to
/// the logger (``metadata``, ``subscript(metadataKey:)``), a metadata provider
/// (``metadataProvider``, by default swift-log's bootstrapped one, so that trace ids from
/// `ServiceContext` reach native lines), an `error:` per call, and, with
/// ``SluiceConfiguration/sourceLocation``, the call's `source`, `file`, `line` and
/// `function`. Attached metadata is encoded once, when attached: a call that adds none
/// of its own copies those bytes, with no dictionary built.
///
/// ```swift
/// var log = Sluice.logger("payments")
/// log[metadataKey: "request"] = "\(requestID)"
/// log.info("charged amount=\(cents)")  // … request=42
/// log.error("declined", error: failure)  // … error.message=… error.type=…
/// ```
public struct SluiceLogger: @unchecked Sendable {  // the level word is read atomically, through C
    /// The core its records go to.
    public let core: SluiceCore
    /// The module's name, as registered.
    public let module: String
    @usableFromInline let moduleID: Int32
    @usableFromInline let levelWord: UnsafePointer<Int32>
    /// The level an operator set at run time, or SLUICE_LEVEL_UNSET (stats.h says who writes it).
    let operatorLevelWord: UnsafePointer<Int32>
    // The words the hot path needs, copied out of the core so that it reaches no class.
    @usableFromInline let corePointer: OpaquePointer
    @usableFromInline let coreID: UInt64
    @usableFromInline let timingMask: UInt64
    /// The core has a flight recorder: a call below the level is kept, not forgotten. Fixed at open.
    @usableFromInline let keepsFiltered: Bool
    /// Set for a module past the table: records carry its name, counted under `sluice.overflow`.
    let overflow: OverflowModule?
    /// What ``metadata`` holds, with its fields encoded.
    @usableFromInline var attached = AttachedMetadata.none

    /// Metadata every record of this logger carries, under the provider's and the call's
    /// (a key in several takes the call's value, then the provider's).
    public var metadata: Logger.Metadata {
        get { attached.metadata }
        set { attached = AttachedMetadata(newValue) }
    }

    /// One key of ``metadata``. Each change encodes the logger's metadata again: attach
    /// context once (per request, per connection), not per call.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { attached.metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Adds metadata to each record at its call, such as a trace id from `ServiceContext`:
    /// by default swift-log's, as `LoggingSystem.bootstrap(_:metadataProvider:)` set it when
    /// the logger was made. Called only for records that pass the level.
    public var metadataProvider: Logger.MetadataProvider?

    /// A logger of a module in the table, or (overflow set, moduleID the overflow module's) one past it.
    init(core: SluiceCore, module: String, moduleID: Int32, overflow: OverflowModule? = nil) {
        self.core = core
        self.module = module
        self.moduleID = moduleID
        self.overflow = overflow
        self.levelWord = overflow.map { UnsafePointer($0.levelWord) } ?? sluice_module_level_word(core.pointer, moduleID)
        // Past the table no operator can reach a module: its word stays unset.
        self.operatorLevelWord = overflow == nil ? sluice_module_operator_word(core.pointer, moduleID) : OverflowModule.noOperatorLevel
        self.corePointer = core.pointer
        self.coreID = sluice_core_id(core.pointer)
        self.timingMask = sluice_call_timing_mask(core.pointer)
        self.keepsFiltered = core.keepsFiltered
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    /// The module's level now.
    public var level: Logger.Level {
        Logger.Level(sluiceLevel: sluice_level_word_load(levelWord))
    }

    /// The level an operator set at run time (`sluice level`, ``Sluice/setLevel(_:module:)``),
    /// which wins over levels set in code until it is reset; nil when none is.
    public var operatorLevel: Logger.Level? {
        let level = sluice_level_word_load(operatorLevelWord)
        return level == SLUICE_LEVEL_UNSET ? nil : Logger.Level(sluiceLevel: level)
    }

    /// Logs `message` at `level`, with `metadata` as its fields. Returns without waiting for I/O.
    @inlinable
    public func log(
        level: Logger.Level, _ message: @autoclosure () -> SluiceMessage,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(level.sluiceLevel, message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at `level` with `error` as `error.message` and `error.type` (swift-log's
    /// keys) beside `metadata`. Returns without waiting for I/O.
    @inlinable
    public func log(
        level: Logger.Level, _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(level.sluiceLevel, message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// log's body, taking the caller's closures as they are: the level methods pass theirs on
    /// without wrapping them in closures of their own, which a filtered call would build for nothing.
    @inlinable @inline(__always)
    func emit(_ level: Int32, _ message: () -> SluiceMessage, _ metadata: () -> Logger.Metadata?, _ site: CallSite) {
        guard sluice_enabled(levelWord, level) != 0 else {
            filtered(level, message, metadata, site)
            return
        }
        if sluice_time_this_call(corePointer, coreID, timingMask) != 0 {
            timed { var message = message(); write(level: level, &message, metadata: metadata(), site) }
        } else {
            var message = message()  // built in place; write works on it there
            write(level: level, &message, metadata: metadata(), site)
        }
    }

    /// A call below the module's level: counted, and kept if the core has a flight recorder.
    @inlinable @inline(__always)
    func filtered(_ level: Int32, _ message: () -> SluiceMessage, _ metadata: () -> Logger.Metadata?, _ site: CallSite) {
        countFiltered()
        if keepsFiltered { keep(level: level, message(), metadata: metadata(), site) }
    }

    /// Counts a call below the module's level.
    @inlinable @inline(__always)
    func countFiltered() {
        sluice_count_filtered(corePointer, coreID, moduleID)
    }

    /// Runs body and adds its duration to the core's call-latency histogram.
    @usableFromInline
    func timed(_ body: () -> Void) {
        let start = sluice_monotonic_ns()
        body()
        sluice_record_call(corePointer, sluice_monotonic_ns() &- start)
    }

    /// Logs `message` at trace, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func trace(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_TRACE), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at trace with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func trace(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_TRACE), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Logs `message` at debug, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func debug(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_DEBUG), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at debug with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func debug(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_DEBUG), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Logs `message` at info, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func info(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_INFO), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at info with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func info(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_INFO), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Logs `message` at notice, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func notice(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_NOTICE), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at notice with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func notice(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_NOTICE), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Logs `message` at warning, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func warning(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_WARNING), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at warning with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func warning(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_WARNING), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Logs `message` at error, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func error(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_ERROR), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at error with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func error(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_ERROR), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Logs `message` at critical, with `metadata` as its fields; below the module's level,
    /// neither is evaluated. Returns without waiting for I/O.
    @inlinable
    public func critical(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_CRITICAL), message, metadata, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at critical with `error` as `error.message` and `error.type` beside `metadata`;
    /// below the module's level, none of them is evaluated. Returns without waiting for I/O.
    @inlinable
    public func critical(
        _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_CRITICAL), message, metadata, CallSite(file: file, function: function, line: line, error: error))
    }

    /// Hands a message below the level to the core's flight recorder, with its fields.
    @usableFromInline
    func keep(level: Int32, _ message: SluiceMessage, metadata: Logger.Metadata?, _ site: CallSite) {
        var message = message
        appendFields(to: &message, metadata: metadata, site)
        let core = corePointer, module = moduleID
        message.buffer.withBytes { bytes, segments in
            _ = sluice_flight_keep(core, level, module, bytes.baseAddress, bytes.count, segments ? 1 : 0)
        }
    }

    /// Hands a message that passed the level (and any sampling) to the core, with its fields.
    @usableFromInline
    func write(level: Int32, _ message: inout SluiceMessage, metadata: Logger.Metadata?, _ site: CallSite) {
        appendFields(to: &message, metadata: metadata, site)
        submit(level: level, &message)
    }

    /// Hands a finished message (its fields appended) to the core.
    func submit(level: Int32, _ message: inout SluiceMessage) {
        let core = corePointer, module = moduleID  // the closure captures words, not self
        if let overflow {
            message.buffer.withBytes { bytes, segments in logLabelled(overflow, level, bytes, segments: segments) }
            return
        }
        if message.buffer.external != nil {
            message.buffer.withPieces { pieces, segments in Self.gather(pieces, segments: segments, core, level, module) }
            return
        }
        message.buffer.withBytes { bytes, segments in
            _ = segments
                ? sluice_log_segments(core, level, module, bytes.baseAddress, bytes.count)
                : sluice_log(core, level, module, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
    }

    /// A message held in pieces (a string kept by reference), copied straight into its record.
    static func gather(_ pieces: SegmentBuffer.Pieces, segments: Bool, _ core: OpaquePointer, _ level: Int32, _ module: Int32) {
        var record = sluice_reservation()
        let status = segments
            ? sluice_reserve_segments(core, level, module, pieces.count, &record)
            : sluice_reserve(core, level, module, pieces.count, &record)
        guard status == SLUICE_OK else { return }
        sluice_commit(core, &record, pieces.copy(to: record.message, capacity: record.capacity))
    }

    /// Hands plain text (a message with no values or fields) to the core straight from its UTF-8.
    func write(level: Int32, text: String) {
        var text = text
        text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            if let overflow {
                logLabelled(overflow, level, bytes, segments: false)
            } else {
                _ = sluice_log(corePointer, level, moduleID, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        }
    }

    /// A record of a module past the table, its own name as its label.
    func logLabelled(_ overflow: OverflowModule, _ level: Int32, _ bytes: UnsafeRawBufferPointer, segments: Bool) {
        var label = overflow.label
        label.withUTF8 { label in
            _ = label.withMemoryRebound(to: CChar.self) { label in
                sluice_log_labelled(
                    corePointer, level, moduleID, label.baseAddress, label.count, bytes.baseAddress, bytes.count,
                    segments ? 1 : 0)
            }
        }
    }
}

extension Logger.Level {
    /// The C core's number for this level.
    @inlinable
    var sluiceLevel: Int32 {
        switch self {
        case .trace: Int32(SLUICE_TRACE)
        case .debug: Int32(SLUICE_DEBUG)
        case .info: Int32(SLUICE_INFO)
        case .notice: Int32(SLUICE_NOTICE)
        case .warning: Int32(SLUICE_WARNING)
        case .error: Int32(SLUICE_ERROR)
        case .critical: Int32(SLUICE_CRITICAL)
        }
    }

    init(sluiceLevel: Int32) {
        self = Logger.Level.allCases.first { $0.sluiceLevel == sluiceLevel } ?? .trace
    }
}
