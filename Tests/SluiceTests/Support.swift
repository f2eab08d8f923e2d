import Foundation
import Logging
import Sluice
import SluiceTestSupport
import XCTest

/// A core writing to a fresh file, every module at trace unless the configuration says otherwise.
func openCore(_ test: XCTestCase, _ configuration: SluiceConfiguration = .init(level: .trace), name: String = #function)
    throws -> (SluiceCore, String)
{
    var configuration = configuration
    let path = temporaryLogPath(test, name)
    configuration.destination = .file(path)
    return (try SluiceCore(configuration), path)
}

/// The file's lines after the timestamp: "LEVEL module: message".
func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        .dropLast().map { String($0.dropFirst(28)) }
}

/// The messages alone.
func messages(_ path: String) throws -> [String] {
    try lines(path).map { line in String(line[line.range(of: ": ")!.upperBound...]) }
}

/// What the code wrote on fd 2 while body ran.
func capturingStandardError(_ body: () throws -> Void) rethrows -> String {
    fflush(nil)
    let saved = dup(2)
    var ends: [Int32] = [0, 0]
    pipe(&ends)
    dup2(ends[1], 2)
    close(ends[1])
    defer {
        dup2(saved, 2)
        close(saved)
    }
    try body()
    fflush(nil)
    dup2(saved, 2)
    var captured = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(ends[0], &buffer, buffer.count)
        if n <= 0 { break }
        captured += buffer[0..<n]
    }
    close(ends[0])
    return String(decoding: captured, as: UTF8.self)
}
