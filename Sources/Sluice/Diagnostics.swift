#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a core could not be opened.
public struct SluiceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// One line on stderr, for settings that cannot be used as given.
func reportProblem(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
        var done = 0
        while done < bytes.count {
            let n = write(2, bytes.baseAddress! + done, bytes.count - done)
            if n <= 0 { break }
            done += n
        }
    }
}
