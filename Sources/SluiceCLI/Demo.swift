import ArgumentParser
import Foundation
import Sluice

/// Four threads log through one core into a file, then the counters and the rate.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log records from several threads through one core and print the counters and throughput.")

    @Option(help: "The log file to write.")
    var path = "sluice-demo.log"

    @Option(help: "Producer threads.")
    var threads = 4

    @Option(help: "Records in all, split evenly between the threads.")
    var records = 1_000_000

    @Flag(help: "Drop records when the ring is full instead of waiting for room.")
    var drop = false

    @Option(help: "The ring's size in bytes, a power of two from 4096 to 1073741824.")
    var queueBytes = 4 << 20

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be at least 1, not \(threads)") }
        guard records >= threads else { throw ValidationError("--records must be at least --threads (\(threads)), not \(records)") }
    }

    func run() throws {
        // A fresh file each run; a device such as /dev/null stays as it is.
        if (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular {
            try FileManager.default.removeItem(atPath: path)
        }
        let core = try SluiceCore(.init(destination: .file(path), queueBytes: queueBytes, overflow: drop ? .drop : .block))
        let perThread = records / threads
        let start = ContinuousClock.now
        let done = DispatchGroup()
        for thread in 0..<threads {
            let log = core.logger("demo.worker\(thread)")
            done.enter()
            Thread {
                for i in 0..<perThread {
                    log.info("request id=\(i) thread=\(thread) status=ok")
                }
                done.leave()
            }.start()
        }
        done.wait()
        core.flush()
        let elapsed = ContinuousClock.now - start
        let counters = core.counters
        core.close()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("""
            wrote \(path)
            threads            \(threads) × \(perThread) records
            accepted           \(counters.accepted)
            written            \(counters.written)
            dropped            \(counters.dropped)
            bytes written      \(counters.bytesWritten)
            ring high water    \(counters.highWaterBytes) bytes
            elapsed            \(String(format: "%.3f", seconds)) s (first call until flushed)
            throughput         \(String(format: "%.2f", Double(counters.written) / seconds / 1e6)) M records/s
            """)
    }
}
