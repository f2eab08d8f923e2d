import CSluice
import Foundation
import Logging

/// A running process's statistics mapping, opened from outside it: the core's
/// counters, module settings and histograms, as `sluice stat` shows them. A
/// mapping opened writable can change the process's module levels and sample
/// rates, which its loggers see on their next call.
///
/// Mappings live in `$SLUICE_STATS_DIR`, else /dev/shm (/tmp on macOS), named
/// `sluice-<pid>-<core id>`, readable by their owner only.
public final class SluiceStatsMapping: @unchecked Sendable {  // the C view is only read, or written with atomics
    /// The mapping's file.
    public let path: String
    /// The process the core is in.
    public let pid: Int32
    /// That process's program name.
    public let command: String
    /// The core's id, unique in its process.
    public let coreID: UInt64
    private let view: OpaquePointer

    /// Reads a snapshot of the mapping at path, checked as `sluice_stats_open` checks it;
    /// throws its problem in words (missing, permission, a link or FIFO, a foreign owner,
    /// stale, truncated, corrupt, another layout version). `writable` also maps it, for
    /// ``setLevel(_:module:)`` and ``setSampleRate(_:module:)``.
    public init(path: String, writable: Bool = false) throws(SluiceError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let view = sluice_stats_open(path, writable ? 1 : 0, &error, error.count) else {
            var message = "sluice: " + String(cBuffer: error)
            if message.hasSuffix("Permission denied") {
                message += " (a mapping is readable by the process's user only: run as that user or root)"
            }
            throw SluiceError(message: message)
        }
        self.view = view
        self.path = path
        self.pid = sluice_stats_pid(view)
        self.command = String(cString: sluice_stats_command(view))
        self.coreID = sluice_stats_core_id(view)
    }

    deinit {
        sluice_stats_close(view)
    }

    /// The core's statistics now, read from the mapping.
    public var stats: SluiceStats {
        SluiceStats(reading: view)
    }

    /// Sets a module's level in the process, as an operator's: it wins over levels set in code
    /// until ``resetLevel(module:)``. Throws if the process has no such module.
    public func setLevel(_ level: Logger.Level, module: String) throws(SluiceError) {
        _ = sluice_stats_set_level(view, try moduleID(module), level.sluiceLevel)
    }

    /// Clears the level set at run time: the module's configured level applies again, and
    /// levels set in code. Throws if the process has no such module.
    public func resetLevel(module: String) throws(SluiceError) {
        _ = sluice_stats_reset_level(view, try moduleID(module))
    }

    /// An operator's level for a module that has not logged yet (not registered): the process
    /// applies it when the module registers, before its first call, so that an operator can turn
    /// a rare code path's debug lines on ahead of it. Replaces an earlier request for the name.
    /// Throws for a read-only mapping or when 16 requests are pending already.
    public func requestLevel(_ level: Logger.Level, module: String) throws(SluiceError) {
        guard sluice_stats_request_level(view, module, level.sluiceLevel) == SLUICE_OK else {
            throw SluiceError(message: "sluice: process \(pid) holds 16 level requests for modules that have not logged yet "
                + "(or the mapping was opened read-only); nothing was changed")
        }
    }

    /// Withdraws a ``requestLevel(_:module:)`` the module has not taken yet; false if none was pending.
    public func withdrawLevelRequest(module: String) -> Bool {
        sluice_stats_withdraw_level(view, module) == SLUICE_OK
    }

    /// Asks the process to reopen its log file before its next write (`sluice reopen`).
    public func reopen() throws(SluiceError) {
        guard sluice_stats_reopen(view) == SLUICE_OK else {
            throw SluiceError(message: "sluice: the mapping of process \(pid) was opened read-only; nothing was asked")
        }
    }

    /// Sets a module's sample rate, in [0, 1], in the process.
    public func setSampleRate(_ rate: Double, module: String) throws(SluiceError) {
        guard (0...1).contains(rate) else {
            throw SluiceError(message: "sluice: sample rate \(rate) is not a number from 0 to 1; nothing was changed")
        }
        _ = sluice_stats_set_sample_ppm(view, try moduleID(module), partsPerMillion(rate, setting: "module '\(module)'"))
    }

    private func moduleID(_ name: String) throws(SluiceError) -> Int32 {
        let id = sluice_stats_find_module(view, name)
        if id >= 0 { return id }
        let known = stats.modules.keys.sorted().joined(separator: ", ")
        throw SluiceError(message: "sluice: process \(pid) has no module '\(name)' (its modules: \(known)); nothing was changed")
    }

    /// Where mappings are: `$SLUICE_STATS_DIR`, else /dev/shm (/tmp on macOS).
    public static var directory: String {
        String(cString: sluice_stats_directory())
    }

    /// Every file in the directory named like a mapping, `sluice-<pid>-<core id>` (with a
    /// random part after it when that name was taken), with the pid its name gives, in pid order.
    package static func files() -> [(pid: Int32, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (Int32, String)? in
            pid(inFileName: name).map { ($0, directory + "/" + name) }
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// The pid a mapping's file name gives (`sluice-<pid>-<core id>[-<8 hex digits>]`), or nil
    /// for any other name (a ring file's, `<mapping>.ring`, among them).
    static func pid(inFileName name: String) -> Int32? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3 || (parts.count == 4 && parts[3].count == 8 && parts[3].allSatisfy(\.isHexDigit)),
              parts[0] == "sluice", let pid = Int32(parts[1]), UInt64(parts[2]) != nil else {
            return nil
        }
        return pid
    }

    /// Whether the file at path is a mapping left by a process that is gone (or whose pid
    /// another process has taken since), and whether this user owns it (and may remove it).
    package static func staleness(of path: String) -> (stale: Bool, owned: Bool) {
        var owned: Int32 = 0
        let stale = sluice_stats_stale(path, &owned) != 0
        return (stale, owned != 0)
    }

    /// True if a process with this pid exists (whether or not it may be signalled).
    package static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// The mappings of every core of a process. A file that cannot be trusted (see
    /// `sluice_stats_open`) or whose header names another process is skipped, its reason
    /// passed to `skipping`; throws a clear line when nothing usable is left: no such
    /// process, a stale mapping of a dead one, no mapping, every file refused.
    public static func open(pid: Int32, writable: Bool = false, skipping: (String) -> Void = { _ in })
        throws(SluiceError) -> [SluiceStatsMapping]
    {
        let paths = files().filter { $0.pid == pid }.map(\.path)
        guard processExists(pid) else {
            if paths.isEmpty {
                throw SluiceError(message: "sluice: no process \(pid)")
            }
            throw SluiceError(
                message: "sluice: process \(pid) is not running; \(paths.joined(separator: ", ")) "
                    + "\(paths.count == 1 ? "is a stale mapping" : "are stale mappings") it left (remove to clean up)")
        }
        guard !paths.isEmpty else {
            throw SluiceError(
                message: "sluice: process \(pid) has no Sluice mapping in \(directory) (is it using Sluice, "
                    + "with the same SLUICE_STATS_DIR?)")
        }
        var mappings: [SluiceStatsMapping] = []
        for path in paths {
            do throws(SluiceError) {
                let mapping = try SluiceStatsMapping(path: path, writable: writable)
                if mapping.pid == pid {
                    mappings.append(mapping)
                } else {
                    skipping("sluice: skipping \(path): its header names process \(mapping.pid), not \(pid)")
                }
            } catch {
                skipping("sluice: skipping \(error.message.dropFirst("sluice: ".count))")
            }
        }
        guard !mappings.isEmpty else {
            throw SluiceError(message: "sluice: process \(pid) has no usable Sluice mapping: every file was refused")
        }
        return mappings
    }
}
