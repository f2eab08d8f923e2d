import CSluiceTestSeams
import Foundation
import Synchronization
import XCTest

/// The platform layer (CSources/CSluice/platform.h) on its own: the Linux calls in a default
/// build, their POSIX replacements (what macOS runs) in a build with the Portable trait, which
/// `make test-asan` is. Every other test of the core runs through the same layer.
final class PlatformTests: XCTestCase {
    func testThreadIdsAreNeverZeroStayPutAndDifferBetweenThreads() throws {
        let mine = sluice_test_thread_id()
        XCTAssertNotEqual(mine, 0)
        XCTAssertEqual(sluice_test_thread_id(), mine, "a thread keeps its id")
        let others = (0..<8).map { _ in
            let id = Mutex<UInt32>(0)
            let thread = Thread { id.withLock { $0 = sluice_test_thread_id() } }
            thread.start()
            while id.withLock({ $0 }) == 0 { usleep(100) }
            return id.withLock { $0 }
        }
        XCTAssertEqual(Set(others + [mine]).count, 9, "ids \(others) and \(mine) must all differ")
        if sluice_test_platform_is_portable() == 0 {
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
            XCTAssertEqual(Int(mine), Int(link.split(separator: "/").last!), "Linux's id is the kernel's (gettid)")
        }
    }

    func testASleeperWakesWhenItsWordChangesAndATimedOneAfterItsTimeout() {
        nonisolated(unsafe) let word = UnsafeMutablePointer<Int32>.allocate(capacity: 1)  // C atomics only
        defer { word.deallocate() }
        word.pointee = 0
        let woke = Mutex(false)
        let sleeper = Thread {
            while sluice_test_word(word) == 0 { sluice_test_wait(word, 0, -1) }
            woke.withLock { $0 = true }
        }
        sleeper.start()
        usleep(20_000)  // most likely asleep by now; if not, it sees the word and never sleeps
        XCTAssertFalse(woke.withLock { $0 }, "nothing woke it yet")
        sluice_test_set_and_wake(word, 1)
        let deadline = Date().addingTimeInterval(10)
        while !woke.withLock({ $0 }) && Date() < deadline { usleep(1_000) }
        XCTAssertTrue(woke.withLock { $0 }, "the wake-up after the change reached the sleeper")

        let start = Date()
        sluice_test_wait(word, 1, 30_000_000)  // nobody wakes it: back after about 30 ms
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.025)
        let unchanged = Date()
        sluice_test_wait(word, 7, -1)  // the word is not 7: returns at once, however long it may sleep
        XCTAssertLessThan(Date().timeIntervalSince(unchanged), 5)
    }

    func testAReservationGivesZeroedBlocksPastTheEndAndKeepsWhatWasThere() throws {
        let path = NSTemporaryDirectory() + "sluice-reserve-\(getpid())"
        defer { unlink(path) }
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(pwrite(fd, "head", 4, 0), 4)
        XCTAssertEqual(sluice_test_reserve_file(fd, 4096, 200_000), 0)
        var st = stat()
        XCTAssertEqual(fstat(fd, &st), 0)
        XCTAssertEqual(st.st_size, 204_096)
        XCTAssertGreaterThanOrEqual(Int(st.st_blocks) * 512, 200_000, "the blocks are there, not a hole")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(String(decoding: data.prefix(4), as: UTF8.self), "head")
        XCTAssertTrue(data.dropFirst(4).allSatisfy { $0 == 0 })
    }

    func testAMappingMovesInPlaceOfAnotherWithItsBytes() {
        let size = 3 * 4096
        let to = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        let from = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        for i in 0..<size { from.storeBytes(of: UInt8(truncatingIfNeeded: i * 7), toByteOffset: i, as: UInt8.self) }
        XCTAssertEqual(sluice_test_move_mapping(from, to, size), 1)
        XCTAssertTrue((0..<size).allSatisfy { to.load(fromByteOffset: $0, as: UInt8.self) == UInt8(truncatingIfNeeded: $0 * 7) })
        munmap(to, size)
    }

    func testALockWithinADeadlineGivesUpWhileHeldAndTakesItWhenFree() {
        nonisolated(unsafe) let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        defer { mutex.deallocate() }
        pthread_mutex_init(mutex, nil)
        let held = Mutex(false), release = Mutex(false)
        let holder = Thread {
            pthread_mutex_lock(mutex)
            held.withLock { $0 = true }
            while !release.withLock({ $0 }) { usleep(1_000) }
            pthread_mutex_unlock(mutex)
        }
        holder.start()
        while !held.withLock({ $0 }) { usleep(100) }
        let start = Date()
        XCTAssertEqual(sluice_test_lock_within(mutex, 30_000_000), 0, "held by another thread past the deadline")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.025)
        release.withLock { $0 = true }
        XCTAssertEqual(sluice_test_lock_within(mutex, 10_000_000_000), 1, "taken once the holder lets go")
        pthread_mutex_unlock(mutex)
    }

    func testAProcessOwnerIsToldOrSaidUnknownAndAGoneProcessIsGone() throws {
        var owner = uid_t(0)
        let mine = sluice_test_process_owner(getpid(), &owner)
        if sluice_test_platform_is_portable() == 0 {
            XCTAssertEqual(mine, 0)
            XCTAssertEqual(owner, geteuid())
        } else {
            XCTAssertEqual(mine, ENOSYS, "the portable path cannot tell a process's owner")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()  // reaped: its pid names no process now
        XCTAssertEqual(sluice_test_process_owner(child.processIdentifier, &owner), ESRCH)
    }
}
