import CSluice
import CSluiceFacade
import Logging

/// A call site's static text, registered once with the process's formats (`sluice_format`),
/// so that its records carry its id and their values alone: what a log call built at
/// compile time keeps in a static and passes to
/// ``SluiceLogger/log(level:format:size:metadata:file:function:line:values:message:)``.
///
/// The line is the one the same text and values make through a ``SluiceMessage``, byte for
/// byte, in every format.
public struct SluiceFormat: Sendable {
    /// The format's id in the process; 0 when the core refused it (too many pieces, too long,
    /// too many formats): then each piece is written as text, as a message's are.
    public let id: UInt32
    /// The pieces of a format the core refused, written as text; nil (nothing to retain when the
    /// format is passed on a call) for every other.
    @usableFromInline let refusedPieces: [StaticString]?

    /// The format of `pieces`: the text before each value, then the text after the last (one
    /// more piece than values; any of them may be empty).
    public init(_ pieces: [StaticString]) {
        id = Self.withPieces(pieces) { sluice_format($0, $1, pieces.count) }
        refusedPieces = id == 0 ? pieces : nil
    }

    /// The format of the call site whose key is `site`, registered by its first call
    /// (`sluice_format_site`) and found by the key's address after that, without a lock: what a
    /// macro's expansion makes, where no static of the call site's own can be kept (a generic
    /// context has none).
    ///
    /// `site` is a literal of the site's own, in the binary for the life of the process: equal
    /// keys (merged by the linker) must have equal pieces. `pieces` is evaluated at the site's
    /// first call, or on every call of a site whose format the core refused.
    @inlinable @inline(__always)
    public init(site: StaticString, pieces: @autoclosure () -> [StaticString]) {
        let found = sluice_format_of_site(site.utf8Start)
        if found != 0 && found != SLUICE_SITE_UNKNOWN {
            self.init(id: found, refusedPieces: nil)
        } else {
            self.init(site: site, registering: pieces())
        }
    }

    @usableFromInline
    init(id: UInt32, refusedPieces: [StaticString]?) {
        self.id = id
        self.refusedPieces = refusedPieces
    }

    /// The first call of a site, or a call of a site whose format the core refused.
    @usableFromInline
    init(site: StaticString, registering pieces: [StaticString]) {
        id = Self.withPieces(pieces) { sluice_format_site(site.utf8Start, $0, $1, pieces.count) }
        refusedPieces = id == 0 ? pieces : nil
    }

    /// The pieces' starts and lengths, as sluice_format takes them.
    static func withPieces(
        _ pieces: [StaticString], _ body: ([UnsafePointer<CChar>?], [Int]) -> UInt32
    ) -> UInt32 {
        let starts = pieces.map { UnsafeRawPointer($0.utf8Start).assumingMemoryBound(to: CChar.self) as UnsafePointer<CChar>? }
        return body(starts, pieces.map(\.utf8CodeUnitCount))
    }

    /// A value as a formatted call carries it: itself, a ``SluiceFormatValue`` (what a macro's
    /// expansion binds each interpolated value with, so that its type picks its segment).
    @inlinable @inline(__always)
    public static func value<Value: SluiceFormatValue>(_ value: Value) -> Value { value }

    /// Any other value that describes itself: its `description`, as a ``SluiceMessage`` writes
    /// it (a `String` is built for it).
    @inlinable @_disfavoredOverload
    public static func value<Value: CustomStringConvertible>(_ value: Value) -> String { value.description }

    /// Any other value (an optional, a type without a description): `String(describing:)`, as a
    /// ``SluiceMessage`` writes it (a `String` is built for it).
    @inlinable @_disfavoredOverload
    public static func value<Value>(_ value: Value) -> String { String(describing: value) }
}

/// A value a formatted record carries as a segment of its own (sluice.h, "Deferred formatting"):
/// the segment a ``SluiceMessage`` holds for the same value interpolated, so it renders the same.
public protocol SluiceFormatValue {
    /// The bytes its segment takes in a record.
    var sluiceSegmentSize: Int { get }
    /// Writes its segment, ``sluiceSegmentSize`` bytes, at `at`.
    func writeSluiceSegment(to at: UnsafeMutableRawPointer)
}

extension SluiceFormatValue where Self: FixedWidthInteger {
    /// A tag and 8 bytes.
    @inlinable public var sluiceSegmentSize: Int { 9 }

    /// An INT or UINT segment.
    @inlinable
    public func writeSluiceSegment(to at: UnsafeMutableRawPointer) {
        if Self.isSigned {
            at.storeBytes(of: UInt8(SLUICE_SEGMENT_INT), as: UInt8.self)
            at.storeBytes(of: Int64(truncatingIfNeeded: self).littleEndian, toByteOffset: 1, as: Int64.self)
        } else {
            at.storeBytes(of: UInt8(SLUICE_SEGMENT_UINT), as: UInt8.self)
            at.storeBytes(of: UInt64(truncatingIfNeeded: self).littleEndian, toByteOffset: 1, as: UInt64.self)
        }
    }
}

/// Written as its 8-byte value, rendered in decimal.
extension Int: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension Int8: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension Int16: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension Int32: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension Int64: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension UInt: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension UInt8: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension UInt16: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension UInt32: SluiceFormatValue {}
/// Written as its 8-byte value, rendered in decimal.
extension UInt64: SluiceFormatValue {}

/// Written as its bits, rendered as Swift's `description` would.
extension Double: SluiceFormatValue {
    /// A tag and 8 bytes.
    @inlinable public var sluiceSegmentSize: Int { 9 }

    /// A DOUBLE segment: its bits.
    @inlinable
    public func writeSluiceSegment(to at: UnsafeMutableRawPointer) {
        at.storeBytes(of: UInt8(SLUICE_SEGMENT_DOUBLE), as: UInt8.self)
        at.storeBytes(of: bitPattern.littleEndian, toByteOffset: 1, as: UInt64.self)
    }
}

/// Written as its bits, rendered as Swift's `description` would.
extension Float: SluiceFormatValue {
    /// A tag and 4 bytes.
    @inlinable public var sluiceSegmentSize: Int { 5 }

    /// A FLOAT segment: its bits.
    @inlinable
    public func writeSluiceSegment(to at: UnsafeMutableRawPointer) {
        at.storeBytes(of: UInt8(SLUICE_SEGMENT_FLOAT), as: UInt8.self)
        at.storeBytes(of: bitPattern.littleEndian, toByteOffset: 1, as: UInt32.self)
    }
}

/// Written as a byte, rendered `true` or `false`.
extension Bool: SluiceFormatValue {
    /// A tag and a byte.
    @inlinable public var sluiceSegmentSize: Int { 2 }

    /// A BOOL segment, rendered `true` or `false`.
    @inlinable
    public func writeSluiceSegment(to at: UnsafeMutableRawPointer) {
        at.storeBytes(of: UInt8(SLUICE_SEGMENT_BOOL), as: UInt8.self)
        at.storeBytes(of: self ? 1 : 0, toByteOffset: 1, as: UInt8.self)
    }
}

/// Written as its UTF-8 bytes, escaped where the line is rendered.
extension String: SluiceFormatValue {
    /// A tag, a length and the UTF-8 bytes.
    @inlinable public var sluiceSegmentSize: Int { SegmentBuffer.textHeader + utf8.count }

    /// A TEXT segment.
    @inlinable
    public func writeSluiceSegment(to at: UnsafeMutableRawPointer) {
        SegmentBuffer.writeTextSegment(utf8, to: at)
    }
}

/// Written as its UTF-8 bytes, escaped where the line is rendered.
extension Substring: SluiceFormatValue {
    /// A tag, a length and the UTF-8 bytes.
    @inlinable public var sluiceSegmentSize: Int { SegmentBuffer.textHeader + utf8.count }

    /// A TEXT segment.
    @inlinable
    public func writeSluiceSegment(to at: UnsafeMutableRawPointer) {
        SegmentBuffer.writeTextSegment(utf8, to: at)
    }
}

/// A formatted call's values appended to a message, for a call that goes through one (fields,
/// a flight recorder's keep, a format the core refused): what the message closure of
/// ``SluiceLogger/log(level:format:size:metadata:file:function:line:values:message:)`` receives.
public struct SluiceFormatMessage {
    @usableFromInline var message = SluiceMessage(literalCapacity: 0, interpolationCount: 0)  // no segment yet
    /// A refused format's pieces, written as text around the values; nil: the id leads.
    @usableFromInline let pieces: [StaticString]?
    @usableFromInline var piece = 0

    @usableFromInline
    init(_ format: SluiceFormat) {
        pieces = format.refusedPieces
        if pieces == nil { message.buffer.appendValue(tag: Int(SLUICE_SEGMENT_FORMAT), format.id.littleEndian) }
    }

    /// Appends the next value, a segment of its own (never merged with text beside it).
    @inlinable
    public mutating func append<Value: SluiceFormatValue>(_ value: Value) {
        if let pieces {
            message.appendInterpolation(pieces[piece])
            piece += 1
        }
        message.buffer.appendSegment(size: value.sluiceSegmentSize, value.writeSluiceSegment(to:))
    }

    /// The message, a refused format's last piece after its values.
    @usableFromInline
    mutating func finished() -> SluiceMessage {
        if let pieces, piece < pieces.count { message.appendInterpolation(pieces[piece]) }
        return message
    }
}

extension SegmentBuffer {
    /// A segment of size bytes that write puts in place, after the open text segment closes: a
    /// value of a formatted call, never merged with text beside it.
    @inlinable
    mutating func appendSegment(size: Int, _ write: (UnsafeMutableRawPointer) -> Void) {
        closeText()
        reserve(size)
        let at = count
        withStorage { write($0 + at) }
        count = at + size
        hasValues = true
    }

    /// A TEXT segment of bytes at `at`: the tag, the length, the bytes.
    @inlinable
    static func writeTextSegment<Bytes: Collection>(_ bytes: Bytes, to at: UnsafeMutableRawPointer) where Bytes.Element == UInt8 {
        at.storeBytes(of: UInt8(SLUICE_SEGMENT_TEXT), as: UInt8.self)
        at.storeBytes(of: UInt32(truncatingIfNeeded: bytes.count).littleEndian, toByteOffset: 1, as: UInt32.self)
        let copied: Void? = bytes.withContiguousStorageIfAvailable { contiguous in
            if let start = contiguous.baseAddress { (at + textHeader).copyMemory(from: start, byteCount: contiguous.count) }
        }
        if copied == nil {  // a bridged or foreign string: its bytes one by one
            var to = at + textHeader
            for byte in bytes {
                to.storeBytes(of: byte, as: UInt8.self)
                to += 1
            }
        }
    }
}

extension SluiceLogger {
    /// Logs `format`'s pieces with its values between them at `level`: the record carries the
    /// format's id and the values alone. A log call built at compile time expands to it, with
    /// the values' types known, so every step is inlined and specialized:
    ///
    /// - `size`: the values' segments, the sum of their ``SluiceFormatValue/sluiceSegmentSize``;
    /// - `values`: writes those segments, one after another, at the pointer it is given;
    /// - `message`: appends the same values to a message (``SluiceFormatMessage/append(_:)``).
    ///
    /// A call without fields whose record fits 256 bytes is built on the stack and handed over in
    /// one call; one with fields (metadata of the call, attached or provided, source locations),
    /// a longer one, a module past the table or a format the core refused goes through a message
    /// as every other call: the line is the same. Below the module's level nothing is written,
    /// and a flight recorder keeps it as it keeps any call. The values are evaluated before the
    /// call: ask ``shouldLog(_:)`` first.
    @inlinable @inline(__always)
    public func log(
        level: Logger.Level, format: SluiceFormat, size: Int, metadata: @autoclosure () -> Logger.Metadata? = nil,
        file: String = #fileID, function: String = #function, line: UInt = #line,
        values: (UnsafeMutableRawPointer) -> Void, message: (inout SluiceFormatMessage) -> Void
    ) {
        let level = level.sluiceLevel
        guard sluice_enabled(levelWord, level) != 0 else {
            countFiltered()
            if keepsFiltered {
                keep(level: level, formattedMessage(format, message), metadata: metadata(),
                     CallSite(file: file, function: function, line: line))
            }
            return
        }
        let metadata = metadata()  // the call's own fields: through a message too
        guard format.id != 0, 5 &+ size <= SegmentBuffer.inlineCapacity, metadata?.isEmpty ?? true, !writesThroughMessage else {
            var built = formattedMessage(format, message)
            write(level: level, &built, metadata: metadata, CallSite(file: file, function: function, line: line))
            return
        }
        let core = corePointer, module = moduleID  // the closures capture words, not self (which Swift would copy)
        if sluice_time_this_call(core, coreID, timingMask) != 0 {
            timed { Self.logFormatted(core, level, module, format.id, size, values) }
        } else {
            Self.logFormatted(core, level, module, format.id, size, values)
        }
    }

    /// Whether a call at `level` goes on to evaluate its values: true when the module's level
    /// lets it through, or a flight recorder keeps what it filters; false for a call below the
    /// level, counted as filtered then, as every call below the level is.
    @inlinable
    public func shouldLog(_ level: Logger.Level) -> Bool {
        let level = level.sluiceLevel
        guard sluice_enabled(levelWord, level) != 0 || keepsFiltered else {
            countFiltered()
            return false
        }
        return true
    }

    /// The record of a format and its values, built on the stack (5 + size bytes, at most 256)
    /// and handed to the core in one call.
    @inlinable @inline(__always)
    static func logFormatted(
        _ core: OpaquePointer, _ level: Int32, _ module: Int32, _ id: UInt32, _ size: Int,
        _ values: (UnsafeMutableRawPointer) -> Void
    ) {
        withUnsafeTemporaryAllocation(byteCount: 5 &+ size, alignment: 8) { bytes in
            let start = bytes.baseAddress!
            start.storeBytes(of: UInt8(SLUICE_SEGMENT_FORMAT), as: UInt8.self)
            start.storeBytes(of: id.littleEndian, toByteOffset: 1, as: UInt32.self)
            values(start + 5)
            _ = sluice_log_segments(core, level, module, start, 5 &+ size)
        }
    }

    /// Whether a formatted call goes through a message: its module is past the table (its record
    /// carries a label), or it has fields (attached or provided metadata, source locations).
    @usableFromInline
    var writesThroughMessage: Bool {
        overflow != nil || metadataProvider != nil || !attached.encoded.isEmpty
            || core.sourceLocation.load(ordering: .relaxed)
    }

    /// format's call as a message of segments: the id, then each value a segment of its own; for
    /// a format the core refused, its pieces as text between the values.
    @inlinable
    func formattedMessage(_ format: SluiceFormat, _ append: (inout SluiceFormatMessage) -> Void) -> SluiceMessage {
        var message = SluiceFormatMessage(format)
        append(&message)
        return message.finished()
    }
}
