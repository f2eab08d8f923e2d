import Foundation
import Logging
import Sluice
import SluiceTestSupport
import Tracing
import XCTest

final class TraceContextTests: XCTestCase {
    func testATraceIDFromServiceContextIsInEveryLineLoggedInsideTheTask() async throws {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736"
        for format in [SluiceConfiguration.Format.text, .json] {
            let path = temporaryLogPath(self, "trace-\(format)")
            let core = try SluiceCore(.init(level: .info, destination: .file(path), format: format))
            let logger = Logger(label: "api") { SluiceLogHandler(label: $0, core: core, metadataProvider: .traceID) }
            var context = ServiceContext.topLevel
            context[TraceIDKey.self] = id
            await ServiceContext.withValue(context) {
                logger.info("request started")
                await Task { logger.info("in a child task") }.value
                logger.warning("request failed", metadata: ["status": "503"])
            }
            logger.info("outside any request")
            core.close()

            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 4)
            if format == .text {
                for line in lines.prefix(3) { XCTAssertTrue(line.contains(" trace_id=\(id)"), line) }
                XCTAssertFalse(lines[3].contains("trace_id"), lines[3])
            } else {
                let objects = try lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
                XCTAssertEqual(objects.map { $0["trace_id"] as? String }, [id, id, id, nil])
                XCTAssertEqual(objects[2]["status"] as? String, "503", "the call's own metadata beside it")
            }
        }
    }
}
