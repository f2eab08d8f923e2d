/// Settings keyed by module name, with one rule for names that normalize alike.
///
/// A module's setting is the one given for its exact name; failing that, the one given
/// for a name with the same environment name (``Sluice/environmentName(of:)``: `a.b`,
/// `a-b` and `A_B` are all `A_B`). Among several of those, a name already in environment
/// form (`A_B`) wins, then the first in sorted order (`a-b` before `a.b`): never the
/// order a `Dictionary` happens to iterate in, which Swift seeds per process.
struct ModuleSettings<Value: Sendable>: Sendable {
    private let exact: [String: Value]
    private let normalized: [String: Value]

    init(_ values: [String: Value]) {
        exact = values
        var chosen: [String: (key: String, value: Value)] = [:]
        for key in values.keys.sorted() {
            let name = Sluice.environmentName(of: key)
            if let current = chosen[name], current.key == name || key != name { continue }
            chosen[name] = (key, values[key]!)
        }
        normalized = chosen.mapValues(\.value)
    }

    /// The setting of module `name`, or nil when nothing names it.
    func value(for name: String) -> Value? {
        exact[name] ?? normalized[Sluice.environmentName(of: name)]
    }
}
