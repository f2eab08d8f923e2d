import CSluice
import Logging

/// Logs records of one module into a ``SluiceCore``.
///
/// A cheap value: copy it freely. The message is an autoclosure, evaluated only
/// when the record is logged.
public struct SluiceLogger: Sendable {
    public let core: SluiceCore
    @usableFromInline let module: Int32

    init(core: SluiceCore, module: Int32) {
        self.core = core
        self.module = module
    }

    /// Logs `message` at `level`. Returns without waiting for I/O.
    @inlinable
    public func log(level: Logger.Level, _ message: @autoclosure () -> String) {
        var text = message()
        text.withUTF8 { bytes in
            _ = sluice_log(core.pointer, level.sluiceLevel, module, bytes.baseAddress, bytes.count)
        }
    }

    @inlinable public func trace(_ message: @autoclosure () -> String) { log(level: .trace, message()) }
    @inlinable public func debug(_ message: @autoclosure () -> String) { log(level: .debug, message()) }
    @inlinable public func info(_ message: @autoclosure () -> String) { log(level: .info, message()) }
    @inlinable public func notice(_ message: @autoclosure () -> String) { log(level: .notice, message()) }
    @inlinable public func warning(_ message: @autoclosure () -> String) { log(level: .warning, message()) }
    @inlinable public func error(_ message: @autoclosure () -> String) { log(level: .error, message()) }
    @inlinable public func critical(_ message: @autoclosure () -> String) { log(level: .critical, message()) }
}

extension Logger.Level {
    /// The C core's number for this level.
    @inlinable
    var sluiceLevel: Int32 {
        switch self {
        case .trace: Int32(SLUICE_TRACE)
        case .debug: Int32(SLUICE_DEBUG)
        case .info: Int32(SLUICE_INFO)
        case .notice: Int32(SLUICE_NOTICE)
        case .warning: Int32(SLUICE_WARNING)
        case .error: Int32(SLUICE_ERROR)
        case .critical: Int32(SLUICE_CRITICAL)
        }
    }
}
