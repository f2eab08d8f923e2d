import CSluice
import Logging

/// What follows a message in its record (sluice.h, "Fields"): where the record comes
/// from and its metadata, nested dictionaries and arrays kept as such. The writer
/// renders them in the sink's format — members of the JSON object, ` key=value` in
/// text and logfmt — so a call copies values and never formats metadata itself.
extension SegmentBuffer {
    /// The deepest nesting the core renders; deeper values travel as their description.
    static var deepestNesting: Int { 16 }

    /// Ends the message: what follows are fields.
    mutating func beginFields() {
        appendTag(SLUICE_SEGMENT_FIELDS)
    }

    /// swift-log's `source` of the record (json and logfmt write it; text names the module already).
    mutating func appendSource(_ source: String) {
        appendTagged(SLUICE_SEGMENT_SOURCE, source)
    }

    /// Where the call was made: written as `file`, `line` and `function`.
    mutating func appendLocation(file: String, line: UInt, function: String) {
        appendTagged(SLUICE_SEGMENT_LOCATION, file)
        appendRaw(UInt32(clamping: line).littleEndian)
        appendTaggedText(function)
    }

    /// Each entry as a field, keys sorted so that lines are the same from run to run.
    mutating func appendMetadata(_ metadata: Logger.Metadata) {
        Self.forEachSorted(metadata) { key, value in
            appendTagged(SLUICE_SEGMENT_KEY, key)
            append(value, depth: 0)
        }
    }

    /// swift-log's four layers of a record's metadata, each over the ones before it (the
    /// logger's or handler's, the provider's, the call's, the error's two keys), written as one
    /// set of fields without merging them; an empty or absent layer is skipped.
    mutating func appendMetadata(
        attached: Logger.Metadata?, provided: Logger.Metadata?, call: Logger.Metadata?, error: (any Error)?
    ) {
        withUnsafeTemporaryAllocation(of: Logger.Metadata.self, capacity: 4) { room in
            let layers = room.baseAddress!
            var count = 0
            func add(_ layer: Logger.Metadata?) {
                guard let layer, !layer.isEmpty else { return }
                (layers + count).initialize(to: layer)
                count += 1
            }
            add(attached)
            add(provided)
            add(call)
            if let error {  // swift-log's keys: beside an `error` key of the caller's, never over it
                add(["error.message": "\(error)", "error.type": "\(String(reflecting: type(of: error)))"])
            }
            defer { layers.deinitialize(count: count) }
            appendMetadata(layers: UnsafeBufferPointer(start: layers, count: count))
        }
    }

    /// Each key of the layers as a field, keys sorted; a key in more than one layer takes the last
    /// one's value, as merging each layer over the ones before it would. No merged dictionary is
    /// built: that would allocate and hash every key again.
    mutating func appendMetadata(layers: UnsafeBufferPointer<Logger.Metadata>) {
        guard layers.count > 1 else {
            if let only = layers.first { appendMetadata(only) }
            return
        }
        withUnsafeTemporaryAllocation(of: UnsafeBufferPointer<Logger.Metadata.Index>.self, capacity: layers.count) {
            orders in
            Self.withSortedIndices(of: layers, from: 0, into: orders.baseAddress!) {
                Self.forEachMerged(layers, orders.baseAddress!) { key, value in
                    appendTagged(SLUICE_SEGMENT_KEY, key)
                    append(value, depth: 0)
                }
            }
        }
    }

    /// Calls body with each entry of metadata in the order of its keys.
    static func forEachSorted(_ metadata: Logger.Metadata, _ body: (String, Logger.MetadataValue) -> Void) {
        withSortedIndices(metadata) { order in
            for index in order { body(metadata.keys[index], metadata.values[index]) }
        }
    }

    /// Calls body with the indices of metadata's entries in the order of their keys, sorted in
    /// temporary room (on the stack for the few keys a record has): a call allocates nothing, and
    /// reaches each entry by its index, never hashing a key.
    @inline(__always)
    static func withSortedIndices(
        _ metadata: Logger.Metadata, _ body: (UnsafeBufferPointer<Logger.Metadata.Index>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: Logger.Metadata.Index.self, capacity: metadata.count) { order in
            let base = order.baseAddress!
            var n = 0
            var index = metadata.startIndex
            while index != metadata.endIndex {  // insertion sort: a record's keys are few
                let key = metadata.keys[index]
                var at = n
                while at > 0 && metadata.keys[base[at - 1]] > key { at -= 1 }
                (base + at + 1).moveInitialize(from: base + at, count: n - at)
                (base + at).initialize(to: index)
                n += 1
                metadata.formIndex(after: &index)  // not `indices`: its wrapper cost ~200 instructions a record
            }
            defer { base.deinitialize(count: n) }
            body(UnsafeBufferPointer(start: base, count: n))
        }
    }

    /// Sorts the indices of layers[from...] into orders[from...], then calls body.
    private static func withSortedIndices(
        of layers: UnsafeBufferPointer<Logger.Metadata>, from layer: Int,
        into orders: UnsafeMutablePointer<UnsafeBufferPointer<Logger.Metadata.Index>>, _ body: () -> Void
    ) {
        guard layer < layers.count else { return body() }
        withSortedIndices(layers[layer]) { order in
            (orders + layer).initialize(to: order)
            withSortedIndices(of: layers, from: layer + 1, into: orders, body)
        }
    }

    /// Calls body with each key of the sorted layers in order, and its value in the last layer
    /// that has it.
    private static func forEachMerged(
        _ layers: UnsafeBufferPointer<Logger.Metadata>,
        _ orders: UnsafeMutablePointer<UnsafeBufferPointer<Logger.Metadata.Index>>,
        _ body: (String, Logger.MetadataValue) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: layers.count) { room in
            let next = room.baseAddress!  // per layer: where in its order its next entry is
            next.initialize(repeating: 0, count: layers.count)
            func key(_ layer: Int) -> String? {
                next[layer] < orders[layer].count ? layers[layer].keys[orders[layer][next[layer]]] : nil
            }
            while true {
                var least: String?
                for layer in 0..<layers.count {
                    if let key = key(layer), least == nil || key < least! { least = key }
                }
                guard let least else { return }
                var winner = 0
                for layer in 0..<layers.count where key(layer) == least {
                    winner = layer
                    next[layer] += 1
                }
                body(least, layers[winner].values[orders[winner][next[winner] - 1]])
            }
        }
    }

    mutating func append(_ value: Logger.MetadataValue, depth: Int) {
        switch value {
        case .string(let text):
            appendTagged(SLUICE_SEGMENT_TEXT, text)
        case .stringConvertible(let convertible):
            appendScalar(convertible)
        case .dictionary(let dictionary) where depth < Self.deepestNesting:
            appendTag(SLUICE_SEGMENT_OBJECT)
            Self.forEachSorted(dictionary) { key, value in
                appendTagged(SLUICE_SEGMENT_KEY, key)
                append(value, depth: depth + 1)
            }
            appendTag(SLUICE_SEGMENT_END)
        case .array(let array) where depth < Self.deepestNesting:
            appendTag(SLUICE_SEGMENT_ARRAY)
            for element in array {
                append(element, depth: depth + 1)
            }
            appendTag(SLUICE_SEGMENT_END)
        case .dictionary, .array:
            appendTagged(SLUICE_SEGMENT_TEXT, Self.sortedDescription(value))
        }
    }

    /// value as swift-log describes it, but a dictionary's keys sorted, as the core renders the
    /// levels above: the same line in every process, whatever its hash seed.
    static func sortedDescription(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): "[" + array.map(sortedDescription).joined(separator: ", ") + "]"
        case .dictionary(let dictionary) where dictionary.isEmpty: "[:]"
        case .dictionary(let dictionary):
            "[" + dictionary.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription): \(sortedDescription($0.value))" }
                .joined(separator: ", ") + "]"
        }
    }

    /// Numbers and booleans as values a JSON line writes bare; anything else as its description.
    mutating func appendScalar(_ value: any CustomStringConvertible & Sendable) {
        switch value {
        case let value as Int: appendTaggedValue(SLUICE_SEGMENT_INT, Int64(value).littleEndian)
        case let value as Int64: appendTaggedValue(SLUICE_SEGMENT_INT, value.littleEndian)
        case let value as Int32: appendTaggedValue(SLUICE_SEGMENT_INT, Int64(value).littleEndian)
        case let value as UInt: appendTaggedValue(SLUICE_SEGMENT_UINT, UInt64(value).littleEndian)
        case let value as UInt64: appendTaggedValue(SLUICE_SEGMENT_UINT, value.littleEndian)
        case let value as UInt32: appendTaggedValue(SLUICE_SEGMENT_UINT, UInt64(value).littleEndian)
        case let value as Double: appendTaggedValue(SLUICE_SEGMENT_DOUBLE, value.bitPattern.littleEndian)
        case let value as Float: appendTaggedValue(SLUICE_SEGMENT_FLOAT, value.bitPattern.littleEndian)
        case let value as Bool: appendTaggedValue(SLUICE_SEGMENT_BOOL, UInt8(value ? 1 : 0))
        default: appendTagged(SLUICE_SEGMENT_TEXT, value.description)
        }
    }

    /// A tag alone.
    mutating func appendTag(_ tag: Int) {
        appendTaggedValue(tag, Optional<UInt8>.none)
    }

    /// A tag, then a uint32 length and the text, as a segment of its own (never merged).
    mutating func appendTagged(_ tag: Int, _ text: String) {
        closeText()
        hasValues = true
        withUTF8(of: text) { appendLengthAndBytes($0, after: UInt8(truncatingIfNeeded: tag)) }
    }

    mutating func appendTaggedValue<Bits: FixedWidthInteger>(_ tag: Int, _ littleEndianBits: Bits?) {
        closeText()
        let size = 1 + (littleEndianBits == nil ? 0 : MemoryLayout<Bits>.size)
        reserve(size)
        let at = count
        withStorage { base in
            base.storeBytes(of: UInt8(truncatingIfNeeded: tag), toByteOffset: at, as: UInt8.self)
            if let littleEndianBits { base.storeBytes(of: littleEndianBits, toByteOffset: at + 1, as: Bits.self) }
        }
        count = at + size
        hasValues = true
    }

    /// A uint32 length and the text's bytes, cut where a message must end.
    mutating func appendTaggedText(_ text: String) {
        withUTF8(of: text) { appendLengthAndBytes($0, after: nil) }
    }

    /// The optional tag, a uint32 length and the bytes, cut where a message must end: one
    /// reservation and one look at the storage for the three.
    private mutating func appendLengthAndBytes(_ bytes: UnsafeBufferPointer<UInt8>, after tag: UInt8?) {
        // Wrapping arithmetic: every term is bounded by the largest message (256 MiB).
        let header = (tag == nil ? 0 : 1) &+ MemoryLayout<UInt32>.size
        let length = min(bytes.count, max(0, Self.largestMessage &- logicalCount &- header))
        reserve(header &+ length)
        let at = count
        withStorage { base in
            if let tag { base.storeBytes(of: tag, toByteOffset: at, as: UInt8.self) }
            let lengthAt = at &+ header &- MemoryLayout<UInt32>.size
            base.storeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian, toByteOffset: lengthAt, as: UInt32.self)
            if length > 0 {
                Self.copy(to: base + (at &+ header), from: UnsafeRawPointer(bytes.baseAddress!), count: length)
            }
        }
        count = at &+ header &+ length
    }

    /// Calls body with the string's UTF-8 where it is, without a copy of the String.
    private func withUTF8<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var text = text  // bridged, never on Linux: made contiguous first
        return text.withUTF8(body)
    }

    /// The bits of value at the end, as they are.
    /// Fields encoded earlier (``AttachedMetadata``), copied as they are.
    mutating func appendEncoded(_ encoded: [UInt8]) {
        closeText()
        hasValues = true
        encoded.withUnsafeBytes { bytes in
            reserve(bytes.count)
            let at = count
            withStorage { ($0 + at).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            count = at + bytes.count
        }
    }

    mutating func appendRaw<Bits: FixedWidthInteger>(_ value: Bits) {
        reserve(MemoryLayout<Bits>.size)
        let at = count
        withStorage { $0.storeBytes(of: value, toByteOffset: at, as: Bits.self) }
        count = at + MemoryLayout<Bits>.size
    }
}
