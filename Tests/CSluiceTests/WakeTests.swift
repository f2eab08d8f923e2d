import CSluice
import Foundation
import SluiceTestSupport
import XCTest

final class WakeTests: XCTestCase {
    /// An idle writer naps for 10 ms, then sleeps until a commit rings its doorbell. A commit
    /// that publishes with a plain store (asymmetric.h) must still see the writer's
    /// announcement, or the writer must see the record: each record below is written with no
    /// flush, no kick and no later record to wake the writer.
    func testARecordLoggedWhileTheWriterSleepsIsWrittenWithoutAFlush() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        let module = sluice_module(core.pointer, "wake")
        for n in 1...25 {
            usleep(n % 5 == 0 ? 30_000 : 12_000)  // past the naps: asleep, or just announcing it
            XCTAssertEqual(log(core, module, "record \(n)"), Int32(SLUICE_OK))
            let deadline = Date().addingTimeInterval(5)
            while counters(core).written < UInt64(n) && Date() < deadline { usleep(200) }
            XCTAssertEqual(counters(core).written, UInt64(n), "record \(n) waits for a writer that sleeps through it")
        }
        sluice_free(core.pointer)
        XCTAssertEqual(readLines(path).map { String(decoding: $0.message, as: UTF8.self) }, (1...25).map { "record \($0)" })
    }
}
