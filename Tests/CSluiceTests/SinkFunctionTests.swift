import CSluice
import Foundation
import XCTest

/// What a C program's sink function saw: each call's bytes, and how much of each it takes.
private final class Received: @unchecked Sendable {  // written by the writer thread, read after close
    var calls: [String] = []
    var takeHalf = false
}

/// The C API of a sink of the application's own (sluice.h, sluice_sink_function).
final class SinkFunctionTests: XCTestCase {
    private func open(_ received: Received, name: String?, write: Bool = true) -> (OpaquePointer?, String) {
        var function = sluice_sink_function(
            write: write
                ? { context, lines, length in
                    let received = Unmanaged<Received>.fromOpaque(context!).takeUnretainedValue()
                    received.calls.append(String(decoding: UnsafeRawBufferPointer(start: lines, count: length), as: UTF8.self))
                    return received.takeHalf ? length / 2 : length
                } : nil,
            context: Unmanaged.passUnretained(received).toOpaque())
        var options = sluice_options()
        sluice_options_init(&options)
        options.format = Int32(SLUICE_FORMAT_LOGFMT)
        var error = [CChar](repeating: 0, count: 512)
        let core = withUnsafePointer(to: &function) { function -> OpaquePointer? in
            options.sink_function = function
            guard let name else { return sluice_open(&options, &error, error.count) }
            return name.withCString { name -> OpaquePointer? in
                options.path = name
                return sluice_open(&options, &error, error.count)
            }
        }
        return (core, cString(error))
    }

    func testTheFunctionTakesWholeLinesInTheSinksFormat() throws {
        let received = Received()
        let (core, error) = open(received, name: "mine")
        let pointer = try XCTUnwrap(core, error)
        let module = sluice_module(pointer, "api")
        for i in 0..<3 { sluice_log(pointer, Int32(SLUICE_INFO), module, "record \(i)", "record \(i)".utf8.count) }
        XCTAssertEqual(sluice_flush(pointer, -1), Int32(SLUICE_OK))
        sluice_close(pointer)
        XCTAssertEqual(sluice_left_behind(pointer), 0, "the writer finished: the context may go")
        sluice_free(pointer)
        let lines = received.calls.joined().split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(received.calls.allSatisfy { $0.hasSuffix("\n") })
        XCTAssertNotNil(lines[2].range(of: #"^ts=\S+ level=info module=api msg="record 2"$"#, options: .regularExpression))
    }

    func testAShortTakeIsTheSinksWriteErrorAndItsRecordsAreDropped() throws {
        let received = Received()
        received.takeHalf = true
        let (core, error) = open(received, name: nil)
        let pointer = try XCTUnwrap(core, error)
        let module = sluice_module(pointer, "api")
        sluice_log(pointer, Int32(SLUICE_INFO), module, "refused", 7)
        XCTAssertEqual(sluice_flush(pointer, -1), Int32(SLUICE_OK))
        var c = sluice_counters()
        sluice_counters_read(pointer, &c)
        sluice_free(pointer)
        XCTAssertEqual(c.written, 0)
        XCTAssertEqual(c.dropped_by_sink, 1)
        XCTAssertGreaterThan(c.write_errors, 0)
    }

    func testAFunctionWithoutAWriteIsRefusedWithTheSinksName() {
        let (core, error) = open(Received(), name: "nameless", write: false)
        XCTAssertNil(core)
        XCTAssertTrue(error.contains("'nameless' has no write function"), error)
    }
}
