import CSluice
import Foundation
import SluiceTestSupport
import XCTest

final class FlushTests: XCTestCase {
    func testFlushReturnsOnlyOnceTheFileHoldsEveryEarlierRecord() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path, ringBytes: 1 << 20, overflow: Int32(SLUICE_OVERFLOW_BLOCK))
        let module = sluice_module(core.pointer, "flush")
        var expected = 0
        for round in 0..<50 {
            let count = 1 + round * 37
            onThreads(2) { t in
                for i in 0..<count { log(core, module, "round \(round) thread \(t) record \(i)") }
            }
            expected += 2 * count
            XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
            XCTAssertEqual(lines, expected, "round \(round)")
        }
        sluice_free(core.pointer)
    }

    func testFlushWithNothingToDoReturnsAtOnceWithoutWaking() throws {
        let path = temporaryLogPath(self)
        let core = try openCore(path: path)
        XCTAssertEqual(sluice_flush(core.pointer, 0), Int32(SLUICE_OK), "a fresh core has nothing to flush")
        let module = sluice_module(core.pointer, "flush")
        log(core, module, "one")
        XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
        let waited = counters(core).flushes
        for _ in 0..<100 { XCTAssertEqual(sluice_flush(core.pointer, 0), Int32(SLUICE_OK)) }
        XCTAssertEqual(counters(core).flushes, waited, "no flush had to wait for the writer")
        sluice_free(core.pointer)
    }

    func testFlushTimesOutWhileTheSinkIsStuckAndCompletesOnceItDrains() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[0]) }
        let reader = ends[0]
        let drained = DispatchSemaphore(value: 0)
        try withStandardError(writingTo: ends[1]) {
            close(ends[1])
            let core = try openCore(path: nil, ringBytes: 1 << 20)
            let module = sluice_module(core.pointer, "stuck")
            let line = String(repeating: "x", count: 200)
            for _ in 0..<2000 { log(core, module, line) }  // 500 KB: far more than a pipe holds
            XCTAssertEqual(sluice_flush(core.pointer, 200), Int32(SLUICE_TIMEOUT))

            Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while read(reader, &buffer, buffer.count) > 0 {}
                drained.signal()
            }.start()
            XCTAssertEqual(sluice_flush(core.pointer, -1), Int32(SLUICE_OK))
            let c = counters(core)
            XCTAssertEqual(c.written, 2000)
            XCTAssertEqual(c.dropped, 0)
            sluice_free(core.pointer)
        }  // the pipe's last write end closes: the reader sees end of file
        drained.wait()
    }
}
