import Logging
@_exported import Sluice

// Log calls built at compile time (docs/developer-guide.md, "Log calls built at compile time").
// Each macro takes a string literal apart where it is written: its text becomes a format the core
// registers once (SluiceFormat(site:pieces:)), and a call writes its values alone, each by its
// type, after the level check. The line is the one the same call through the logger writes, byte
// for byte, in every format. A value the record cannot carry as itself is written as its
// description, as a message writes it. A message that is not a literal, or is longer than a
// format holds, is logged through the logger as it is.

/// Logs `message` at `level` by format id: `#log(log, .info, "connected id=\(id) peer=\(peer)")`
/// writes what `log.log(level: .info, "connected id=\(id) peer=\(peer)")` writes, the text
/// registered once and the record carrying the values alone. Below the module's level no value
/// is evaluated.
@freestanding(expression)
public macro log(
    _ logger: SluiceLogger, _ level: Logger.Level, _ message: SluiceMessage, metadata: Logger.Metadata? = nil
) = #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at `level` by format id if this call of `key` is sampled in (below warning),
/// as `SamplingLogger.log(level:_:metadata:key:)` does; no value is evaluated for a call
/// sampled out or below the level.
@freestanding(expression)
public macro log(
    _ logger: SamplingLogger, _ level: Logger.Level, _ message: SluiceMessage, metadata: Logger.Metadata? = nil,
    key: SamplingKey
) = #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at trace by format id (``log(_:_:_:metadata:)``).
@freestanding(expression)
public macro trace(_ logger: SluiceLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at trace by format id if this call of `key` is sampled in (``log(_:_:_:metadata:key:)``).
@freestanding(expression)
public macro trace(_ logger: SamplingLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil, key: SamplingKey) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at debug by format id (``log(_:_:_:metadata:)``).
@freestanding(expression)
public macro debug(_ logger: SluiceLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at debug by format id if this call of `key` is sampled in (``log(_:_:_:metadata:key:)``).
@freestanding(expression)
public macro debug(_ logger: SamplingLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil, key: SamplingKey) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at info by format id (``log(_:_:_:metadata:)``).
@freestanding(expression)
public macro info(_ logger: SluiceLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at info by format id if this call of `key` is sampled in (``log(_:_:_:metadata:key:)``).
@freestanding(expression)
public macro info(_ logger: SamplingLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil, key: SamplingKey) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at notice by format id (``log(_:_:_:metadata:)``).
@freestanding(expression)
public macro notice(_ logger: SluiceLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at notice by format id if this call of `key` is sampled in (``log(_:_:_:metadata:key:)``).
@freestanding(expression)
public macro notice(_ logger: SamplingLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil, key: SamplingKey) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at critical by format id (``log(_:_:_:metadata:)``). Warning and error have
/// no shorthand (`#warning` and `#error` are the compiler's): `#log(log, .warning, …)`.
@freestanding(expression)
public macro critical(_ logger: SluiceLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")

/// Logs `message` at critical by format id (``log(_:_:_:metadata:key:)``): never sampled, as no
/// call at warning or above is.
@freestanding(expression)
public macro critical(_ logger: SamplingLogger, _ message: SluiceMessage, metadata: Logger.Metadata? = nil, key: SamplingKey) =
    #externalMacro(module: "SluiceMacrosPlugin", type: "LogMacro")
