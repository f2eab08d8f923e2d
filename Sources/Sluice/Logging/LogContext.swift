import Logging

/// Metadata attached to a logger (``SluiceLogger/metadata``), with its fields encoded once,
/// when it is attached: a call that adds no metadata of its own copies these bytes into its
/// record, and builds, hashes and sorts no dictionary.
@usableFromInline
final class AttachedMetadata: Sendable {
    let metadata: Logger.Metadata
    /// The fields of `metadata`, keys sorted, as ``SegmentBuffer/appendMetadata(_:)`` writes them.
    let encoded: [UInt8]

    static let none = AttachedMetadata([:])

    init(_ metadata: Logger.Metadata) {
        self.metadata = metadata
        guard !metadata.isEmpty else {
            encoded = []
            return
        }
        var buffer = SegmentBuffer()
        buffer.appendMetadata(metadata)
        encoded = buffer.withBytes { bytes, _ in Array(bytes) }
    }
}

/// Where a native call was made, and the error it was given: what its record carries beside its
/// metadata (`file`, `line` and `function` under ``SluiceConfiguration/sourceLocation``).
@usableFromInline
struct CallSite {
    @usableFromInline let file: String
    @usableFromInline let function: String
    @usableFromInline let line: UInt
    @usableFromInline let error: (any Error)?

    @inlinable
    init(file: String, function: String, line: UInt, error: (any Error)? = nil) {
        self.file = file
        self.function = function
        self.line = line
        self.error = error
    }

    /// swift-log's `source`: the module of the call's file (`#fileID` starts with it).
    var source: String {
        file.firstIndex(of: "/").map { String(file[..<$0]) } ?? "n/a"
    }
}

extension SluiceLogger {
    /// Appends the record's fields after its message, in the swift-log handler's order: with
    /// source locations on, `source`, `file`, `line`, `function`; then the metadata, each layer
    /// over the ones before it (attached, the provider's, the call's, the error's).
    @usableFromInline
    func appendFields(to message: inout SluiceMessage, metadata: Logger.Metadata?, _ site: CallSite) {
        let location = core.sourceLocation.load(ordering: .relaxed)
        let provided = metadataProvider?.get()
        let call = metadata?.isEmpty == false ? metadata : nil
        let given = provided?.isEmpty == false ? provided : nil
        let attached = self.attached.encoded
        guard location || call != nil || given != nil || site.error != nil || !attached.isEmpty else { return }
        message.buffer.beginFields()
        if location {
            message.buffer.appendSource(site.source)
            message.buffer.appendLocation(file: site.file, line: site.line, function: site.function)
        }
        if call == nil && given == nil && site.error == nil
            && message.buffer.logicalCount + attached.count <= SegmentBuffer.largestMessage
        {
            message.buffer.appendEncoded(attached)
            return
        }
        message.buffer.appendMetadata(attached: self.attached.metadata, provided: given, call: call, error: site.error)
    }
}
