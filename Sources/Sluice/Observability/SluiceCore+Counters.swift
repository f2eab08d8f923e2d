import CSluice
import Logging

extension SluiceCore {
    /// A core's counters at one moment, each exact (``SluiceCore/counters``, ``SluiceStats/counters``).
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
        /// Bytes written to the first sink, drop reports included.
        public var bytesWritten: UInt64
        /// Writes to the first sink that failed (each retried or its records counted as dropped).
        public var writeErrors: UInt64
        /// Ring bytes reserved and not yet released by the writer, as the writer last saw them.
        public var depthBytes: UInt64
        /// The deepest the ring has been, in bytes, as the writer saw it each time it released room:
        /// `ringBytes` (less a record) once the ring has filled.
        public var highWaterBytes: UInt64
        /// The part of `dropped` that found the ring full.
        public var droppedFull: UInt64
        /// The part of `dropped` the sink refused.
        public var droppedBySink: UInt64
        /// The part of `dropped` that close gave up on: committed behind a reservation never
        /// committed within close's patience, or that reservation's own late commit.
        public var droppedAbandoned: UInt64
        /// Calls a sampling logger left out.
        public var sampledOut: UInt64
        /// Sampling keys forgotten to make room for new ones (each starts again if it comes back).
        public var samplingKeysForgotten: UInt64
        /// Calls below their module's level.
        public var filtered: UInt64
        /// Writes that completed a batch.
        public var batches: UInt64
        /// Flushes that had to wait for the writer.
        public var flushes: UInt64
        /// Log file rotations.
        public var rotations: UInt64
        /// Rotations that could not rename or reopen the file: writing went on in the file it had.
        public var rotationFailures: UInt64
        /// Log file reopens asked for (``SluiceCore/reopen()``, `sluice reopen`, SIGHUP).
        public var reopens: UInt64
        /// Records accepted and neither written nor dropped yet.
        public var depthRecords: UInt64
        /// The size of each ring, in bytes (``SluiceConfiguration/queueBytes``).
        public var ringBytes: UInt64
        /// `dropped` by the records' level, every level present: a flood of debug that fills the
        /// ring sheds debug, never warning and above while the reserve holds them.
        public var droppedByLevel: [Logger.Level: UInt64]
    }
}

extension SluiceCore.Counters {
    init(_ c: sluice_counters) {
        self.init(
            accepted: c.accepted, written: c.written, dropped: c.dropped, droppedAfterClose: c.dropped_after_close,
            truncated: c.truncated, bytesWritten: c.bytes_written, writeErrors: c.write_errors,
            depthBytes: c.depth_bytes, highWaterBytes: c.high_water_bytes, droppedFull: c.dropped_full,
            droppedBySink: c.dropped_by_sink, droppedAbandoned: c.dropped_abandoned, sampledOut: c.sampled_out,
            samplingKeysForgotten: c.keys_forgotten, filtered: c.filtered, batches: c.batches,
            flushes: c.flushes, rotations: c.rotations, rotationFailures: c.rotation_failures, reopens: c.reopens,
            depthRecords: c.depth_records, ringBytes: c.ring_bytes,
            droppedByLevel: withUnsafeBytes(of: c.dropped_by_level) { raw in
                Dictionary(uniqueKeysWithValues: Logger.Level.allCases.map { level in
                    (level, raw.load(fromByteOffset: Int(level.sluiceLevel) * 8, as: UInt64.self))
                })
            })
    }
}

extension SluiceCore.Counters {
    /// Two cores' counters added up (a process's total): every count summed, the depth and
    /// capacity too; the high-water mark is the deeper of the two.
    public static func + (a: SluiceCore.Counters, b: SluiceCore.Counters) -> SluiceCore.Counters {
        SluiceCore.Counters(
            accepted: a.accepted + b.accepted, written: a.written + b.written, dropped: a.dropped + b.dropped,
            droppedAfterClose: a.droppedAfterClose + b.droppedAfterClose, truncated: a.truncated + b.truncated,
            bytesWritten: a.bytesWritten + b.bytesWritten, writeErrors: a.writeErrors + b.writeErrors,
            depthBytes: a.depthBytes + b.depthBytes, highWaterBytes: max(a.highWaterBytes, b.highWaterBytes),
            droppedFull: a.droppedFull + b.droppedFull, droppedBySink: a.droppedBySink + b.droppedBySink,
            droppedAbandoned: a.droppedAbandoned + b.droppedAbandoned, sampledOut: a.sampledOut + b.sampledOut,
            samplingKeysForgotten: a.samplingKeysForgotten + b.samplingKeysForgotten, filtered: a.filtered + b.filtered,
            batches: a.batches + b.batches, flushes: a.flushes + b.flushes, rotations: a.rotations + b.rotations,
            rotationFailures: a.rotationFailures + b.rotationFailures, reopens: a.reopens + b.reopens,
            depthRecords: a.depthRecords + b.depthRecords, ringBytes: a.ringBytes + b.ringBytes,
            droppedByLevel: a.droppedByLevel.merging(b.droppedByLevel, uniquingKeysWith: +))
    }
}
