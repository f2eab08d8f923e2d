import CSluice
import Logging

/// One Sluice logging core: a bounded lock-free ring, a writer thread, and a sink.
///
/// Log calls on any thread copy their record into the ring and return without
/// waiting for I/O; the writer thread renders records in order and writes them
/// in batches. Loggers keep their core alive; the core is closed (drained) and
/// freed when the last reference goes, or earlier with ``close()``.
public final class SluiceCore: Sendable {
    /// What a log call does when the ring has no room for its record.
    public enum Overflow: Sendable {
        /// Return at once; the record is counted as dropped and the gap is reported in the log.
        case drop
        /// Wait (sleeping, not spinning) until the writer frees room.
        case block
    }

    /// How a core is opened.
    public struct Options: Sendable {
        /// Ring capacity in bytes: a power of two from 4 KiB to 1 GiB.
        public var ringBytes: Int
        public var overflow: Overflow
        /// The log file, appended to and created if missing; `nil` writes to stderr.
        public var path: String?

        public init(ringBytes: Int = 4 << 20, overflow: Overflow = .drop, path: String? = nil) {
            self.ringBytes = ringBytes
            self.overflow = overflow
            self.path = path
        }
    }

    /// The core's counters at one moment.
    public struct Counters: Sendable, Equatable {
        /// Records handed to the core.
        public var accepted: UInt64
        /// Records written to the sink.
        public var written: UInt64
        /// Records not written: the ring was full, the core was closed, or the sink failed.
        public var dropped: UInt64
        /// The part of `dropped` logged after ``SluiceCore/close()`` began.
        public var droppedAfterClose: UInt64
        /// Records cut to the ring's largest message.
        public var truncated: UInt64
        public var bytesWritten: UInt64
        public var writeErrors: UInt64
        /// Ring bytes reserved and not yet released by the writer.
        public var depthBytes: UInt64
        /// The largest depth the writer has seen.
        public var highWaterBytes: UInt64
    }

    @usableFromInline nonisolated(unsafe) let pointer: OpaquePointer

    /// Opens a core. Throws ``SluiceError`` naming the problem (a file that cannot be
    /// opened, a ring size that is not a power of two).
    public init(_ options: Options = Options()) throws(SluiceError) {
        var c = sluice_options()
        sluice_options_init(&c)
        c.ring_bytes = options.ringBytes < 0 ? 0 : options.ringBytes
        c.overflow = options.overflow == .drop ? Int32(SLUICE_OVERFLOW_DROP) : Int32(SLUICE_OVERFLOW_BLOCK)
        var error = [CChar](repeating: 0, count: 512)
        let opened: OpaquePointer? = options.path.withOptionalCString { path in
            c.path = path
            return sluice_open(&c, &error, error.count)
        }
        guard let opened else {
            throw SluiceError(message: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        pointer = opened
    }

    deinit {
        sluice_free(pointer)
    }

    /// A logger for `module`. Loggers are cheap values; make one per module and keep it.
    public func logger(_ module: String) -> SluiceLogger {
        SluiceLogger(core: self, module: sluice_module(pointer, module))
    }

    /// Waits until every record logged before the call is written; `false` if `timeout` passed first.
    @discardableResult
    public func flush(timeout: Duration? = nil) -> Bool {
        let milliseconds = timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
        return sluice_flush(pointer, milliseconds) == SLUICE_OK
    }

    /// Stops accepting records, writes every accepted one, and closes the sink.
    /// Later log calls are counted as dropped after close.
    public func close() {
        sluice_close(pointer)
    }

    public var counters: Counters {
        var c = sluice_counters()
        sluice_counters_read(pointer, &c)
        return Counters(
            accepted: c.accepted, written: c.written, dropped: c.dropped, droppedAfterClose: c.dropped_after_close,
            truncated: c.truncated, bytesWritten: c.bytes_written, writeErrors: c.write_errors,
            depthBytes: c.depth_bytes, highWaterBytes: c.high_water_bytes)
    }
}

/// Why a core could not be opened.
public struct SluiceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

extension Optional where Wrapped == String {
    fileprivate func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        switch self {
        case .some(let string): string.withCString { body($0) }
        case .none: body(nil)
        }
    }
}
