import CSluice

/// A message's bytes in the core's segment encoding (sluice.h, "Deferred
/// formatting"), built in place: the first 256 bytes inline, more on the heap.
/// Adjacent text merges into one segment, so a message without values is one
/// text segment and goes to the core as plain text.
@usableFromInline
struct SegmentBuffer {
    @usableFromInline
    typealias Inline = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    )
    @usableFromInline static var inlineCapacity: Int { MemoryLayout<Inline>.size }
    @usableFromInline static var textHeader: Int { 1 + MemoryLayout<UInt32>.size }

    @usableFromInline var inline: Inline = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    )
    @usableFromInline var count = 0
    @usableFromInline var spill: Spill?
    /// Where the text segment still being extended starts, or -1.
    @usableFromInline var openText = -1
    @usableFromInline var hasValues = false

    @inlinable
    init() {}

    @inlinable
    var capacity: Int { spill?.capacity ?? Self.inlineCapacity }

    /// Calls body with the start of the storage, to write into.
    @inlinable
    mutating func withStorage<R>(_ body: (UnsafeMutableRawPointer) -> R) -> R {
        if spill != nil {
            if !isKnownUniquelyReferenced(&spill!) { spill = spill!.copy(count: count) }
            return body(spill!.pointer)
        }
        return withUnsafeMutableBytes(of: &inline) { body($0.baseAddress!) }
    }

    @inlinable
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    @usableFromInline
    mutating func grow(to needed: Int) {
        let bigger = Spill(capacity: max(2 * capacity, needed))
        let used = count
        withStorage { bigger.pointer.copyMemory(from: $0, byteCount: used) }
        spill = bigger
    }

    @inlinable
    mutating func appendText(_ bytes: UnsafeRawBufferPointer) {
        let header = openText < 0 ? Self.textHeader : 0
        reserve(header + bytes.count)
        let at = count
        let segment = openText < 0 ? at : openText
        withStorage { base in
            if header != 0 {
                base.storeBytes(of: UInt8(SLUICE_SEGMENT_TEXT), toByteOffset: at, as: UInt8.self)
                base.storeBytes(of: UInt32(0), toByteOffset: at + 1, as: UInt32.self)
            }
            if let source = bytes.baseAddress {
                (base + at + header).copyMemory(from: source, byteCount: bytes.count)
            }
            let length = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: segment + 1, as: UInt32.self))
            base.storeBytes(of: (length + UInt32(bytes.count)).littleEndian, toByteOffset: segment + 1, as: UInt32.self)
        }
        openText = segment
        count = at + header + bytes.count
    }

    @inlinable
    mutating func appendText(_ text: StaticString) {
        text.withUTF8Buffer { appendText(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    mutating func appendText(_ text: Substring) {
        var text = text
        text.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
    }

    /// A value segment: the tag, then the value's little-endian bits.
    @inlinable
    mutating func appendValue<Bits: FixedWidthInteger>(tag: Int, _ littleEndianBits: Bits) {
        reserve(1 + MemoryLayout<Bits>.size)
        let at = count
        withStorage { base in
            base.storeBytes(of: UInt8(tag), toByteOffset: at, as: UInt8.self)
            base.storeBytes(of: littleEndianBits, toByteOffset: at + 1, as: Bits.self)
        }
        count = at + 1 + MemoryLayout<Bits>.size
        openText = -1
        hasValues = true
    }

    /// Calls body with the bytes and whether they are segments; text alone is passed as plain text.
    @inlinable
    func withBytes<R>(_ body: (UnsafeRawBufferPointer, _ segments: Bool) -> R) -> R {
        let plainText = !hasValues && openText == 0
        let start = plainText ? Self.textHeader : 0
        let end = count
        if let spill {
            return body(UnsafeRawBufferPointer(start: spill.pointer + start, count: end - start), !plainText && end > 0)
        }
        return withUnsafeBytes(of: inline) { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[start..<end]), !plainText && end > 0)
        }
    }
}

/// Heap room for a message that outgrew its inline bytes.
@usableFromInline
final class Spill {
    @usableFromInline let pointer: UnsafeMutableRawPointer
    @usableFromInline let capacity: Int

    @usableFromInline
    init(capacity: Int) {
        self.capacity = capacity
        pointer = .allocate(byteCount: capacity, alignment: 8)
    }

    @usableFromInline
    func copy(count: Int) -> Spill {
        let copy = Spill(capacity: capacity)
        copy.pointer.copyMemory(from: pointer, byteCount: count)
        return copy
    }

    deinit {
        pointer.deallocate()
    }
}
