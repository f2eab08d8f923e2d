import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// The rollback switch: no writer thread, every record on the file when its call returns.
final class SynchronousTests: XCTestCase {
    func openSynchronous(_ path: String) throws -> Core {
        var options = sluice_options()
        sluice_options_init(&options)
        options.synchronous = 1
        var error = [CChar](repeating: 0, count: 256)
        let pointer = path.withCString { p -> OpaquePointer? in options.path = p; return sluice_open(&options, &error, error.count) }
        guard let pointer else { throw OpenFailure(description: cString(error)) }
        return Core(pointer: pointer)
    }

    func testEachRecordIsInTheFileWhenItsCallReturns() throws {
        let path = temporaryLogPath(self)
        let core = try openSynchronous(path)
        let module = sluice_module(core.pointer, "sync")
        for i in 0..<200 {
            XCTAssertEqual(log(core, module, "record \(i)\nsecond line"), Int32(SLUICE_OK))
            let lines = readLines(path)
            XCTAssertEqual(lines.count, i + 1)
            XCTAssertEqual(String(decoding: lines.last!.message, as: UTF8.self), #"record \#(i)\nsecond line"#)
        }
        let c = counters(core)
        XCTAssertEqual(c.accepted, 200)
        XCTAssertEqual(c.written, 200)
        XCTAssertEqual(c.dropped, 0)
        sluice_free(core.pointer)
    }

    func testThreadsWriteInTheOrderTheyLogAndCloseCountsLaterCalls() throws {
        let path = temporaryLogPath(self)
        let core = try openSynchronous(path)
        let module = sluice_module(core.pointer, "stress")
        let accepted = Slots(4, [Bool]())
        onThreads(4) { p in accepted[p] = produce(core, module, producer: p, count: 20_000) }
        sluice_close(core.pointer)
        XCTAssertEqual(log(core, module, "late"), Int32(SLUICE_DROPPED))
        let c = counters(core)
        sluice_free(core.pointer)
        let seen = try scanStressFile(path, producers: 4, perProducer: 20_000, accepted: accepted.all)
        XCTAssertEqual(seen.perProducer, [20_000, 20_000, 20_000, 20_000])
        XCTAssertEqual(c.written, 80_000)
        XCTAssertEqual(c.dropped_after_close, 1)
        XCTAssertEqual(c.accepted, 80_001)
    }
}
