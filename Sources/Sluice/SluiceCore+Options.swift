import CSluice
import Logging

extension SluiceCore {
    public struct Options: Sendable {
        /// Ring capacity in bytes: a power of two from 4 KiB to 1 GiB.
        public var ringBytes: Int
        public var overflow: Overflow
        /// The log file, appended to and created if missing; `nil` writes to stderr. A symbolic link,
        /// a directory, a FIFO or a socket is refused: the file must be a regular file or a character device.
        public var path: String?
        /// No writer thread: each record is written on the caller's thread before the call returns.
        public var synchronous: Bool
        /// The level of modules without one of their own.
        public var level: Logger.Level
        /// Levels by module name: the exact name first, then names with the same
        /// ``Sluice/environmentName(of:)`` (one in that form wins, then the first in sorted order).
        public var moduleLevels: [String: Logger.Level]
        /// The sample rate, in [0, 1], of sampling loggers of modules without one of their own.
        public var sampleRate: Double
        /// Sample rates by module name, matched as ``moduleLevels`` are.
        public var moduleSampleRates: [String: Double]
        /// Time 1 log call in this many for the call-latency histogram: a power of two, or 0 for none.
        public var callTimingEvery: Int
        /// The permissions of a log file the core creates (less the umask).
        public var fileMode: UInt32

        public init(
            ringBytes: Int = 4 << 20, overflow: Overflow = .drop, path: String? = nil, synchronous: Bool = false,
            level: Logger.Level = .info, moduleLevels: [String: Logger.Level] = [:],
            sampleRate: Double = 1, moduleSampleRates: [String: Double] = [:], callTimingEvery: Int = 64,
            fileMode: UInt32 = 0o640
        ) {
            self.ringBytes = ringBytes
            self.overflow = overflow
            self.path = path
            self.synchronous = synchronous
            self.level = level
            self.moduleLevels = moduleLevels
            self.sampleRate = sampleRate
            self.moduleSampleRates = moduleSampleRates
            self.callTimingEvery = callTimingEvery
            self.fileMode = fileMode
        }
    }

    /// The core's counters at one moment.
}

extension SluiceCore.Options {
    /// These options for the C core, but for the path, which must outlive the call it is passed to.
    var cOptions: sluice_options {
        var c = sluice_options()
        sluice_options_init(&c)
        c.ring_bytes = max(ringBytes, 0)
        c.overflow = overflow == .drop ? Int32(SLUICE_OVERFLOW_DROP) : Int32(SLUICE_OVERFLOW_BLOCK)
        c.synchronous = synchronous ? 1 : 0
        c.call_timing_every = UInt32(clamping: callTimingEvery)
        c.file_mode = fileMode
        return c
    }
}
