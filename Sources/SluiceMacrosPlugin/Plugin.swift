import SluiceMacrosExpansion
import SwiftCompilerPlugin
import SwiftSyntax
import SwiftSyntaxMacros

/// The compiler plugin that expands Sluice's log macros: Sources/SluiceMacros declares them,
/// Sources/SluiceMacrosExpansion expands them. The expansion is a library of its own so that its
/// tests import it without depending on a macro target, which would keep `swift build
/// --build-tests` from building the tests that import an executable (SluiceCLI).
@main
struct SluiceMacrosPlugin: CompilerPlugin {
    let providingMacros: [Macro.Type] = [LogMacro.self]
}

/// The type the macros' declarations name (`SluiceMacrosPlugin.LogMacro`): the compiler finds a
/// macro by its module and type, so the expansion's own type is reached through this one.
public struct LogMacro: ExpressionMacro {
    public static func expansion(
        of node: some FreestandingMacroExpansionSyntax, in context: some MacroExpansionContext
    ) throws -> ExprSyntax {
        try SluiceMacrosExpansion.LogMacro.expansion(of: node, in: context)
    }
}
