import Foundation

// Text columns for the tools' tables: `sluice stat` and `sluice-bench`.
// Not an API of Sluice's (the product's name starts with an underscore).

/// Nanoseconds, shortened past 100,000 so the columns hold: 1.2ms, 150us.
public func formatNanoseconds(_ value: Double?) -> String {
    guard let value else { return "-" }
    switch value {
    case 1e6...: return String(format: "%.1fms", value / 1e6)
    case 1e5...: return String(format: "%.0fus", value / 1e3)
    case 100...: return String(format: "%.0f", value)
    default: return String(format: "%.1f", value)
    }
}

/// text padded with spaces to width, on the left when right-aligned.
public func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let room = max(0, width - text.count)
    return right ? String(repeating: " ", count: room) + text : text + String(repeating: " ", count: room)
}
