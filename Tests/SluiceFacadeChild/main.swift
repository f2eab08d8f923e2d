// The facade's whole API as a service would use it, run in a process of its own
// because LoggingSystem.bootstrap may be called once per process. The test that
// runs it sets LOG_FILE and the other variables, then reads the file.
import Logging
import Sluice

try Sluice.bootstrap()
let log = Sluice.logger("resilient_websocket")
let id = 42, peer = "10.0.0.1", op = 2, n = 17
log.info("connected id=\(id) peer=\(peer)")
log.debug("frame", metadata: ["opcode": "\(op)"])
let sampled = Sluice.samplingLogger("resilient_websocket")
let fixed = SamplingLogger(log, sampleRate: 0.1)
for id in 0..<20 { sampled.debug("enqueue id=\(id)", key: "enqueue") }
for id in 0..<20 { fixed.info("fixed id=\(id)", key: "fixed") }
sampled.sampled(key: "flush") { log in log.debug("flushed \(n) messages") }
Sluice.setLevel(.warning, module: "resilient_websocket")
log.info("hidden by the new level")
Sluice.setSampleRate(0.01, module: "resilient_websocket")
LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
let swiftLog = Logger(label: "com.example.swiftlog")
swiftLog.info("through swift-log", metadata: ["user": "ada"])
Sluice.flush()
Sluice.shutdown()
