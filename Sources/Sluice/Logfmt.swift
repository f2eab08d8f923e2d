import Logging

/// Metadata as logfmt: ` key=value`, keys sorted, a value quoted when it is empty
/// or holds a space, `=`, `"`, `\` or a control character.
enum Logfmt {
    static func render(_ metadata: Logger.Metadata) -> String {
        var text = ""
        for key in metadata.keys.sorted() {
            text += " " + quoted(key) + "=" + quoted(metadata[key]!.description)
        }
        return text
    }

    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte != 0x7F && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "\"")
                && byte != UInt8(ascii: "\\")
        }
        if plain { return text }
        var quoted = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            default: quoted.unicodeScalars.append(character)
            }
        }
        return quoted + "\""
    }
}
