import ArgumentParser
import Sluice

@main
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Sluice: a lock-free logging core for Swift services.",
        version: Sluice.version,
        subcommands: [Demo.self, Stat.self, Level.self, Sample.self, Reopen.self, List.self, Recover.self]
    )
}
