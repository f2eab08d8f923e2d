import ServiceLifecycle
import Sluice

/// Sluice as a service of a `ServiceGroup`: it runs until graceful shutdown (or cancellation),
/// then writes every record logged so far, within a deadline, and closes its core. What could not
/// be written by then is counted as dropped (`SluiceCore.counters`), never lost uncounted.
///
/// Put it first in the group: a group shuts its services down in reverse order, so Sluice stops
/// last and writes what every other service logged while it stopped.
///
/// ```swift
/// let group = ServiceGroup(
///     services: [SluiceService(), server],
///     gracefulShutdownSignals: [.sigterm, .sigint],
///     logger: Logger(label: "service"))
/// try await group.run()
/// ```
public struct SluiceService: Service, CustomStringConvertible {
    private let core: SluiceCore?
    /// How long the last flush may take before the core closes (its close timeout still applies
    /// to a sink that never takes the write).
    public let flushTimeout: Duration

    /// Serves the default core (`Sluice`).
    public init(flushTimeout: Duration = .seconds(5)) {
        core = nil
        self.flushTimeout = flushTimeout
    }

    /// Serves `core`.
    public init(core: SluiceCore, flushTimeout: Duration = .seconds(5)) {
        self.core = core
        self.flushTimeout = flushTimeout
    }

    /// The service's name in a `ServiceGroup`'s logs.
    public var description: String { "SluiceService" }

    /// Waits for graceful shutdown or cancellation, then flushes and closes the core.
    public func run() async throws {
        try? await gracefulShutdown()  // cancelled: the records are written all the same
        if let core {
            core.flush(timeout: flushTimeout)
            core.close()
        } else {
            Sluice.flush(timeout: flushTimeout)
            Sluice.close()
        }
    }
}
