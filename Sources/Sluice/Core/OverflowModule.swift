import CSluice
import CSluiceFacade
import Logging

/// A module the full table turned away: its records keep its own name as their label and
/// are counted under the core's overflow module (`sluice.overflow`); its level and sample
/// rate, the ones its name has from the configuration, live here, with a sampler of its own.
/// Loggers of one name share it while any of them lives; a reconfiguration reaches it.
final class OverflowModule: @unchecked Sendable {  // the words are used atomically, through C
    /// The registered form of the name (cut to 127 bytes), as lines show it.
    let label: String
    let levelWord: UnsafeMutablePointer<Int32>
    let rateWord: UnsafeMutablePointer<UInt32>
    let sampler: OwnedSampler

    init(label: String, level: Logger.Level, rate: UInt32) {
        self.label = label
        levelWord = .allocate(capacity: 1)
        levelWord.initialize(to: level.sluiceLevel)
        rateWord = .allocate(capacity: 1)
        rateWord.initialize(to: rate)
        sampler = OwnedSampler(keys: 1024)
    }

    func set(level: Logger.Level, rate: UInt32) {
        sluice_level_word_store(levelWord, level.sluiceLevel)
        sluice_sample_word_store(rateWord, rate)
    }

    deinit {
        levelWord.deallocate()
        rateWord.deallocate()
    }

    /// The operator's level word of every module past the table: no operator reaches one, so it
    /// stays unset, for ever (never written, never freed).
    nonisolated(unsafe) static let noOperatorLevel: UnsafePointer<Int32> = {
        let word = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        word.initialize(to: SLUICE_LEVEL_UNSET)
        return UnsafePointer(word)
    }()
}

/// The overflow modules of a core by name, held weakly: labels made per request come and go.
struct OverflowModules {
    private struct Entry {
        weak var module: OverflowModule?
    }
    private var entries: [String: Entry] = [:]
    private var pruneAt = 64

    /// The live module of `label`, or a new one made by `make`.
    mutating func module(_ label: String, make: () -> OverflowModule) -> OverflowModule {
        if let module = entries[label]?.module { return module }
        if entries.count >= pruneAt {
            entries = entries.filter { $0.value.module != nil }
            pruneAt = max(64, 2 * entries.count)
        }
        let module = make()
        entries[label] = Entry(module: module)
        return module
    }

    /// Every live module, with the name it was made for.
    var live: [OverflowModule] {
        entries.values.compactMap(\.module)
    }
}
