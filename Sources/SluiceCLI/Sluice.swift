import ArgumentParser

@main
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Sluice: a lock-free logging core for Swift services.",
        subcommands: [Demo.self, Stat.self, Level.self, Sample.self, Reopen.self, List.self, Recover.self]
    )
}
