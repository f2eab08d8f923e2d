import CSluice
import Foundation
import SluiceTestSupport
import XCTest

/// A sampler pointer that test threads may share: the sampler is lock-free.
struct Sampler: @unchecked Sendable {
    let pointer: OpaquePointer
}

final class SamplerTests: XCTestCase {
    func makeSampler(maxKeys: UInt32 = 64) throws -> Sampler {
        let sampler = try XCTUnwrap(sluice_sampler_create(maxKeys))
        addTeardownBlock { sluice_sampler_destroy(sampler) }
        return Sampler(pointer: sampler)
    }

    func emitted(_ sampler: Sampler, key: UInt64 = 42, ppm: UInt32, calls: Int) -> [Int] {
        (1...calls).filter { _ in sluice_sampler_take(sampler.pointer, key, ppm) == 1 }
    }

    func testTenPercentEmitsTheFirstCallAndEveryTenthAfterIt() throws {
        XCTAssertEqual(emitted(try makeSampler(), ppm: 100_000, calls: 100), [1, 11, 21, 31, 41, 51, 61, 71, 81, 91])
    }

    func testAfterNCallsExactlyTheCeilingOfNTimesTheRateAreEmitted() throws {
        for ppm: UInt32 in [1, 10_000, 100_000, 123_457, 333_333, 500_000, 999_999] {
            let sampler = try makeSampler()
            var count = 0
            for n in 1...3000 {
                count += Int(sluice_sampler_take(sampler.pointer, 7, ppm))
                let expected = (n * Int(ppm) + 999_999) / 1_000_000
                if count != expected {
                    XCTFail("ppm \(ppm): after \(n) calls \(count) emitted, expected \(expected)")
                    break
                }
            }
        }
    }

    func testOnePercentIsOneOfAHundredAndRatesZeroAndOneAreNothingAndEverything() throws {
        XCTAssertEqual(emitted(try makeSampler(), ppm: 10_000, calls: 100), [1])
        XCTAssertEqual(emitted(try makeSampler(), ppm: 0, calls: 1000), [])
        XCTAssertEqual(emitted(try makeSampler(), ppm: SLUICE_PPM_ALL, calls: 100).count, 100)
    }

    func testKeysCountIndependently() throws {
        let sampler = try makeSampler()
        var perKey = [UInt64: Int]()
        for i in 0..<1000 {
            let key = UInt64(i % 5) + 1
            perKey[key, default: 0] += Int(sluice_sampler_take(sampler.pointer, key, 100_000))
        }
        XCTAssertEqual(perKey, [1: 20, 2: 20, 3: 20, 4: 20, 5: 20])
    }

    func testEightThreadsOnOneKeyEmitExactlyTheirShare() throws {
        let sampler = try makeSampler()
        let counts = Slots(8, 0)
        onThreads(8) { t in
            var mine = 0
            for _ in 0..<10_000 { mine += Int(sluice_sampler_take(sampler.pointer, 99, 100_000)) }
            counts[t] = mine
        }
        XCTAssertEqual(counts.all.reduce(0, +), 8_000)
    }

    func testKeysPastTheCapShareOneCountedOverflowCounter() throws {
        let sampler = try makeSampler(maxKeys: 16)
        var emittedCount = 0
        for key in 1...1000 as ClosedRange<UInt64> {
            emittedCount += Int(sluice_sampler_take(sampler.pointer, key, 100_000))
        }
        XCTAssertEqual(sluice_sampler_overflow_calls(sampler.pointer), 1000 - 16)
        XCTAssertEqual(emittedCount, 16 + (984 + 9) / 10, "16 first calls, then the shared counter at 10%")
    }
}
