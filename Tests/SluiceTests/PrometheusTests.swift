import Foundation
import Sluice
import SluiceTestSupport
import XCTest

/// A private Prometheus server (Debian's prometheus) from the configuration in
/// Tests/SluiceTests/prometheus, scraping a target on loopback; stopped by `stop()` or when released.
final class PrometheusServer {
    let port: Int
    private let directory: String
    private var process: Process?

    init(_ test: XCTestCase, scraping target: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
            throw XCTSkip("prometheus is not installed (make test installs Debian's prometheus)")
        }
        directory = temporaryLogPath(test, "prometheus")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try Loopback.freePort(type: SOCK_STREAM)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("prometheus/prometheus.yml")
        let config = try String(contentsOf: source, encoding: .utf8).replacingOccurrences(of: "@TARGET@", with: "\(target)")
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Loopback.get(port, "/-/ready") == nil {
            guard process.isRunning, Date() < deadline else {
                stop()  // never left running, whatever fails
                throw StartFailure(description: "prometheus --config.file=\(directory)/prometheus.yml was not ready within 30 s")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    deinit {
        stop()
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// The value of an instant query's first series, as Prometheus's HTTP API gives it, or nil.
    func query(_ expression: String) -> String? {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        guard let body = Loopback.get(port, "/api/v1/query?query=\(encoded)"),
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
              let value = result.first?["value"] as? [Any] else { return nil }
        return value.last as? String
    }
}

final class PrometheusTests: XCTestCase {
    func testARealPrometheusScrapesTheCountersAndFindsTheValueTheProcessReported() throws {
        let (core, _) = try openCore(self, .init(level: .info))
        let log = core.logger("app")
        for i in 0..<150 { log.info("record \(i)") }
        core.flush()
        let endpoint = try MetricsEndpoint { core.stats.prometheusText() }
        defer { endpoint.stop() }
        let prometheus = try PrometheusServer(self, scraping: endpoint.port)
        defer { prometheus.stop() }

        let reported = try XCTUnwrap(core.stats.modules["app"]?.written)
        XCTAssertEqual(reported, 150)
        let series = "sluice_records_written_total{module=\"app\"}"
        let deadline = Date().addingTimeInterval(30)
        var found: String?
        while found == nil && Date() < deadline {  // the first scrape comes within a second or two
            found = prometheus.query(series)
            if found == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        XCTAssertEqual(found, "\(reported)", "Prometheus stored what the process reported")
        XCTAssertEqual(prometheus.query("sluice_queue_capacity_bytes"), "4194304")
        XCTAssertEqual(prometheus.query("up{job=\"sluice\"}"), "1", "the scrape parsed")
    }
}
