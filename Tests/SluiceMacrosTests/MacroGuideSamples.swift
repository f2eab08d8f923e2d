import SluiceMacros  // a product of its own: Sluice alone never builds swift-syntax

// The ```swift blocks of the guides that use the macros, compiled here (GuideSampleTests finds
// them line for line).

func logRequest(_ log: SluiceLogger, id: Int, op: String, latency: Int) {
    #info(log, "request id=\(id) op=\(op) latency_us=\(latency)")  // what log.info(…) writes, by format id
    #log(log, .warning, "slow op=\(op) latency_us=\(latency)", metadata: ["limit": "500"])
}

func logFrame(_ frames: SamplingLogger, connection: Int) {
    #debug(frames, "frame connection=\(connection)", key: "frame")  // sampled as frames.debug(…, key:)
}
