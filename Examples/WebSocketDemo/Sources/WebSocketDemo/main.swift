// WebSocketDemo — the realistic workload behind `make demo`.
//
//   WebSocketDemo [--requests N] [--logs DIR] [--sluice PATH] [--check]
//       every configuration in turn, then one table (DEMO_REQUESTS sets N, default 2,000);
//       --check fails unless every row kept every warning and error it logs
//   WebSocketDemo run [--requests N] [--hold]
//       one run, configured by the environment only, printing its summary as a JSON line;
//       with --hold it waits for stdin to close before it ends
import Foundation

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let requests = option("--requests").flatMap(Int.init)
    ?? ProcessInfo.processInfo.environment["DEMO_REQUESTS"].flatMap(Int.init) ?? 2_000
do {
    if CommandLine.arguments.dropFirst().first == "run" {
        try await runOnce(requests: requests, hold: CommandLine.arguments.contains("--hold"))
    } else {
        try Driver(
            requests: requests, directory: option("--logs") ?? "demo-logs", statCommand: option("--sluice") ?? "sluice",
            check: CommandLine.arguments.contains("--check")
        ).run()
    }
} catch {
    FileHandle.standardError.write(Data("WebSocketDemo: \(error)\n".utf8))
    exit(1)
}
