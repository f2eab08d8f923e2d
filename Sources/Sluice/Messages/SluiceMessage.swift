import CSluice
import CSluiceFacade

/// A log message: a string literal, or an interpolation whose values are written
/// straight into bytes, with no `String` and no heap allocation for integers,
/// strings, substrings, static strings, booleans, doubles and floats.
///
/// Integers, doubles and floats travel as their binary values and are rendered
/// by the writer thread, exactly as Swift's own interpolation would render them.
/// Any other value falls back to its `description`.
///
/// ```swift
/// log.info("request id=\(id) op=\(op) latency_us=\(latency)")
/// ```
/// Messages are `Sendable` values: pass one to another function or task and log it there.
/// Text past 256 MiB in one message is cut (no core carries more of a record); the line says
/// the record was truncated.
public struct SluiceMessage: ExpressibleByStringInterpolation, ExpressibleByStringLiteral, StringInterpolationProtocol,
    CustomStringConvertible, Sendable
{
    /// A message collects its own interpolation, so the bytes are built where they stay.
    public typealias StringInterpolation = SluiceMessage

    @usableFromInline var buffer: SegmentBuffer

    /// A message of a string literal alone: its text, never copied into a `String`.
    @inlinable
    public init(stringLiteral value: StaticString) {
        buffer = SegmentBuffer()
        buffer.appendText(value)
    }

    /// The message an interpolation built (the interpolation is the message itself).
    @inlinable
    public init(stringInterpolation: consuming SluiceMessage) {
        self = stringInterpolation
    }

    /// An empty message for the compiler to append an interpolation's parts to.
    @inlinable
    public init(literalCapacity: Int, interpolationCount: Int) {
        buffer = SegmentBuffer()
    }

    /// The message's text as a text line shows it: values rendered as the writer renders them,
    /// control characters escaped. Builds a `String`: for a caller that needs the text itself
    /// (another logging backend, a test), never on a log call's path.
    public var description: String {
        var buffer = buffer
        return buffer.withBytes { bytes, segments in
            let capacity = sluice_message_text_bound(bytes.baseAddress, bytes.count, segments ? 1 : 0)
            return String(unsafeUninitializedCapacity: capacity) { out in
                out.withMemoryRebound(to: CChar.self) { chars in
                    sluice_message_text(bytes.baseAddress, bytes.count, segments ? 1 : 0, chars.baseAddress)
                }
            }
        }
    }

    /// A message holding the text of `string`.
    public init(_ string: String) {
        buffer = SegmentBuffer()
        buffer.appendText(string)
    }

    /// Appends the literal text between two interpolated values.
    @inlinable @inline(__always)
    public mutating func appendLiteral(_ literal: StaticString) {
        // The empty literal after a closing interpolation would be an empty segment of its own.
        if literal.utf8CodeUnitCount > 0 { buffer.appendText(literal) }
    }

    /// Appends the string's UTF-8 bytes.
    @inlinable @inline(__always)
    public mutating func appendInterpolation(_ value: String) {
        buffer.appendText(value)
    }

    /// Appends the substring's UTF-8 bytes.
    @inlinable
    public mutating func appendInterpolation(_ value: Substring) {
        buffer.appendText(value)
    }

    /// Appends the static string's bytes.
    @inlinable
    public mutating func appendInterpolation(_ value: StaticString) {
        buffer.appendText(value)
    }

    /// Appends `true` or `false`.
    @inlinable
    public mutating func appendInterpolation(_ value: Bool) {
        buffer.appendText(value ? "true" : "false" as StaticString)
    }

    /// Appends the integer as its 8-byte value; the writer renders it in decimal.
    @inlinable @inline(__always)
    public mutating func appendInterpolation(_ value: Int) {
        buffer.appendValue(tag: SLUICE_SEGMENT_INT, Int64(value).littleEndian)
    }

    /// Appends any integer: as its 8-byte value when it fits 64 bits, else its decimal text.
    @inlinable
    public mutating func appendInterpolation<T: BinaryInteger>(_ value: T) {
        if T.isSigned, let small = Int64(exactly: value) {
            buffer.appendValue(tag: SLUICE_SEGMENT_INT, small.littleEndian)
        } else if !T.isSigned, let small = UInt64(exactly: value) {
            buffer.appendValue(tag: SLUICE_SEGMENT_UINT, small.littleEndian)
        } else {
            buffer.appendText(value.description)
        }
    }

    /// Appends the double as its bits; the writer renders it as Swift's `description` would.
    @inlinable @inline(__always)
    public mutating func appendInterpolation(_ value: Double) {
        buffer.appendValue(tag: SLUICE_SEGMENT_DOUBLE, value.bitPattern.littleEndian)
    }

    /// Appends the float as its bits; the writer renders it as Swift's `description` would.
    @inlinable
    public mutating func appendInterpolation(_ value: Float) {
        buffer.appendValue(tag: SLUICE_SEGMENT_FLOAT, value.bitPattern.littleEndian)
    }

    /// Appends the value's `description` (a `String` is built for it).
    @inlinable
    public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) {
        buffer.appendText(value.description)
    }

    /// Appends `String(describing:)` of any other value (a `String` is built for it).
    @inlinable
    public mutating func appendInterpolation<T>(_ value: T) {
        buffer.appendText(String(describing: value))
    }
}
