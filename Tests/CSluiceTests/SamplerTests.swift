import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// A sampler pointer that test threads may share: the sampler is lock-free.
struct Sampler: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// One call of `key` (its bytes; `hash` defaults to a simple one, and is forced in tests of collisions).
func take(_ sampler: Sampler, _ key: String, hash: UInt64? = nil, ppm: UInt32) -> Int32 {
    let spread = hash ?? UInt64(truncatingIfNeeded: key.hashValue)
    var key = key
    return key.withUTF8 { bytes in
        sluice_sampler_take(sampler.pointer, bytes.baseAddress, bytes.count, UInt64(bytes.count), spread, ppm)
    }
}

final class SamplerTests: XCTestCase {
    func makeSampler(keys: UInt32 = 64) throws -> Sampler {
        let sampler = try XCTUnwrap(sluice_sampler_create(keys))
        addTeardownBlock { sluice_sampler_destroy(sampler) }
        return Sampler(pointer: sampler)
    }

    func emitted(_ sampler: Sampler, key: String = "k", ppm: UInt32, calls: Int) -> [Int] {
        (1...calls).filter { _ in take(sampler, key, ppm: ppm) & Int32(SLUICE_SAMPLE_EMIT) != 0 }
    }

    func testTenPercentEmitsTheFirstCallAndEveryTenthAfterIt() throws {
        XCTAssertEqual(emitted(try makeSampler(), ppm: 100_000, calls: 100), [1, 11, 21, 31, 41, 51, 61, 71, 81, 91])
    }

    func testAfterNCallsExactlyTheCeilingOfNTimesTheRateAreEmitted() throws {
        for ppm: UInt32 in [1, 10_000, 100_000, 123_457, 333_333, 500_000, 999_999] {
            let sampler = try makeSampler()
            var count = 0
            for n in 1...3000 {
                count += Int(take(sampler, "seven", ppm: ppm))
                let expected = (n * Int(ppm) + 999_999) / 1_000_000
                if count != expected {
                    XCTFail("ppm \(ppm): after \(n) calls \(count) emitted, expected \(expected)")
                    break
                }
            }
        }
    }

    func testTheCountStaysExactPastAMillionCalls() throws {
        let sampler = try makeSampler()
        let ppm: UInt32 = 123_457
        var count = 0
        for n in 1...2_100_000 {
            count += Int(take(sampler, "long run", ppm: ppm))
            if n % 100_000 == 0 || (999_990...1_000_010).contains(n) {
                XCTAssertEqual(count, (n * Int(ppm) + 999_999) / 1_000_000, "after \(n) calls")
            }
        }
    }

    func testOnePercentIsOneOfAHundredAndRatesZeroAndOneAreNothingAndEverything() throws {
        XCTAssertEqual(emitted(try makeSampler(), ppm: 10_000, calls: 100), [1])
        XCTAssertEqual(emitted(try makeSampler(), ppm: 0, calls: 1000), [])
        XCTAssertEqual(emitted(try makeSampler(), ppm: SLUICE_PPM_ALL, calls: 100).count, 100)
    }

    func testKeysAreComparedByTheirTextNotTheirHash() throws {
        let sampler = try makeSampler()
        var perKey = [String: Int]()
        let keys = ["", "a", "b", "ab", String(repeating: "x", count: 96), String(repeating: "x", count: 95) + "y"]
        // Pairs that differ only in a tail of 4 to 7 bytes, in a whole last word, or in a first word
        // before an equal tail; a window away from the first keys (windows are 8 slots).
        let words = ["abcd", "abce", "abcdefg", "abcdefh", "abcdefgh", "abcdefgi", "Xbcdefghijkl", "abcdefghijkl"]
        for i in 0..<600 {
            let key = keys[i % keys.count]
            perKey[key, default: 0] += Int(take(sampler, key, hash: 42, ppm: 100_000))  // every key the same hash
        }
        for i in 0..<800 {
            let key = words[i % words.count]
            perKey[key, default: 0] += Int(take(sampler, key, hash: 7, ppm: 100_000))
        }
        XCTAssertEqual(perKey, Dictionary(uniqueKeysWithValues: (keys + words).map { ($0, 10) }), "100 calls each: 10 emitted each")
    }

    func testEightThreadsOnOneKeyEmitExactlyTheirShare() throws {
        let sampler = try makeSampler()
        let counts = Slots(8, 0)
        onThreads(8) { t in
            var mine = 0
            for _ in 0..<10_000 { mine += Int(take(sampler, "shared", ppm: 100_000)) }
            counts[t] = mine
        }
        XCTAssertEqual(counts.all.reduce(0, +), 8_000)
    }

    func testKeysMadePerRequestNeverStarveANewKeyAndAKeptKeyStaysExact() throws {
        let sampler = try makeSampler(keys: 64)
        var steady = 0, requestFirstCalls = 0
        for request in 0..<1_100 {
            steady += Int(take(sampler, "steady", ppm: 100_000) & Int32(SLUICE_SAMPLE_EMIT))
            requestFirstCalls += Int(take(sampler, "request-\(request)", ppm: 10_000) & Int32(SLUICE_SAMPLE_EMIT))
        }
        XCTAssertEqual(requestFirstCalls, 1_100, "every new key's first call")
        XCTAssertEqual(steady, 110, "a key in use is never the one forgotten: exactly 10% of 1,100")
        XCTAssertEqual(emitted(sampler, key: "late static key", ppm: 10_000, calls: 5), [1])
        XCTAssertGreaterThanOrEqual(sluice_sampler_forgotten(sampler.pointer), UInt64(1_100 - 64))
    }

    func testUnderEvictionsFromFourThreadsEveryNewKeyIsEmittedAndNoKeyLosesACall() throws {
        let sampler = try makeSampler(keys: 256)
        let perThread = underThreadSanitizer ? 5_000 : 20_000
        let hot = Slots(4, 0), fresh = Slots(4, 0), forgot = Slots(4, 0)
        onThreads(4) { t in
            var hotEmitted = 0, freshEmitted = 0, forgotten = 0
            for i in 0..<perThread {
                let hotTaken = take(sampler, "hot-\(t)", ppm: 100_000)
                hotEmitted += Int(hotTaken & Int32(SLUICE_SAMPLE_EMIT))
                let taken = take(sampler, "fresh-\(t)-\(i)", ppm: 100_000)
                freshEmitted += Int(taken & Int32(SLUICE_SAMPLE_EMIT))
                forgotten += [taken, hotTaken].filter { $0 & Int32(SLUICE_SAMPLE_FORGOT) != 0 }.count
            }
            hot[t] = hotEmitted
            fresh[t] = freshEmitted
            forgot[t] = forgotten
        }
        XCTAssertEqual(fresh.all, [Int](repeating: perThread, count: 4), "each new key's only call is emitted")
        for t in 0..<4 {
            // A hot key forgotten and met again starts over: never fewer than its share.
            XCTAssertGreaterThanOrEqual(hot[t], (perThread + 9) / 10, "hot-\(t)")
        }
        XCTAssertEqual(UInt64(forgot.all.reduce(0, +)), sluice_sampler_forgotten(sampler.pointer), "each eviction told once")
    }
}
