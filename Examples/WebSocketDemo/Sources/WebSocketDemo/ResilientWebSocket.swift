import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Sluice

/// The module the original team migrated first: a WebSocket client that keeps an outgoing
/// queue with message expiry, sends, retries (requeue or discard), flushes, closes and cleans
/// up per-message metrics, drops duplicate replies, and stops sending while its circuit
/// breaker is open. It logs as that module did: every step of every message at debug through a
/// sampling logger, state changes at info, duplicates and breaker changes at warning, failures
/// at error. On Sluice its loggers come from the factory and take their settings from the
/// environment (`LOG_LEVEL_RESILIENT_WEBSOCKET`, `LOG_SAMPLE_RATE_RESILIENT_WEBSOCKET`); the
/// "before" row makes the same calls through swift-log's `StreamLogHandler` (ClientLog).
final class ResilientWebSocket<Log: ClientLog> {

    /// A message waiting in the outgoing queue.
    struct Outgoing {
        let id: Int
        let request: Int
        let enqueuedAt: ContinuousClock.Instant
        let expiresAfter: Duration
        var attempts = 0
    }

    private let log: Log
    private let port: Int
    private let group: MultiThreadedEventLoopGroup
    private var queue: [Outgoing] = []
    /// Sent and not yet acknowledged, by id.
    private var inFlight: [Int: Outgoing] = [:]
    private var acknowledged: Set<Int> = []
    private var breaker = CircuitBreaker()
    private var connections = 0
    /// Messages given up on after `maxAttempts` sends.
    private(set) var discarded = 0
    static var maxAttempts: Int { 3 }

    init(port: Int, group: MultiThreadedEventLoopGroup, log: Log) {
        self.log = log
        self.port = port
        self.group = group
    }

    func enqueue(_ message: Outgoing) {
        queue.append(message)
        log.debug("enqueue id=\(message.id) request=\(message.request) queued=\(queue.count)", key: "enqueue")
    }

    /// Runs `requests` requests of `messages` messages each (and `presence` short-lived ones),
    /// one after another, and returns each request's duration, measured around it.
    func run(requests: Int, messages: Int, presence: Int) async throws -> [Duration] {
        var durations: [Duration] = []
        var nextID = 0
        var request = 0
        var started = ContinuousClock.now
        var enqueued = false
        while request < requests {
            let channel = try await connect()
            let connection = connections
            log.info("connected connection=\(connection) port=\(port)")
            log.info("task start connection=\(connection) role=sender")
            var lost = false
            try await channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                while request < requests {
                    if !enqueued {
                        started = .now
                        for _ in 0..<messages {
                            enqueue(Outgoing(id: nextID, request: request, enqueuedAt: started, expiresAfter: .seconds(30)))
                            nextID += 1
                        }
                        for _ in 0..<presence {  // presence pings that are stale by the time they would go out
                            enqueue(Outgoing(id: nextID, request: request, enqueuedAt: started, expiresAfter: .zero))
                            nextID += 1
                        }
                        enqueued = true
                    }
                    guard try await flush(outbound), case .complete(let slow) = try await awaitReplies(&frames) else {
                        lost = true
                        return
                    }
                    if slow {
                        log.warning("slow reply request=\(request) took_ms=\(milliseconds(ContinuousClock.now - started))")
                    }
                    breaker.recordSuccess(log)
                    durations.append(ContinuousClock.now - started)
                    request += 1
                    enqueued = false
                }
                try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer()))
            }
            log.info("task stop connection=\(connection) role=sender")
            if lost {
                connectionLost(connection)
            }
        }
        close()
        return durations
    }

    /// Sends every queued message that has not expired; expired ones are discarded. False if
    /// the connection went away: what was not sent goes back to the queue.
    private func flush(_ outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>) async throws -> Bool {
        let now = ContinuousClock.now
        var sent = 0
        var batch = queue[...]
        queue.removeAll(keepingCapacity: true)
        defer {
            queue.append(contentsOf: batch)
            let queued = queue.count
            log.sampled(key: "flush") { log in log.debug("flushed \(sent) messages queued=\(queued)") }
        }
        while var message = batch.first {
            if now - message.enqueuedAt >= message.expiresAfter {
                batch.removeFirst()
                log.debug("expired id=\(message.id) age_us=\(microseconds(now - message.enqueuedAt))", key: "expired")
                log.debug("retry_discard id=\(message.id) reason=expired", key: "retry_discard")
                continue
            }
            let frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "r \(message.request) m \(message.id)"))
            do {
                try await outbound.write(frame)
            } catch {
                return false
            }
            batch.removeFirst()
            message.attempts += 1
            inFlight[message.id] = message
            log.debug("send_success id=\(message.id) attempt=\(message.attempts) bytes=\(frame.data.readableBytes)", key: "send_success")
            sent += 1
        }
        return true
    }

    enum Replies {
        case complete(slow: Bool)  // the server marks a reply it held back
        case connectionLost
    }

    /// Reads replies until every message in flight is acknowledged, or the connection goes away.
    private func awaitReplies(_ frames: inout NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator) async throws
        -> Replies
    {
        var slow = false
        while !inFlight.isEmpty {
            let frame: WebSocketFrame?
            do {
                frame = try await frames.next()
            } catch {
                return .connectionLost
            }
            guard let frame, frame.opcode == .text else { return .connectionLost }
            let words = String(buffer: frame.data).split(separator: " ")
            guard words.count >= 2, let id = Int(words[1]) else { continue }
            slow = slow || words.count > 2
            guard acknowledged.insert(id).inserted, let message = inFlight.removeValue(forKey: id) else {
                log.warning("duplicate message id=\(id) dropped")
                continue
            }
            log.debug("cleanup id=\(id) latency_us=\(microseconds(ContinuousClock.now - message.enqueuedAt))", key: "cleanup")
        }
        return .complete(slow: slow)
    }

    /// The connection went away with messages in flight: each is requeued, or discarded after
    /// `maxAttempts` sends, and the breaker counts a failure.
    private func connectionLost(_ connection: Int) {
        log.error("connection lost connection=\(connection) in_flight=\(inFlight.count)")
        log.debug("close connection=\(connection) reason=lost", key: "close")
        for message in inFlight.values.sorted(by: { $0.id < $1.id }) {
            if message.attempts >= Self.maxAttempts {
                log.debug("retry_discard id=\(message.id) attempts=\(message.attempts)", key: "retry_discard")
                discarded += 1
            } else {
                queue.append(message)
                log.debug("retry_requeue id=\(message.id) attempts=\(message.attempts)", key: "retry_requeue")
            }
        }
        inFlight.removeAll()
        breaker.recordFailure(log)
    }

    private func close() {
        log.debug("close connection=\(connections) reason=done queued=\(queue.count)", key: "close")
        for id in acknowledged.sorted().suffix(8) {
            log.debug("cleanup id=\(id) metrics=released", key: "cleanup")
        }
        acknowledged.removeAll()
    }

    private func connect() async throws -> NIOAsyncChannel<WebSocketFrame, WebSocketFrame> {
        await breaker.waitUntilClosed(log)
        connections += 1
        return try await WebSocketConnection.open(port: port, group: group)
    }
}

/// Opens after a failure, lets one attempt through after its cool-down, closes on a success.
struct CircuitBreaker {
    enum State: String { case closed, open, halfOpen = "half_open" }
    private(set) var state = State.closed
    private var openedAt = ContinuousClock.now
    let coolDown = Duration.milliseconds(2)

    mutating func recordFailure<Log: ClientLog>(_ log: Log) {
        guard state != .open else { return }
        state = .open
        openedAt = .now
        log.warning("circuit breaker open cool_down_ms=\(milliseconds(coolDown))")
    }

    mutating func recordSuccess<Log: ClientLog>(_ log: Log) {
        guard state != .closed else { return }
        state = .closed
        log.warning("circuit breaker closed")
    }

    mutating func waitUntilClosed<Log: ClientLog>(_ log: Log) async {
        guard state == .open else { return }
        try? await Task.sleep(until: openedAt + coolDown)
        state = .halfOpen
        log.info("circuit breaker half_open")
    }
}

/// A WebSocket client connection over loopback, as swift-nio's own client example opens one.
enum WebSocketConnection {
    enum Upgrade {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused
    }

    struct Refused: Error {}

    static func open(port: Int, group: MultiThreadedEventLoopGroup) async throws
        -> NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    {
        let upgrade: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            .websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    })
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "127.0.0.1:\(port)")
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/session", headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { .refused } })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        guard case .websocket(let channel) = try await upgrade.get() else { throw Refused() }
        return channel
    }
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e3 + Double(attoseconds) / 1e15
}

func microseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
}
