import CSluice
import Logging

/// A logger that emits an exact share of each key's calls below warning.
///
/// For rate r, the first call of a key is emitted, and after n calls of the key
/// exactly ⌈n·r⌉ have been (10% → calls 1, 11, 21, …), however many threads call.
/// Warning, error and critical are never sampled. Keys are compared by their text
/// and counted independently. A module keeps about 1,024 keys; when a new key finds
/// no room, the key used least recently near its place is forgotten (it starts again
/// if it comes back, its next call emitted), so keys made per request never starve the
/// module's other keys. Forgotten keys are counted (`samplingKeysForgotten`).
///
/// ```swift
/// let sampled = Sluice.samplingLogger("resilient_websocket")
/// sampled.debug("enqueue id=\(id)", key: "enqueue")
/// sampled.sampled(key: "flush") { log in log.debug("flushed \(n) messages") }
/// ```
public struct SamplingLogger: Sendable {
    /// The logger records go to once sampled in, with the context they carry.
    public private(set) var logger: SluiceLogger
    /// The key counters, the rate, and where sampled-out calls are counted: the module's.
    @usableFromInline let keys: KeySampler

    /// A sampling logger at a fixed rate, in [0, 1], counting keys with the module's own counters,
    /// so that one made per call is as exact as one kept. A rate outside [0, 1] is reported on
    /// stderr and 1 used.
    public init(_ logger: SluiceLogger, sampleRate: Double) {
        self.logger = logger
        keys = KeySampler(moduleOf: logger, fixedRate: sampleRate)
    }

    /// The module's sampling logger: its rate and counters are the module's.
    init(moduleOf logger: SluiceLogger) {
        self.logger = logger
        keys = KeySampler(moduleOf: logger, fixedRate: nil)
    }

    /// Metadata every record of this logger carries (``SluiceLogger/metadata``).
    public var metadata: Logger.Metadata {
        get { logger.metadata }
        set { logger.metadata = newValue }
    }

    /// One key of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { logger[metadataKey: key] }
        set { logger[metadataKey: key] = newValue }
    }

    /// Adds metadata to each sampled-in record at its call (``SluiceLogger/metadataProvider``).
    public var metadataProvider: Logger.MetadataProvider? {
        get { logger.metadataProvider }
        set { logger.metadataProvider = newValue }
    }

    /// Logs `message` if it passes the module's level and, below warning, if this call
    /// of `key` is sampled in.
    @inlinable
    public func log(
        level: Logger.Level, _ message: @autoclosure () -> SluiceMessage,
        metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(level.sluiceLevel, message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// As ``log(level:_:metadata:key:file:function:line:)``, with `error` as `error.message`
    /// and `error.type` beside `metadata`.
    @inlinable
    public func log(
        level: Logger.Level, _ message: @autoclosure () -> SluiceMessage, error: any Error,
        metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(level.sluiceLevel, message, metadata, key, CallSite(file: file, function: function, line: line, error: error))
    }

    /// log's body, taking the caller's closures as they are (SluiceLogger.emit says why).
    @inlinable @inline(__always)
    func emit(
        _ level: Int32, _ message: () -> SluiceMessage, _ metadata: () -> Logger.Metadata?, _ key: SamplingKey,
        _ site: CallSite
    ) {
        guard sluice_enabled(logger.levelWord, level) != 0 else {
            logger.filtered(level, message, metadata, site)
            return
        }
        if level < Int32(SLUICE_WARNING) && !keys.admits(key) {
            return
        }
        var message = message()
        logger.write(level: level, &message, metadata: metadata(), site)
    }

    /// Runs body only when the module lets `level` through (the level of what body logs:
    /// debug unless given) and, below warning, on the sampled-in calls of `key`. A call below
    /// the level is counted as filtered and takes no number, as a log call below it; with a
    /// flight recorder, whose records are kept below the level, body's share runs still.
    @inlinable
    public func sampled(key: SamplingKey, level: Logger.Level = .debug, _ body: (SluiceLogger) throws -> Void) rethrows {
        guard sluice_enabled(logger.levelWord, level.sluiceLevel) != 0 || logger.keepsFiltered else {
            logger.countFiltered()
            return
        }
        if level >= .warning || keys.admits(key) {
            try body(logger)
        }
    }

    /// Whether a call at `level` of `key` goes on to evaluate its values, as a call of
    /// ``log(level:_:metadata:key:file:function:line:)`` would go on to build its message: when
    /// the module's level lets it through and, below warning, this call of `key` is sampled in
    /// (it takes the key's next number); or below the level with a flight recorder, which keeps
    /// it unsampled. A call below the level is counted as filtered then, and takes no number.
    /// What passes is logged with ``logger`` (what a macro's expansion does).
    @inlinable
    public func shouldLog(_ level: Logger.Level, key: SamplingKey) -> Bool {
        let level = level.sluiceLevel
        guard sluice_enabled(logger.levelWord, level) != 0 else {
            guard logger.keepsFiltered else {
                logger.countFiltered()
                return false
            }
            return true
        }
        return level >= Int32(SLUICE_WARNING) || keys.admits(key)
    }

    /// Logs `message` at trace, with `metadata` as its fields, if this call of `key` is sampled in
    /// and the module's level lets it through.
    @inlinable
    public func trace(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_TRACE), message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at debug, with `metadata` as its fields, if this call of `key` is sampled in
    /// and the module's level lets it through.
    @inlinable
    public func debug(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_DEBUG), message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at info, with `metadata` as its fields, if this call of `key` is sampled in
    /// and the module's level lets it through.
    @inlinable
    public func info(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_INFO), message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at notice, with `metadata` as its fields, if this call of `key` is sampled in
    /// and the module's level lets it through.
    @inlinable
    public func notice(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_NOTICE), message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at warning, with `metadata` as its fields, never sampled
    /// and the module's level lets it through.
    @inlinable
    public func warning(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_WARNING), message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at error, with `metadata` as its fields, never sampled
    /// and the module's level lets it through.
    @inlinable
    public func error(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_ERROR), message, metadata, key, CallSite(file: file, function: function, line: line))
    }

    /// Logs `message` at critical, with `metadata` as its fields, never sampled
    /// and the module's level lets it through.
    @inlinable
    public func critical(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        emit(Int32(SLUICE_CRITICAL), message, metadata, key, CallSite(file: file, function: function, line: line))
    }
}

/// What a sampling logger counts calls by: a string literal, or any string.
/// Keys are compared by their text: two keys share counters only if their text is the same.
public struct SamplingKey: ExpressibleByStringLiteral, Hashable, Sendable {
    @usableFromInline let literal: StaticString?
    @usableFromInline let string: String?
    /// Where the key's counters sit in a sampler's table (collisions only cost a probe).
    @usableFromInline let hash: UInt64

    /// A key of a string literal: its text is not copied.
    @inlinable
    public init(stringLiteral key: StaticString) {
        literal = key
        string = nil
        hash = key.withUTF8Buffer { Self.hash(UnsafeRawBufferPointer($0)) }
    }

    /// A key built at run time, such as one from a request id.
    public init(_ key: String) {
        var key = key
        key.makeContiguousUTF8()
        literal = nil
        string = key
        hash = key.utf8.withContiguousStorageIfAvailable { Self.hash(UnsafeRawBufferPointer($0)) }!
    }

    /// The key's UTF-8 bytes.
    @inlinable
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let literal { return literal.withUTF8Buffer { body(UnsafeRawBufferPointer($0)) } }
        return string!.utf8.withContiguousStorageIfAvailable { body(UnsafeRawBufferPointer($0)) }!
    }

    /// The sampler's verdict on this call of the key (SLUICE_SAMPLE_EMIT, SLUICE_SAMPLE_FORGOT).
    @inlinable
    func take(_ sampler: OpaquePointer, _ ppm: UInt32) -> Int32 {
        withBytes { bytes in
            if bytes.count > Int(SLUICE_SAMPLER_KEY_BYTES) { return Self.takeLong(sampler, bytes, hash, ppm) }
            return sluice_sampler_take(sampler, bytes.baseAddress, bytes.count, UInt64(bytes.count), hash, ppm)
        }
    }

    /// A key longer than the sampler keeps: its first bytes and a 128-bit digest of the whole from
    /// Swift's SipHash, seeded per process, so that no two long keys can be made to collide from outside.
    @usableFromInline
    static func takeLong(_ sampler: OpaquePointer, _ bytes: UnsafeRawBufferPointer, _ hash: UInt64, _ ppm: UInt32) -> Int32 {
        let kept = Int(SLUICE_SAMPLER_KEY_BYTES) - 16
        var stored = [UInt8](bytes[..<kept])
        for half: UInt8 in [0, 1] {
            var hasher = Hasher()
            hasher.combine(half)
            hasher.combine(bytes: bytes)
            withUnsafeBytes(of: UInt64(bitPattern: Int64(hasher.finalize())).littleEndian) { stored += $0 }
        }
        return sluice_sampler_take(sampler, stored, stored.count, UInt64(bytes.count), hash, ppm)
    }

    /// Whether the two keys' texts are the same.
    public static func == (a: SamplingKey, b: SamplingKey) -> Bool {
        a.withBytes { a in b.withBytes { b in a.elementsEqual(b) } }
    }

    /// Hashes the key's text.
    public func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    /// Eight bytes a step, each step one multiply: a short key costs a few
    /// instructions (a byte-at-a-time hash made sampled-out calls 40% slower).
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = UInt64(truncatingIfNeeded: bytes.count) &* k
        guard let base = bytes.baseAddress else { return h }
        var offset = 0
        while offset &+ 8 <= bytes.count {
            h = (h ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* k
            h ^= h >> 29
            offset &+= 8
        }
        // The last 1...7 bytes: two overlapping halves, or three single bytes.
        let left = bytes.count &- offset
        var tail: UInt64 = 0
        if left >= 4 {
            tail = UInt64(base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                | UInt64(base.loadUnaligned(fromByteOffset: offset &+ left &- 4, as: UInt32.self)) << 32
        } else if left > 0 {
            tail = UInt64(base.load(fromByteOffset: offset, as: UInt8.self))
                | UInt64(base.load(fromByteOffset: offset &+ left >> 1, as: UInt8.self)) << 8
                | UInt64(base.load(fromByteOffset: offset &+ left &- 1, as: UInt8.self)) << 16
        }
        h = (h ^ tail) &* k
        return h ^ (h >> 32)
    }
}

/// A sampler of its own, freed when its last user goes.
final class OwnedSampler: Sendable {
    nonisolated(unsafe) let pointer: OpaquePointer

    init(keys: UInt32) {
        guard let sampler = sluice_sampler_create(keys) else {
            fatalError("sluice: out of memory making a sampler")
        }
        pointer = sampler
    }

    deinit {
        sluice_sampler_destroy(pointer)
    }
}
