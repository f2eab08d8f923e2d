import CSluice
import Logging

struct ModuleRegistry {
    var defaults: ModuleDefaults
    var overflowed = OverflowModules()
    /// The id of `sluice.overflow` once a module past the table made it.
    var overflowID: Int32?
}

/// The level and rate a module registers with.
struct ModuleDefaults {
    let levels: ModuleSettings<Logger.Level>
    let rates: ModuleSettings<UInt32>
    let level: Logger.Level
    let rate: UInt32

    init(_ options: SluiceCore.Options) {
        level = options.level
        rate = partsPerMillion(options.sampleRate, setting: "sampleRate")
        levels = ModuleSettings(options.moduleLevels)
        rates = ModuleSettings(Dictionary(uniqueKeysWithValues: options.moduleSampleRates.map { module, rate in
            (module, partsPerMillion(rate, setting: "module '\(module)'"))
        }))
    }

    func level(of module: String) -> Logger.Level { levels.value(for: module) ?? level }
    func rate(of module: String) -> UInt32 { rates.value(for: module) ?? rate }
}

/// A rate in [0, 1] as the core's parts per million.
/// Rates are kept in millionths, to the nearest, so "exactly ⌈n·rate⌉ of n calls" holds for
/// the rate in millionths. A positive rate below half a millionth would round to "never":
/// it is used as one millionth instead, with one line on stderr naming `setting`.
func partsPerMillion(_ rate: Double, setting: @autoclosure () -> String) -> UInt32 {
    let ppm = UInt32((min(max(rate, 0), 1) * 1_000_000).rounded())
    if ppm == 0 && rate > 0 {
        reportProblem("sluice: sample rate \(rate) for \(setting()) is below one in a million, the finest Sluice keeps; using 0.000001")
        return 1
    }
    return ppm
}
