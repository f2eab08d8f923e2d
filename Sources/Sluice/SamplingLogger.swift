import CSluice
import Logging

/// A logger that emits an exact share of each key's calls below warning.
///
/// For rate r, the first call of a key is emitted, and after n calls of the key
/// exactly ⌈n·r⌉ have been (10% → calls 1, 11, 21, …), however many threads call.
/// Warning, error and critical are never sampled. Keys are independent; past
/// 1,024 keys per sampler, new keys share one overflow counter.
///
/// ```swift
/// let sampled = Sluice.samplingLogger("resilient_websocket")
/// sampled.debug("enqueue id=\(id)", key: "enqueue")
/// sampled.sampled(key: "flush") { log in log.debug("flushed \(n) messages") }
/// ```
public struct SamplingLogger: @unchecked Sendable {  // the sampler and rate word are used atomically, through C
    /// The logger records go to once sampled in.
    public let logger: SluiceLogger
    @usableFromInline let sampler: OpaquePointer
    @usableFromInline let rateWord: UnsafePointer<UInt32>?
    @usableFromInline let fixedRate: UInt32
    private let owned: OwnedSampler?

    /// A sampling logger at a fixed rate, in [0, 1], with counters of its own: keep it
    /// rather than making one per call. A rate outside [0, 1] is reported on stderr and 1 used.
    public init(_ logger: SluiceLogger, sampleRate: Double) {
        var rate = sampleRate
        if !(0...1).contains(rate) {
            reportProblem("sluice: sample rate \(sampleRate) for module '\(logger.module)' is not a number from 0 to 1; using 1.0")
            rate = 1
        }
        let owned = OwnedSampler(maxKeys: 1024)
        let ppm = partsPerMillion(rate, setting: "module '\(logger.module)'")
        self.init(logger: logger, sampler: owned.pointer, rateWord: nil, fixedRate: ppm, owned: owned)
    }

    /// The module's sampling logger: its rate and counters are the module's.
    init(moduleOf logger: SluiceLogger) {
        if let overflow = logger.overflow {
            self.init(
                logger: logger, sampler: overflow.sampler.pointer, rateWord: UnsafePointer(overflow.rateWord),
                fixedRate: SLUICE_PPM_ALL, owned: overflow.sampler)
            return
        }
        guard let sampler = sluice_module_sampler(logger.core.pointer, logger.moduleID) else {
            self.init(logger, sampleRate: 1)  // out of memory: a sampler of its own
            return
        }
        self.init(
            logger: logger, sampler: sampler, rateWord: sluice_module_sample_word(logger.core.pointer, logger.moduleID),
            fixedRate: SLUICE_PPM_ALL, owned: nil)
    }

    private init(
        logger: SluiceLogger, sampler: OpaquePointer, rateWord: UnsafePointer<UInt32>?, fixedRate: UInt32,
        owned: OwnedSampler?
    ) {
        self.logger = logger
        self.sampler = sampler
        self.rateWord = rateWord
        self.fixedRate = fixedRate
        self.owned = owned
    }

    /// The rate now, in parts per million.
    @inlinable
    var rate: UInt32 {
        if let rateWord { return sluice_sample_ppm(rateWord) }
        return fixedRate
    }

    /// Logs `message` if it passes the module's level and, below warning, if this call
    /// of `key` is sampled in.
    @inlinable
    public func log(
        level: Logger.Level, _ message: @autoclosure () -> SluiceMessage,
        metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        let level = level.sluiceLevel
        guard sluice_enabled(logger.levelWord, level) != 0 else {
            sluice_count_filtered(logger.corePointer, logger.coreID, logger.moduleID)
            return
        }
        if level < Int32(SLUICE_WARNING) && sluice_sampler_take(sampler, key.hash, rate) == 0 {
            sluice_count_sampled_out(logger.corePointer, logger.coreID, logger.moduleID)
            return
        }
        var message = message()
        logger.write(level: level, &message, metadata: metadata())
    }

    /// Runs body only on the sampled-in calls of `key`.
    @inlinable
    public func sampled(key: SamplingKey, _ body: (SluiceLogger) throws -> Void) rethrows {
        if sluice_sampler_take(sampler, key.hash, rate) != 0 {
            try body(logger)
        } else {
            sluice_count_sampled_out(logger.corePointer, logger.coreID, logger.moduleID)
        }
    }

    @inlinable
    public func trace(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .trace, message(), metadata: metadata(), key: key)
    }

    @inlinable
    public func debug(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .debug, message(), metadata: metadata(), key: key)
    }

    @inlinable
    public func info(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .info, message(), metadata: metadata(), key: key)
    }

    @inlinable
    public func notice(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .notice, message(), metadata: metadata(), key: key)
    }

    @inlinable
    public func warning(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .warning, message(), metadata: metadata(), key: key)
    }

    @inlinable
    public func error(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .error, message(), metadata: metadata(), key: key)
    }

    @inlinable
    public func critical(
        _ message: @autoclosure () -> SluiceMessage, metadata: @autoclosure () -> Logger.Metadata? = nil, key: SamplingKey
    ) {
        log(level: .critical, message(), metadata: metadata(), key: key)
    }
}

/// What a sampling logger counts calls by: a string literal, or any string.
/// Keys with the same text are the same key.
public struct SamplingKey: ExpressibleByStringLiteral, Hashable, Sendable {
    /// A 64-bit hash of the key's UTF-8 bytes.
    @usableFromInline let hash: UInt64

    @inlinable
    public init(stringLiteral key: StaticString) {
        hash = key.withUTF8Buffer { Self.hash(UnsafeRawBufferPointer($0)) }
    }

    /// A key built at run time, such as one from a request id.
    public init(_ key: String) {
        var key = key
        hash = key.withUTF8 { Self.hash(UnsafeRawBufferPointer($0)) }
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

/// A sampler a fixed-rate logger made, freed when its last copy goes.
final class OwnedSampler: Sendable {
    nonisolated(unsafe) let pointer: OpaquePointer

    init(maxKeys: UInt32) {
        guard let sampler = sluice_sampler_create(maxKeys) else {
            fatalError("sluice: out of memory making a sampler")
        }
        pointer = sampler
    }

    deinit {
        sluice_sampler_destroy(pointer)
    }
}
