import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Sluice
import Synchronization

/// The other side: a WebSocket server on loopback that acknowledges every message
/// ("ack <id>"), and for a known, seeded share of requests misbehaves: it acknowledges one
/// message twice, holds a request's replies back (marking them slow), or drops the
/// connection halfway through. It counts what it injected.
final class FaultyServer: Sendable {
    struct Faults: Sendable, Codable {
        var duplicates = 0
        var slow = 0
        var drops = 0
    }

    /// The shares of requests that get each fault.
    struct Plan: Sendable {
        var seed: UInt64 = 42
        var duplicate = 0.05
        var slow = 0.02
        var drop = 0.01
        var slowBy = Duration.milliseconds(5)
    }

    private let plan: Plan
    private let injected = Mutex(Faults())
    /// Requests whose connection was dropped once already: their resent messages are acknowledged.
    private let dropped = Mutex(Set<Int>())
    private let log = Sluice.logger("websocket_server")

    init(plan: Plan) {
        self.plan = plan
    }

    var faults: Faults { injected.withLock { $0 } }

    enum Fault { case none, duplicate, slow, drop }

    /// The same fault for a request every run: a hash of the seed and the request number.
    func fault(of request: Int) -> Fault {
        var x = plan.seed &+ UInt64(request) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        let u = Double(x ^ (x >> 31)) / Double(UInt64.max)
        if u < plan.drop { return .drop }
        if u < plan.drop + plan.slow { return .slow }
        if u < plan.drop + plan.slow + plan.duplicate { return .duplicate }
        return .none
    }

    enum Upgrade {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused
    }

    /// Binds to a free loopback port; serve() then takes connections.
    func bind(group: MultiThreadedEventLoopGroup) async throws -> NIOAsyncChannel<EventLoopFuture<Upgrade>, Never> {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                        shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                .websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                            }
                        })
                    let configuration = NIOTypedHTTPServerUpgradeConfiguration<Upgrade>(
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { .refused } })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
    }

    func serve(_ listener: NIOAsyncChannel<EventLoopFuture<Upgrade>, Never>) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await upgrade in connections {
                    group.addTask {
                        guard case .websocket(let channel) = try? await upgrade.get() else { return }
                        self.log.info("session open")
                        try? await self.answer(channel)
                        self.log.info("session closed")
                    }
                }
            }
        }
    }

    /// Acknowledges each "r <request> m <id>" frame, with the request's fault.
    private func answer(_ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>) async throws {
        try await channel.executeThenClose { inbound, outbound in
            var seen = 0  // messages of the current request on this connection
            var current = -1
            for try await frame in inbound {
                guard frame.opcode == .text else {
                    if frame.opcode == .connectionClose { return }
                    continue
                }
                let words = String(buffer: frame.data).split(separator: " ")
                guard words.count == 4, let request = Int(words[1]), let id = Int(words[3]) else { continue }
                if request != current {
                    current = request
                    seen = 0
                }
                seen += 1
                let fault = fault(of: request)
                if fault == .drop, seen == 25, dropped.withLock({ $0.insert(request).inserted }) {
                    injected.withLock { $0.drops += 1 }
                    return  // closes the connection with the rest of the request unanswered
                }
                if fault == .slow, seen == 1 {
                    injected.withLock { $0.slow += 1 }
                    try await Task.sleep(for: plan.slowBy)
                }
                let reply = WebSocketFrame(
                    fin: true, opcode: .text, data: ByteBuffer(string: fault == .slow ? "ack \(id) slow" : "ack \(id)"))
                try await outbound.write(reply)
                if fault == .duplicate, seen == 10 {
                    injected.withLock { $0.duplicates += 1 }
                    try await outbound.write(reply)
                }
            }
        }
    }
}
