import CSluice

extension SluiceConfiguration {
    /// The names JSON lines give their keys (`LOG_JSON_KEYS`): the standard ones, a log
    /// collector's, or renames of the line's own keys and of metadata keys
    /// (docs/shipping-logs.md, "JSON for your collector").
    ///
    /// ```
    /// .ecs                         {"@timestamp":…,"log.level":"info","message":…,"log.logger":…,"ecs.version":"1.6.0"}
    /// .googleCloud(project: "p")   {"time":…,"severity":"INFO","message":…,"logging.googleapis.com/trace":"projects/p/traces/…"}
    /// .datadog                     {"timestamp":…,"status":"info","message":…,"logger.name":…,"dd.trace_id":"…"}
    /// ```
    public struct JSONKeys: Sendable, Hashable, CustomStringConvertible {
        /// As `LOG_JSON_KEYS` takes it: a preset (`ecs`, `gcp`, `gcp:<project>`, `datadog`) first,
        /// then `from=to` renames, comma-separated; empty for the standard names.
        public let description: String

        /// The names `specification` gives, written as `LOG_JSON_KEYS` takes them; throws a
        /// ``SluiceError`` naming what is wrong with it.
        public init(_ specification: String) throws(SluiceError) {
            var error = [CChar](repeating: 0, count: 512)
            guard sluice_json_keys_check(specification, &error, error.count) == Int32(SLUICE_OK) else {
                throw SluiceError(message: String(cBuffer: error))
            }
            description = specification
        }

        private init(checked specification: String) {
            description = specification
        }

        /// `ts`, `level`, `module`, `msg`, `thread`, and metadata keys as they are.
        public static let standard = JSONKeys(checked: "")
        /// Elastic Common Schema: `@timestamp`, `log.level`, `message`, `log.logger`,
        /// `process.thread.id`, `log.origin.*`, `trace.id`, `span.id`, and `ecs.version`.
        public static let ecs = JSONKeys(checked: "ecs")
        /// Datadog: `timestamp`, `status`, `message`, `logger.name`, `logger.thread_name`,
        /// `error.kind`, and `dd.trace_id`, `dd.span_id` as the decimal of their low 64 bits.
        public static let datadog = JSONKeys(checked: "datadog")

        /// Google Cloud Logging: `time`, `severity` (`DEBUG` … `CRITICAL`), `message`,
        /// `logging.googleapis.com/spanId`, and `logging.googleapis.com/trace`, as
        /// `projects/<project>/traces/<id>` where a project is given (the form its trace links
        /// need), else the trace id alone.
        public static func googleCloud(project: String? = nil) throws(SluiceError) -> JSONKeys {
            try JSONKeys(project.map { "gcp:\($0)" } ?? "gcp")
        }

        /// These names, with `key` (one of the line's own, or a metadata key) written as `name`.
        public func renaming(_ key: String, to name: String) throws(SluiceError) -> JSONKeys {
            try JSONKeys(description.isEmpty ? "\(key)=\(name)" : "\(description),\(key)=\(name)")
        }
    }
}
