import SluiceMacrosExpansion
import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import XCTest

/// What the log macros expand to: the guide's description of a call by format id, checked.
final class MacroExpansionTests: XCTestCase {
    let macros: [String: Macro.Type] = ["log": LogMacro.self, "info": LogMacro.self, "debug": LogMacro.self]

    func testACallExpandsToTheLevelCheckThenItsValuesByFormatID() {
        assertMacroExpansion(
            #"#info(log, "connected id=\(id) peer=\(peer)")"#,
            expandedSource: #"""
                {
                    if log.shouldLog(.info) {
                        let __macro_local_5valuefMu_ = SluiceFormat.value(id)
                        let __macro_local_5valuefMu0_ = SluiceFormat.value(peer)
                        log.log(level: .info, format: SluiceFormat(site: "13:connected id=6: peer=0:", pieces: ["connected id=", " peer=", ""]), size: __macro_local_5valuefMu_.sluiceSegmentSize &+ __macro_local_5valuefMu0_.sluiceSegmentSize, file: "TestModule/test.swift", line: 1) { start in
                            var at = start
                            __macro_local_5valuefMu_.writeSluiceSegment(to: at)
                            at += __macro_local_5valuefMu_.sluiceSegmentSize
                            __macro_local_5valuefMu0_.writeSluiceSegment(to: at)
                        } message: { message in
                            message.append(__macro_local_5valuefMu_)
                            message.append(__macro_local_5valuefMu0_)
                        }
                    }
                }()
                """#,
            macros: macros
        )
    }

    func testASamplingCallTakesItsKeysNumberBeforeItsValues() {
        assertMacroExpansion(
            #"#debug(frames, "frame \(n)", metadata: ["a": "b"], key: "frame")"#,
            expandedSource: #"""
                {
                    if frames.shouldLog(.debug, key: "frame") {
                        let __macro_local_5valuefMu_ = SluiceFormat.value(n)
                        frames.logger.log(level: .debug, format: SluiceFormat(site: "6:frame 0:", pieces: ["frame ", ""]), size: __macro_local_5valuefMu_.sluiceSegmentSize, metadata: ["a": "b"], file: "TestModule/test.swift", line: 1) { start in
                            __macro_local_5valuefMu_.writeSluiceSegment(to: start)
                        } message: { message in
                            message.append(__macro_local_5valuefMu_)
                        }
                    }
                }()
                """#,
            macros: macros
        )
    }

    func testALoggerMadeByAnExpressionIsMadeOnce() {
        assertMacroExpansion(
            #"#log(core.logger("db"), .error, "failed")"#,
            expandedSource: #"""
                {
                    let __macro_local_6loggerfMu_ = core.logger("db")
                    if __macro_local_6loggerfMu_.shouldLog(.error) {
                        __macro_local_6loggerfMu_.log(level: .error, format: SluiceFormat(site: "6:failed", pieces: ["failed"]), size: 0, file: "TestModule/test.swift", line: 1) { start in
                            _ = start
                        } message: { message in
                        }
                    }
                }()
                """#,
            macros: macros
        )
    }

    func testWhatIsNotALiteralOrIsLongerThanAFormatGoesThroughTheLogger() {
        assertMacroExpansion(
            #"#info(log, message)"#,
            expandedSource: #"log.log(level: .info, message, file: "TestModule/test.swift", line: 1)"#,
            macros: macros
        )
        let long = String(repeating: "x", count: 4097)
        assertMacroExpansion(
            #"#info(log, "\#(long)", key: "k")"#,
            expandedSource: #"log.log(level: .info, "\#(long)", key: "k", file: "TestModule/test.swift", line: 1)"#,
            macros: macros
        )
    }

    func testEscapesAreResolvedInThePiecesAndWrittenAgainAsLiterals() {
        assertMacroExpansion(
            #"#info(log, "tab\t\u{E9}\\ \(x)")"#,
            expandedSource: ##"""
                {
                    if log.shouldLog(.info) {
                        let __macro_local_5valuefMu_ = SluiceFormat.value(x)
                        log.log(level: .info, format: SluiceFormat(site: #"8:tab\#té\ 0:"#, pieces: [#"tab\#té\ "#, ""]), size: __macro_local_5valuefMu_.sluiceSegmentSize, file: "TestModule/test.swift", line: 1) { start in
                            __macro_local_5valuefMu_.writeSluiceSegment(to: start)
                        } message: { message in
                            message.append(__macro_local_5valuefMu_)
                        }
                    }
                }()
                """##,
            macros: macros
        )
    }
}
