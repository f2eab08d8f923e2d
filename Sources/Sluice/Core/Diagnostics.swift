import CSluice
import CSluiceFacade

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a core could not be opened.
public struct SluiceError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with the value, and what happened instead: one line, starting `sluice:`.
    public let message: String
    /// The ``message``.
    public var description: String { message }
}

/// text escaped as a record's text is in a text line (`\n`, `\t`, `\xHH` for control bytes
/// and invalid UTF-8): for every line Sluice and its tools write about themselves, so that
/// no name or value they quote can end the line or forge another.
package func escapedForALine(_ text: String) -> String {
    var text = text
    return text.withUTF8 { bytes in
        let capacity = bytes.count * 6  // RENDER_ESCAPE_FACTOR: the most one byte becomes
        guard capacity > 0 else { return "" }
        return String(unsafeUninitializedCapacity: capacity) { out in
            out.withMemoryRebound(to: CChar.self) { chars in
                bytes.withMemoryRebound(to: CChar.self) { sluice_escape_text($0.baseAddress, $0.count, chars.baseAddress, capacity) }
            }
        }
    }
}

/// One line on stderr, for settings that cannot be used as given: escaped (escapedForALine).
func reportProblem(_ line: String) {
    var text = escapedForALine(line) + "\n"
    text.withUTF8 { bytes in
        var done = 0
        while done < bytes.count {
            let n = write(2, bytes.baseAddress! + done, bytes.count - done)
            if n <= 0 { break }
            done += n
        }
    }
}
