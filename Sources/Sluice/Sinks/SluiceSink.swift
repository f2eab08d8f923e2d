import CSluice

/// A sink of your own: where a core hands a sink's rendered lines, in batches, on its writer
/// thread, never on the logging caller's (a synchronous core excepted, whose callers write).
///
/// Name it as a destination, `.custom("name", sink)`, or beside one,
/// `SluiceConfiguration.Sink(.custom("name", sink), level: .warning, format: .json)`. Its
/// lines are rendered in its own format, and it is counted like every sink
/// (``SluiceStats/sinks``: written, bytes, write errors, dropped). A sink that never returns
/// is bounded as a stuck file is, by ``SluiceConfiguration/closeTimeout``.
///
/// ```swift
/// final class LastLines: SluiceSink {  // the last lines, for a debug endpoint
///     private let kept = Mutex<[String]>([])
///     func write(lines: UnsafeRawBufferPointer) -> Bool {
///         let batch = String(decoding: lines, as: UTF8.self).split(separator: "\n").map(String.init)
///         kept.withLock { $0 = Array(($0 + batch).suffix(1_000)) }
///         return true
///     }
/// }
/// ```
public protocol SluiceSink: Sendable {
    /// Takes a batch of whole lines, each ending in `\n`. Called one batch at a time. Returns
    /// false when it could not take them: the batch counts as the sink's write error, and its
    /// records as dropped by the sink. The bytes are valid only during the call.
    func write(lines: UnsafeRawBufferPointer) -> Bool
}

/// A sink as the C core's `sluice_sink_function` calls it: kept alive by its core for as
/// long as a writer may call it (``SluiceCore`` holds every box it was ever given).
final class SinkBox: Sendable {
    let sink: any SluiceSink

    init(_ sink: any SluiceSink) {
        self.sink = sink
    }

    /// Whether a and b are one sink: the same instance of a class (a value is never the same).
    static func same(_ a: any SluiceSink, _ b: any SluiceSink) -> Bool {
        type(of: a) is AnyClass && type(of: b) is AnyClass && (a as AnyObject) === (b as AnyObject)
    }

    /// The C core's view: `write` with this box as its context.
    var function: sluice_sink_function {
        sluice_sink_function(
            write: { context, lines, length in
                let box = Unmanaged<SinkBox>.fromOpaque(context!).takeUnretainedValue()
                return box.sink.write(lines: UnsafeRawBufferPointer(start: lines, count: length)) ? length : 0
            },
            context: Unmanaged.passUnretained(self).toOpaque())
    }
}
