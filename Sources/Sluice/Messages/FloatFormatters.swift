import CSluice

/// Double and Float segments are rendered by the writer exactly as Swift's interpolation
/// renders them: interpolation calls the value's `write(to:)`, and so does this.
func installFloatFormatters() {
    _ = floatFormattersInstalled
}

private let floatFormattersInstalled: Void = {
    sluice_set_float_formatters(
        { value, out, capacity in
            var sink = ByteSink(out: out, capacity: capacity)
            value.write(to: &sink)
            return sink.count
        },
        { value, out, capacity in
            var sink = ByteSink(out: out, capacity: capacity)
            value.write(to: &sink)
            return sink.count
        })
}()

/// A text stream into a C buffer, cut at its capacity. Floating-point values write
/// their ASCII digits through `_writeASCII`, so no `String` is made for them.
private struct ByteSink: TextOutputStream {
    let out: UnsafeMutablePointer<CChar>?
    let capacity: Int
    var count = 0

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        append(UnsafeRawBufferPointer(buffer))
    }

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count, capacity - count)
        if let out, let source = bytes.baseAddress, n > 0 {
            UnsafeMutableRawPointer(out + count).copyMemory(from: source, byteCount: n)
        }
        count += max(n, 0)
    }
}
