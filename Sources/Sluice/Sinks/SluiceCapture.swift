import Foundation
import Logging
import Synchronization

/// The lines a core wrote, kept in memory for a test to read: levels, modules, messages and
/// metadata, as swift-log users expect of a backend under test.
///
/// Open a core on it (``configuration(level:)``), or put it beside the sinks a configuration
/// has (``sink(level:)``); log; flush the core; then read ``records``. It takes JSON lines and
/// reads them back, so what a test sees is what a JSON sink would write: sampling, levels,
/// the provider's and the error's fields included.
///
/// ```swift
/// let capture = SluiceCapture()
/// let core = try SluiceCore(capture.configuration(level: .debug))
/// core.logger("billing").warning("declined", metadata: ["card": "visa"])
/// core.flush()
/// XCTAssertEqual(capture.records.map(\.message), ["declined"])
/// ```
public final class SluiceCapture: SluiceSink {
    /// One line the capture took, read back.
    public struct Record: Sendable, Equatable {
        /// The line's timestamp, as the line wrote it (RFC 3339, UTC, microseconds).
        public var time: String
        /// The record's level.
        public var level: Logger.Level
        /// The module that logged it (swift-log's label, through the handler).
        public var module: String
        /// The message, as the line wrote it (values rendered, no fields).
        public var message: String
        /// The id of the thread that logged (0 for a line of Sluice's own, such as a drop report).
        public var thread: Int
        /// Every other field: the record's metadata, and `source`, `file`, `line`, `function`,
        /// `error.message`, `error.type`, `recalled` where the line has them. Numbers and
        /// booleans come back as their text.
        public var metadata: Logger.Metadata
    }

    private let lines = Mutex<[String]>([])

    /// An empty capture: give it to a core (``configuration(level:)``, ``sink(level:)``).
    public init() {}

    /// Takes a batch: its lines, kept in order.
    public func write(lines batch: UnsafeRawBufferPointer) -> Bool {
        let text = String(decoding: batch, as: UTF8.self)
        let taken = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        lines.withLock { $0 += taken }
        return true
    }

    /// A configuration whose only sink is this capture, in JSON, with modules at `level`.
    public func configuration(level: Logger.Level = .trace) -> SluiceConfiguration {
        SluiceConfiguration(level: level, destination: .custom("capture", self), format: .json, jsonKeys: .standard)
    }

    /// This capture as a sink beside a configuration's others, taking records from `level` up.
    public func sink(level: Logger.Level = .trace) -> SluiceConfiguration.Sink {
        SluiceConfiguration.Sink(.custom("capture", self), level: level, format: .json, jsonKeys: .standard)
    }

    /// The lines taken so far, as the JSON sink wrote them. Flush the core first: lines
    /// reach a sink on the writer's thread.
    public var jsonLines: [String] {
        lines.withLock { $0 }
    }

    /// The lines taken so far, read back; a line that is no JSON object is left out.
    public var records: [Record] {
        jsonLines.compactMap(Self.record)
    }

    /// Forgets every line taken.
    public func reset() {
        lines.withLock { $0 = [] }
    }

    static func record(_ line: String) -> Record? {
        guard case .object(var fields)? = try? JSONDecoder().decode(JSONField.self, from: Data(line.utf8)),
              case .text(let levelName)? = fields.removeValue(forKey: "level"),
              let level = Logger.Level(rawValue: levelName)
        else { return nil }
        func text(_ key: String) -> String {
            if case .text(let value)? = fields.removeValue(forKey: key) { return value }
            return ""
        }
        let time = text("ts"), module = text("module"), message = text("msg"), thread = Int(text("thread")) ?? 0
        return Record(
            time: time, level: level, module: module, message: message, thread: thread,
            metadata: fields.mapValues(\.metadataValue))
    }
}

/// A JSON value of a captured line: numbers and booleans kept as their text.
private enum JSONField: Decodable {
    case text(String)
    case object([String: JSONField])
    case array([JSONField])

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let object = try? [String: JSONField](from: decoder) {
            self = .object(object)
        } else if let array = try? [JSONField](from: decoder) {
            self = .array(array)
        } else if let bool = try? value.decode(Bool.self) {
            self = .text(bool ? "true" : "false")
        } else if let integer = try? value.decode(Int64.self) {
            self = .text(String(integer))
        } else if let number = try? value.decode(Double.self) {
            self = .text("\(number)")
        } else if value.decodeNil() {
            self = .text("null")
        } else {
            self = .text(try value.decode(String.self))
        }
    }

    var metadataValue: Logger.MetadataValue {
        switch self {
        case .text(let text): .string(text)
        case .object(let object): .dictionary(object.mapValues(\.metadataValue))
        case .array(let array): .array(array.map(\.metadataValue))
        }
    }
}
