import ArgumentParser
import Foundation
import Sluice

struct Recover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the records a killed process had logged but not yet written (cores opened with LOG_RECOVERABLE=true).",
        discussion: """
            Each record is written once, in order, with its original timestamp; the ring file is then marked \
            recovered, so a second run writes nothing. A running process's files are refused: its own writer \
            writes them. So is a file its process did not make: not a regular file of mode 0600 owned by this \
            user, or named for another process or core than its header names. A file that cannot be recovered \
            costs one line on stderr and the others are still recovered; the exit status is 2 only when none \
            could be. A summary goes to stderr.
            """)

    @Argument(help: "The dead process's id, or one ring file (<statistics file>.ring).")
    var target: String

    @Option(help: "Append the records to this file (created if missing; never through a symbolic link) instead of writing them to stdout.")
    var output: String?

    @Option(help: "text, logfmt or json (default: the format of the process's first sink).")
    var format: String?

    func run() throws {
        try inspecting {
            var lineFormat: SluiceConfiguration.Format?
            if let format {
                guard let known = SluiceConfiguration.Format(rawValue: format) else {
                    throw InspectFailure(line: "sluice: '\(format)' is not a format (text, logfmt, json); nothing was recovered")
                }
                lineFormat = known
            }
            let files: [String]
            if let pid = Int32(target) {
                files = SluiceRecovery.ringFiles(pid: pid)
                guard !files.isEmpty else {
                    throw InspectFailure(
                        line: "sluice: process \(pid) left no ring file in \(SluiceStatsMapping.directory) (was it logging "
                            + "with LOG_RECOVERABLE=true, with the same SLUICE_STATS_DIR?); nothing was recovered")
                }
            } else {
                files = [target]
            }
            let fd = try output.map(openOutput) ?? STDOUT_FILENO
            defer { if fd != STDOUT_FILENO { close(fd) } }
            // A bad file (planted, corrupt, locked) costs its own records only: one line each.
            var failures: [SluiceError] = []
            for file in files {
                do throws(SluiceError) {
                    let recovery = try SluiceRecovery.recover(ringFile: file, to: fd, format: lineFormat)
                    reportSkipped(summary(recovery, file))
                } catch {
                    failures.append(error)
                }
            }
            if failures.count == files.count, let last = failures.popLast() {
                failures.forEach { reportSkipped($0.message) }
                throw last  // nothing usable: exit 2
            }
            failures.forEach { reportSkipped($0.message + "; skipped") }
        }
    }

    /// The output, appended to; never through a symbolic link (as `LOG_FILE`).
    private func openOutput(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else {
            let reason = errno == ELOOP
                ? "it is a symbolic link, which Sluice does not follow (name the file itself)" : String(cString: strerror(errno))
            throw InspectFailure(line: "sluice: cannot open \(path) for the records: \(reason); nothing was recovered")
        }
        return fd
    }

    private func summary(_ r: SluiceRecovery, _ file: String) -> String {
        let process = "sluice: process \(r.pid) core \(r.coreID)"
        guard r.records > 0 || r.torn > 0 else {
            return "\(process): nothing to recover in \(file) (every record was written, or recovered before)"
        }
        var notes: [String] = []
        if r.torn > 0 { notes.append("\(r.torn) torn reservations skipped: their producers died before committing them") }
        if r.maybeWritten > 0 { notes.append("\(r.maybeWritten) of them were being written when it died and may be in its log too") }
        if !r.modulesNamed { notes.append("its statistics file is gone, so modules are named module-<id>") }
        return "\(process): recovered \(r.records) records from \(file)" + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
    }
}
