import CSluice
import CSluiceFacade

/// Exact per-key sampling, shared by ``SamplingLogger`` and ``SampledLogger``: a sampler's key
/// counters, the rate (a module's word, which can change at run time, or a fixed one), and the
/// module whose statistics count the calls sampled out and the keys forgotten (none for a
/// swift-log backend other than Sluice).
@usableFromInline
struct KeySampler: @unchecked Sendable {  // the sampler and the words are used atomically, through C
    @usableFromInline let sampler: OpaquePointer
    @usableFromInline let rateWord: UnsafePointer<UInt32>?
    @usableFromInline let fixedRate: UInt32
    /// Where sampled-out calls and forgotten keys are counted, or nil.
    @usableFromInline let counted: SluiceLogger?
    private let owner: AnyObject?  // keeps a sampler that is not a core's alive

    /// The counters of the logger's module: the core's, or those of a module past the table (or,
    /// out of memory, a sampler of its own); the module's rate, or `fixedRate` when given (a rate
    /// outside [0, 1] is reported on stderr and 1 used).
    init(moduleOf logger: SluiceLogger, fixedRate: Double?) {
        if let overflow = logger.overflow {
            (sampler, owner) = (overflow.sampler.pointer, overflow)
        } else if let shared = sluice_module_sampler(logger.core.pointer, logger.moduleID) {
            (sampler, owner) = (shared, nil)
        } else {
            let own = OwnedSampler(keys: 1024)
            (sampler, owner) = (own.pointer, own)
        }
        if let fixedRate {
            rateWord = nil
            self.fixedRate = Self.checked(fixedRate, label: logger.module)
        } else {
            rateWord = logger.overflow.map { UnsafePointer($0.rateWord) }
                ?? sluice_module_sample_word(logger.core.pointer, logger.moduleID)
            self.fixedRate = SLUICE_PPM_ALL
        }
        counted = logger
    }

    /// Counters of its own at a fixed rate, counted nowhere: for a backend that is not Sluice.
    init(ownAt rate: Double, label: String) {
        let own = OwnedSampler(keys: 1024)
        (sampler, owner) = (own.pointer, own)
        rateWord = nil
        fixedRate = Self.checked(rate, label: label)
        counted = nil
    }

    private static func checked(_ rate: Double, label: String) -> UInt32 {
        guard (0...1).contains(rate) else {
            reportProblem("sluice: sample rate \(rate) for module '\(label)' is not a number from 0 to 1; using 1.0")
            return SLUICE_PPM_ALL
        }
        return partsPerMillion(rate, setting: "module '\(label)'")
    }

    /// The rate now, in parts per million.
    @inlinable
    var rate: UInt32 {
        if let rateWord { return sluice_sample_ppm(rateWord) }
        return fixedRate
    }

    /// Takes a number for this call of `key`: whether it is emitted; counted if not, and a key
    /// forgotten to make room for it counted too.
    @inlinable
    func admits(_ key: SamplingKey) -> Bool {
        let taken = key.take(sampler, rate)
        if taken & Int32(SLUICE_SAMPLE_FORGOT) != 0, let counted {
            sluice_count_key_forgotten(counted.corePointer, counted.coreID, counted.moduleID)
        }
        if taken & Int32(SLUICE_SAMPLE_EMIT) != 0 { return true }
        if let counted { sluice_count_sampled_out(counted.corePointer, counted.coreID, counted.moduleID) }
        return false
    }
}
