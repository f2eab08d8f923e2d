import CSluice
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one recovery of a dead process's ring file wrote (``SluiceConfiguration/recoverable``).
public struct SluiceRecovery: Sendable, Equatable {
    /// The process the ring was in, and its core.
    public var pid: Int32
    /// The id of the core, unique in that process.
    public var coreID: UInt64
    /// Records written, each with its original timestamp, in order.
    public var records: UInt64
    /// Of ``records``, those the dead writer was writing when the process died: they may be in
    /// its log as well (at most one batch).
    public var maybeWritten: UInt64
    /// Reservations never committed: their producer died while filling them.
    public var torn: UInt64
    /// Bytes written to the output, the lines of every record recovered.
    public var bytes: UInt64
    /// Module names came from the statistics file beside the ring (else `module-<id>`).
    public var modulesNamed: Bool

    /// Writes every record that the process whose ring file is at `path` had committed but not
    /// yet written, to `fd`, in `format` (`nil`: the format of the process's first sink), then
    /// marks the file recovered so that a second recovery writes nothing. Throws for a file that
    /// is not a ring file, belongs to a live process, is being recovered by someone else, or when
    /// a write fails (the file is then left as it was).
    public static func recover(ringFile path: String, to fd: Int32, format: SluiceConfiguration.Format? = nil)
        throws(SluiceError) -> SluiceRecovery
    {
        var result = sluice_recovery()
        var error = [CChar](repeating: 0, count: 512)
        guard sluice_recover(path, fd, format?.sluiceFormat ?? -1, &result, &error, error.count) == SLUICE_OK else {
            throw SluiceError(message: String(cBuffer: error))
        }
        return SluiceRecovery(
            pid: result.pid, coreID: result.core_id, records: result.records, maybeWritten: result.maybe_written,
            torn: result.torn, bytes: result.bytes, modulesNamed: result.modules_named != 0)
    }

    /// The ring file at `path` holds records that neither its writer nor a recovery wrote.
    public static func isPending(ringFile path: String) -> Bool {
        sluice_recover_pending(path) != 0
    }

    /// The ring files of process `pid` in `directory` (the statistics directory unless given),
    /// one per recoverable core: each statistics file's name with `.ring` after it.
    public static func ringFiles(pid: Int32, in directory: String = SluiceStatsMapping.directory) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let rings = names.filter { name in
            name.hasSuffix(".ring") && SluiceStatsMapping.pid(inFileName: String(name.dropLast(5))) == pid
        }
        return rings.sorted().map { directory + "/" + $0 }
    }
}
