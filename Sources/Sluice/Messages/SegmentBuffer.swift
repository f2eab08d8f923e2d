import CSluice

/// A message's bytes in the core's segment encoding (sluice.h, "Deferred
/// formatting"), built in place: the first 256 bytes inline, more on the heap.
/// Adjacent text merges into one segment, so a message without values is one
/// text segment and goes to the core as plain text.
///
/// The inline path is the hot one: a few stores and a copy per piece, no
/// overflow checks (every size is bounded by the inline capacity there), and
/// the open text segment's length written once, when the segment closes.
///
/// The first interpolated string that does not fit the inline bytes is not
/// copied: the buffer keeps the string itself (its storage retained, nothing
/// allocated) and where its bytes belong, and they are copied once, when the
/// message is logged. A message with one large string costs no allocation.
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
    /// The most message bytes a buffer keeps: no core carries more of one (a quarter of the
    /// largest ring), and a text segment's length must fit its UInt32. Text past it is cut,
    /// and the core marks the record truncated.
    @usableFromInline static var largestMessage: Int { Int(SLUICE_RING_MAX) / 4 }

    @usableFromInline var inline: Inline = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    )
    /// Where the text segment still being extended starts, or -1; its length so far. (Beside
    /// the inline bytes, its -1 keeps the zeroed run at 256 bytes: stores, not a memset call.)
    @usableFromInline var openText = -1
    @usableFromInline var openLength: UInt32 = 0
    @usableFromInline var count = 0
    /// Where the bytes live once they outgrow the inline ones.
    @usableFromInline var spill: Spill?
    /// A string kept by reference: its first externalLength bytes belong at byte externalAt of
    /// the storage (inside the text segment whose header precedes it, which counts them).
    @usableFromInline var external: String?
    @usableFromInline var externalAt: Int32 = 0
    @usableFromInline var externalLength: Int32 = 0
    @usableFromInline var hasValues = false

    @inlinable
    init() {}

    @inlinable @inline(__always)
    mutating func appendText(_ source: UnsafeRawPointer?, _ length: Int) {
        let header = openText < 0 ? Self.textHeader : 0
        let end = count &+ header &+ length
        guard _fastPath(spill == nil && end <= Self.inlineCapacity), let source else {
            appendTextSpilled(source, length)
            return
        }
        let at = count
        withUnsafeMutableBytes(of: &inline) { raw in
            let base = raw.baseAddress!
            if header != 0 {
                base.storeBytes(of: UInt8(SLUICE_SEGMENT_TEXT), toByteOffset: at, as: UInt8.self)
            }
            Self.copy(to: base + (at &+ header), from: source, count: length)
        }
        if header != 0 {
            openText = at
            openLength = 0
        }
        openLength &+= UInt32(truncatingIfNeeded: length)
        count = end
    }

    /// Copies without a call for the short pieces most messages are made of:
    /// two overlapping words (or halves, or three bytes) cover up to 16 bytes.
    @inlinable @inline(__always)
    static func copy(to target: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int) {
        if count > 16 {
            target.copyMemory(from: source, byteCount: count)
        } else if count >= 8 {
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count &- 8, as: UInt64.self)
        } else if count >= 4 {
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
        } else if count > 0 {
            let first = source.load(as: UInt8.self)
            let middle = source.load(fromByteOffset: count >> 1, as: UInt8.self)
            let last = source.load(fromByteOffset: count &- 1, as: UInt8.self)
            target.storeBytes(of: first, as: UInt8.self)
            target.storeBytes(of: middle, toByteOffset: count >> 1, as: UInt8.self)
            target.storeBytes(of: last, toByteOffset: count &- 1, as: UInt8.self)
        }
    }

    @inlinable @inline(__always)
    mutating func appendText(_ text: StaticString) {
        if text.hasPointerRepresentation {
            appendText(text.utf8Start, text.utf8CodeUnitCount)
        } else {
            text.withUTF8Buffer { appendText($0.baseAddress, $0.count) }
        }
    }

    @inlinable @inline(__always)
    mutating func appendText(_ text: String) {
        // The string lends its bytes where they are: no copy of the String, so nothing retained.
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            guard spill != nil || external != nil || count &+ Self.textHeader &+ utf8.count <= Self.inlineCapacity else {
                return false
            }
            appendText(utf8.baseAddress, utf8.count)
            return true
        }
        // Too big for the inline bytes, or (bridged, never on Linux) without contiguous UTF-8.
        if copied != true { appendExternal(text) }
    }

    /// The bytes a message holds, a string kept by reference included.
    @usableFromInline var logicalCount: Int { count + Int(externalLength) }

    /// Keeps text, which does not fit the inline bytes, by reference (its header inline), or
    /// copies it where the inline bytes have no room even for the header.
    @usableFromInline
    mutating func appendExternal(_ text: String) {
        var text = text
        let header = openText < 0 ? Self.textHeader : 0
        guard spill == nil, external == nil, count + header <= Self.inlineCapacity else {
            text.withUTF8 { appendTextSpilled($0.baseAddress, $0.count) }
            return
        }
        let length = min(text.utf8.count, Self.largestMessage - logicalCount - header)
        guard length > 0 else { return }
        let at = count
        if header != 0 {
            withStorage { $0.storeBytes(of: UInt8(SLUICE_SEGMENT_TEXT), toByteOffset: at, as: UInt8.self) }
            openText = at
            openLength = 0
        }
        openLength += UInt32(length)
        count = at + header
        external = text
        externalAt = Int32(count)
        externalLength = Int32(length)
    }

    @inlinable @inline(__always)
    mutating func appendText(_ text: Substring) {
        var text = text
        text.withUTF8 { appendText($0.baseAddress, $0.count) }
    }

    /// A value segment: the tag, then the value's little-endian bits.
    @inlinable @inline(__always)
    mutating func appendValue<Bits: FixedWidthInteger>(tag: Int, _ littleEndianBits: Bits) {
        closeText()
        let at = count
        let end = at &+ 1 &+ MemoryLayout<Bits>.size
        guard _fastPath(spill == nil && end <= Self.inlineCapacity) else {
            appendValueSpilled(tag: tag, littleEndianBits)
            return
        }
        withUnsafeMutableBytes(of: &inline) { raw in
            raw.baseAddress!.storeBytes(of: UInt8(truncatingIfNeeded: tag), toByteOffset: at, as: UInt8.self)
            raw.baseAddress!.storeBytes(of: littleEndianBits, toByteOffset: at &+ 1, as: Bits.self)
        }
        count = end
        hasValues = true
    }

    /// Writes the open text segment's length into its header.
    @inlinable @inline(__always)
    mutating func closeText() {
        guard openText >= 0 else { return }
        let at = openText &+ 1, length = openLength.littleEndian
        withStorage { $0.storeBytes(of: length, toByteOffset: at, as: UInt32.self) }
        openText = -1
    }

    /// Calls body with the start of the storage, inline or spilled.
    @inlinable
    mutating func withStorage<R>(_ body: (UnsafeMutableRawPointer) -> R) -> R {
        if spill != nil {
            if !isKnownUniquelyReferenced(&spill!) { spill = spill!.copy(count: count) }
            return body(spill!.pointer)
        }
        return withUnsafeMutableBytes(of: &inline) { body($0.baseAddress!) }
    }

    /// Makes room for extra more bytes, moving to (or growing) the heap. The check is inlined:
    /// a record's fields reserve a few bytes at a time, and nearly always have them.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > (spill?.capacity ?? Self.inlineCapacity) { grow(extra) }
    }

    @usableFromInline
    mutating func grow(_ extra: Int) {
        let capacity = spill?.capacity ?? Self.inlineCapacity
        let bigger = Spill(capacity: max(2 * capacity, count + extra))
        let used = count
        withStorage { bigger.pointer.copyMemory(from: $0, byteCount: used) }
        spill = bigger
    }

    @usableFromInline
    mutating func appendTextSpilled(_ source: UnsafeRawPointer?, _ length: Int) {
        let header = openText < 0 ? Self.textHeader : 0
        let length = min(length, Self.largestMessage - logicalCount - header)
        guard length > 0 else { return }
        reserve(header + length)
        let at = count
        withStorage { base in
            if header != 0 {
                base.storeBytes(of: UInt8(SLUICE_SEGMENT_TEXT), toByteOffset: at, as: UInt8.self)
            }
            if let source { (base + at + header).copyMemory(from: source, byteCount: length) }
        }
        if header != 0 {
            openText = at
            openLength = 0
        }
        openLength += UInt32(length)
        count = at + header + length
    }

    @usableFromInline
    mutating func appendValueSpilled<Bits: FixedWidthInteger>(tag: Int, _ littleEndianBits: Bits) {
        reserve(1 + MemoryLayout<Bits>.size)
        let at = count
        withStorage { base in
            base.storeBytes(of: UInt8(truncatingIfNeeded: tag), toByteOffset: at, as: UInt8.self)
            base.storeBytes(of: littleEndianBits, toByteOffset: at + 1, as: Bits.self)
        }
        count = at + 1 + MemoryLayout<Bits>.size
        hasValues = true
    }

    /// Calls body with the bytes and whether they are segments; text alone is passed as plain text.
    @inlinable
    mutating func withBytes<R>(_ body: (UnsafeRawBufferPointer, _ segments: Bool) -> R) -> R {
        guard external == nil else { return withGatheredBytes(body) }
        let plainText = !hasValues && openText == 0
        closeText()
        let start = plainText ? Self.textHeader : 0
        let bytes = count - start
        return withStorage { base in body(UnsafeRawBufferPointer(start: base + start, count: bytes), !plainText && bytes > 0) }
    }

    /// withBytes for a buffer holding a string by reference: the pieces gathered in order into
    /// temporary room. The ring path does not come here: it gathers into the record itself.
    @usableFromInline
    mutating func withGatheredBytes<R>(_ body: (UnsafeRawBufferPointer, _ segments: Bool) -> R) -> R {
        withPieces { pieces, segments in
            withUnsafeTemporaryAllocation(byteCount: pieces.count, alignment: 8) { room in
                let copied = pieces.copy(to: room.baseAddress!, capacity: pieces.count)
                return body(UnsafeRawBufferPointer(start: room.baseAddress!, count: copied), segments)
            }
        }
    }

    /// Calls body with the message as the pieces it is held in, in order, and whether they are
    /// segments; text alone is passed as plain text.
    @usableFromInline
    mutating func withPieces<R>(_ body: (Pieces, _ segments: Bool) -> R) -> R {
        let plainText = !hasValues && openText == 0
        closeText()
        let start = plainText ? Self.textHeader : 0
        let at = external == nil ? count : Int(externalAt), used = count, length = Int(externalLength)
        var text = external ?? ""
        return text.withUTF8 { utf8 in
            withStorage { base in
                let pieces = Pieces(
                    head: UnsafeRawBufferPointer(start: base + start, count: at - start),
                    text: UnsafeRawBufferPointer(start: utf8.baseAddress, count: length),
                    tail: UnsafeRawBufferPointer(start: base + at, count: used - at))
                return body(pieces, !plainText && pieces.count > 0)
            }
        }
    }

    /// A message as held: inline (or spilled) bytes, a string's bytes kept by reference, the rest.
    @usableFromInline
    struct Pieces {
        let head: UnsafeRawBufferPointer
        let text: UnsafeRawBufferPointer
        let tail: UnsafeRawBufferPointer

        @usableFromInline var count: Int { head.count + text.count + tail.count }

        /// Copies the pieces in order to target, at most capacity bytes; returns how many.
        @usableFromInline
        func copy(to target: UnsafeMutableRawPointer, capacity: Int) -> Int {
            var at = 0
            func append(_ piece: UnsafeRawBufferPointer) {
                let n = min(piece.count, capacity - at)
                if n > 0 { (target + at).copyMemory(from: piece.baseAddress!, byteCount: n) }
                at += n
            }
            append(head)
            append(text)
            append(tail)
            return at
        }
    }
}

extension SegmentBuffer: Sendable {}

/// Heap room for a message that outgrew its inline bytes. Copy on write: a buffer writes
/// into its spill only when it holds the sole reference (`withStorage`), so sharing one
/// between threads shares bytes nobody changes.
@usableFromInline
final class Spill: @unchecked Sendable {
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
