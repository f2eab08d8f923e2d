// A process that uses Sluice as a service would, for tests that must run in a
// process of their own: LoggingSystem.bootstrap may be called once per process,
// and `sluice stat/level/sample` inspect another process.
//
//   SluiceFacadeChild            the facade's whole API once, then exit
//   SluiceFacadeChild serve      a known workload, then commands on stdin:
//                                "stats" prints this process's own counters,
//                                "probe N" logs debug "probe N" on app and flushes,
//                                "sampled N" logs N sampled info calls on noisy,
//                                "pause" stops the writer thread (test-only switch),
//                                "kept N" logs info "kept 0" ... "kept N-1" on app,
//                                "framework N" logs debug "framework N" through a swift-log
//                                Logger whose code set its level to error,
//                                "exit" ends; each answer ends with a line "ok",
//                                after a flush unless the writer is paused.
//   SluiceFacadeChild precedence the level each module name gets from settings whose
//                                names normalize alike, one "name level" line each
//   SluiceFacadeChild order DIR  loggers made before a bootstrap, a shutdown, a second bootstrap
//   SluiceFacadeChild stuck FILE a bootstrap while the old sink (stdout) is a full pipe
import CSluice
import CSluiceTestSeams
import Foundation
import Logging
import Sluice

func runTheWholeAPI() throws {
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
    Sluice.close()
}

/// "accepted written dropped sampled_out filtered", then the same per module.
func ownCounters() -> String {
    let stats = Sluice.stats
    let c = stats.counters
    var lines = ["total \(c.accepted) \(c.written) \(c.dropped) \(c.sampledOut) \(c.filtered)"]
    for (name, m) in stats.modules.sorted(by: { $0.key < $1.key }) {
        lines.append("module \(name) \(m.accepted) \(m.written) \(m.dropped) \(m.sampledOut) \(m.filtered)")
    }
    return lines.joined(separator: "\n")
}

func serve() throws {
    try Sluice.bootstrap()
    let app = Sluice.logger("app")
    let noisy = Sluice.samplingLogger("noisy")
    var framework = Logger(label: "framework") { SluiceLogHandler(label: $0) }
    framework.logLevel = .error  // as a framework does, from its own configuration
    for i in 0..<100 { app.info("work \(i)") }
    for i in 0..<50 { app.debug("hidden \(i)") }
    for i in 0..<200 { noisy.info("noisy \(i)", key: "k") }
    Sluice.flush()
    print("ready")
    fflush(nil)
    var paused = false
    while let command = readLine() {
        let words = command.split(separator: " ")
        switch words.first {
        case "stats": print(ownCounters())
        case "probe": app.debug("probe \(words.last ?? "")")
        case "sampled": for i in 0..<(Int(words.last ?? "0") ?? 0) { noisy.info("sampled \(i)", key: "s") }
        case "pause":
            sluice_test_pause_writers(1)
            paused = true
        case "kept": for i in 0..<(Int(words.last ?? "0") ?? 0) { app.info("kept \(i)") }
        case "framework": framework.debug("framework \(words.last ?? "")")
        case "rare": Sluice.logger(String(words.last ?? "rare")).debug("rare path")  // a module's first call
        case "hostile": Sluice.logger("evil\nforged row\u{1b}]0;title\u{7}\u{1b}[2J").info("hostile")  // a name an attacker chose
        case "exit": Sluice.close(); return
        default: print("unknown command: \(command)")
        }
        if !paused { Sluice.flush() }
        print("ok")
        fflush(nil)
    }
}

func precedence() throws {
    try Sluice.bootstrap(configuration: .init(moduleLevels: ["a.b": .error, "a-b": .debug, "x": .warning]))
    for name in ["a.b", "a-b", "a_b", "A_B", "foo", "Foo", "bar", "x"] {
        _ = Sluice.logger(name)  // registers the module with its configured level
        print("\(name) \(Sluice.stats.modules[name].map { "\($0.level)" } ?? "?")")
    }
    Sluice.close()
}

/// Loggers made before a bootstrap, across a shutdown and a second bootstrap: each line says
/// where its records went and what was counted.
func startupOrder(_ directory: String) throws {
    LoggingSystem.bootstrap { label in SluiceLogHandler(label: label) }
    let library = Logger(label: "db")  // a library's `static let`, made first
    let native = Sluice.logger("early")
    let sampled = Sluice.samplingLogger("early")
    let firstCore = Sluice.stats.coreID
    try Sluice.bootstrap(configuration: .init(level: .debug, destination: .file(directory + "/a.log")))
    library.debug("one")
    native.debug("one")
    sampled.debug("one", key: "k")
    Sluice.close()
    library.info("after shutdown")
    try Sluice.bootstrap(configuration: .init(level: .info, destination: .file(directory + "/b.log")))
    library.info("two")
    library.debug("filtered")
    native.info("two")
    Sluice.flush()
    let stats = Sluice.stats
    let files = (try? FileManager.default.contentsOfDirectory(atPath: String(cString: sluice_stats_directory()))) ?? []
    print("same core: \(stats.coreID == firstCore)")
    print("dropped after close: \(stats.counters.droppedAfterClose) of \(stats.counters.dropped) dropped")
    print("statistics files: \(files.filter { $0.hasPrefix("sluice-\(getpid())-") }.count)")
}

/// Bootstraps onto a file while the default core's sink (stdout, a pipe nobody reads) is stuck;
/// then reads the pipe, so the old write ends and the new sink takes over.
func stuckSink(_ path: String) throws {
    alarm(20)  // a bootstrap that hangs fails the test instead of the run
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0, dup2(ends[1], 1) == 1 else { fatalError("no pipe") }
    let log = Sluice.logger("app")  // LOG_FILE=/dev/stdout: the pipe
    for i in 0..<2_000 { log.info("filling the pipe with line \(i) and some more text to make it longer") }
    usleep(200_000)
    let started = ContinuousClock.now
    try Sluice.bootstrap(configuration: .init(destination: .file(path)))
    let took = ContinuousClock.now - started
    log.info("after the bootstrap")
    let readEnd = ends[0]
    let reader = Thread {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }
    reader.start()
    let flushed = Sluice.flush(timeout: .seconds(10))
    FileHandle.standardError.write(Data("bootstrap returned: \(took < .seconds(3)); flushed: \(flushed)\n".utf8))
}

/// Logs through swift-log on the default core, configured from the environment
/// (LOG_FILE, LOG_CRASH_FLUSH), then aborts at once.
func crash(_ count: Int) -> Never {
    LoggingSystem.bootstrap { SluiceLogHandler(label: $0) }
    let logger = Logger(label: "crashing")
    for i in 0..<count { logger.info("record \(i)") }
    abort()
}

/// swift-log bootstrapped with a metadata provider, onto a core of the program's own: the
/// handler made without naming a provider takes swift-log's, as the default core's does.
func ownCoreProvider(_ path: String) throws {
    let core = try SluiceCore(.init(level: .info, destination: .file(path)))
    LoggingSystem.bootstrap({ label, _ in SluiceLogHandler(label: label, core: core) },
                            metadataProvider: Logger.MetadataProvider { ["trace_id": "4bf92f3577b34da6"] })
    Logger(label: "api").info("request started")
    core.logger("native").info("native call")  // made after the bootstrap: it takes the same provider
    core.close()
}

switch CommandLine.arguments.dropFirst().first {
case "serve": try serve()
case "precedence": try precedence()
case "order": try startupOrder(CommandLine.arguments[2])
case "stuck": try stuckSink(CommandLine.arguments[2])
case "crash": crash(Int(CommandLine.arguments[2]) ?? 0)
case "own-core-provider": try ownCoreProvider(CommandLine.arguments[2])
default: try runTheWholeAPI()
}
