import SwiftCompilerPlugin
import SwiftParser
import SwiftSyntax
import SwiftSyntaxMacros

/// The compiler plugin that expands Sluice's log macros (Sources/SluiceMacros declares them).
@main
struct SluiceMacrosPlugin: CompilerPlugin {
    let providingMacros: [Macro.Type] = [LogMacro.self]
}

/// `#log(log, .info, "connected id=\(id) peer=\(peer)")`, and `#trace`, `#debug`, `#info`,
/// `#notice` and `#critical` with the level in their name: a call by format id
/// (docs/developer-guide.md, "Log calls built at compile time"). The literal's text becomes a
/// format registered at the site's first call and found by the address of a key of its own
/// (SluiceFormat(site:pieces:)); its values are bound once, after the level check, and written
/// as their segments by their types. Whatever the macro cannot take apart (a message that is not
/// a literal, one longer than a format holds) expands to the logger's own call with the message,
/// so the line is always the one today's API writes.
public struct LogMacro: ExpressionMacro {
    /// The limits of one format (sluice.h: SLUICE_FORMAT_PIECES_MAX, SLUICE_FORMAT_BYTES_MAX): a
    /// literal past them is logged as a message.
    static let piecesMax = 257
    static let bytesMax = 4096

    public static func expansion(
        of node: some FreestandingMacroExpansionSyntax, in context: some MacroExpansionContext
    ) throws -> ExprSyntax {
        let call = try Call(node)
        guard let format = Format(call.message), format.pieces.count <= piecesMax,
            format.pieces.reduce(0, { $0 + $1.utf8.count }) <= bytesMax
        else {
            return call.throughMessage(at: context.location(of: node))
        }
        return call.byFormat(format, at: context.location(of: node), names: context)
    }
}

/// A log macro's arguments: the logger, the level (the macro's name, or `#log`'s second
/// argument), the message, and the labelled metadata and sampling key.
struct Call {
    let logger: ExprSyntax
    let level: ExprSyntax
    let message: ExprSyntax
    let metadata: ExprSyntax?
    let key: ExprSyntax?

    init(_ node: some FreestandingMacroExpansionSyntax) throws {
        let name = node.macroName.text
        var unlabelled = node.arguments.filter { $0.label == nil }.map(\.expression)
        let labelled = Dictionary(
            node.arguments.compactMap { argument in argument.label.map { ($0.text, argument.expression) } },
            uniquingKeysWith: { first, _ in first }
        )
        if name != "log" {
            unlabelled.insert(ExprSyntax(MemberAccessExprSyntax(name: .identifier(name))), at: 1)
        }
        guard unlabelled.count == 3 else {
            throw MacroExpansionErrorMessage(
                "#\(name) takes a logger, \(name == "log" ? "a level, " : "")and a message; found \(unlabelled.count) "
                    + "unlabelled arguments"
            )
        }
        logger = unlabelled[0]
        level = unlabelled[1]
        message = unlabelled[2]
        metadata = labelled["metadata"]
        key = labelled["key"]
    }

    /// The call today's API makes: the macro's arguments passed on as they are.
    func throughMessage(at site: AbstractSourceLocation?) -> ExprSyntax {
        let metadata = metadata.map { ", metadata: \($0)" } ?? ""
        let key = key.map { ", key: \($0)" } ?? ""
        return "\(logger).log(level: \(level), \(message)\(raw: metadata)\(raw: key)\(raw: Self.arguments(at: site)))"
    }

    /// The call site's file and line, as the macro's use has them.
    static func arguments(at site: AbstractSourceLocation?) -> String {
        site.map { ", file: \($0.file), line: \($0.line)" } ?? ""
    }

    /// The call by format id: the level check (and, for a sampling logger, the key's number)
    /// before any value is evaluated; each value bound once; its segments written by its type.
    func byFormat(_ format: Format, at site: AbstractSourceLocation?, names: some MacroExpansionContext) -> ExprSyntax {
        let values = format.values.map { ($0, names.makeUniqueName("value")) }
        // A logger named by a reference is used where it is; one made by an expression is made once.
        let simple = logger.isReference
        let binding = simple ? nil : names.makeUniqueName("logger")
        let log: ExprSyntax = binding.map { "\($0)" } ?? logger
        let check: ExprSyntax = key.map { "\(log).shouldLog(\(level), key: \($0))" } ?? "\(log).shouldLog(\(level))"
        let writer: ExprSyntax = key == nil ? log : "\(log).logger"

        var body = "{\n"
        if let binding { body += "let \(binding) = \(logger)\n" }
        body += "if \(check) {\n"
        for (value, name) in values { body += "let \(name) = SluiceFormat.value(\(value))\n" }
        let size = values.isEmpty ? "0" : values.map { "\($0.1).sluiceSegmentSize" }.joined(separator: " &+ ")
        let pieces = format.pieces.map { StringLiteralExprSyntax(content: $0).description }.joined(separator: ", ")
        let siteKey = StringLiteralExprSyntax(content: format.pieces.map { "\($0.utf8.count):\($0)" }.joined())
        body += "\(writer).log(level: \(level), format: SluiceFormat(site: \(siteKey), pieces: [\(pieces)]), size: \(size)"
        if let metadata { body += ", metadata: \(metadata)" }
        body += Self.arguments(at: site)
        body += ") { start in\n" + Self.writes(values.map(\.1)) + "} message: { message in\n"
        for (_, name) in values { body += "message.append(\(name))\n" }
        body += "}\n}\n}()"
        return "\(raw: body)"
    }

    /// The values closure's body: each value's segment after the one before.
    static func writes(_ names: [TokenSyntax]) -> String {
        switch names.count {
        case 0: return "_ = start\n"
        case 1: return "\(names[0]).writeSluiceSegment(to: start)\n"
        default:
            var body = "var at = start\n"
            for (index, name) in names.enumerated() {
                body += "\(name).writeSluiceSegment(to: at)\n"
                if index < names.count - 1 { body += "at += \(name).sluiceSegmentSize\n" }
            }
            return body
        }
    }
}

/// A string literal taken apart: its text as pieces (the text before each value, then the text
/// after the last, escapes resolved) and the values between them.
struct Format {
    let pieces: [String]
    let values: [ExprSyntax]

    /// Nil for a message that is not a literal, or a value that is not one unlabelled expression.
    init?(_ message: ExprSyntax) {
        guard let literal = message.as(StringLiteralExprSyntax.self) else { return nil }
        var pieces: [String] = [], values: [ExprSyntax] = [], text: [StringSegmentSyntax] = []
        for segment in literal.segments {
            switch segment {
            case .stringSegment(let segment):
                text.append(segment)
            case .expressionSegment(let interpolation):
                guard interpolation.expressions.count == 1, let only = interpolation.expressions.first, only.label == nil
                else { return nil }
                pieces.append(Self.text(text, of: literal))
                values.append(only.expression)
                text = []
            }
        }
        pieces.append(Self.text(text, of: literal))
        self.pieces = pieces
        self.values = values
    }

    /// The text segments' value as the program sees it: the literal with these segments alone,
    /// its quotes and delimiter kept, read back.
    static func text(_ segments: [StringSegmentSyntax], of literal: StringLiteralExprSyntax) -> String {
        let list = StringLiteralSegmentListSyntax(segments.map { .stringSegment($0) })
        return literal.with(\.segments, list).representedLiteralValue ?? ""
    }
}

extension ExprSyntax {
    /// A name, or members of one (`log`, `self.log`, `Self.log`): the same logger however often
    /// it is read.
    var isReference: Bool {
        if self.is(DeclReferenceExprSyntax.self) { return true }
        if let member = self.as(MemberAccessExprSyntax.self) { return member.base?.isReference ?? false }
        return false
    }
}
