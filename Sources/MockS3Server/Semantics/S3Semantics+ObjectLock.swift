import Foundation
import S3Wire

/// Object Lock: buckets created with it are versioned for good; their versions can be kept from
/// deletion by a retention (until a date; GOVERNANCE yields to `x-amz-bypass-governance-retention`,
/// COMPLIANCE to nothing) or a legal hold.
extension S3Semantics {
    func bypassesGovernance(_ r: IncomingRequest) -> Bool {
        r.headers.first(name: "x-amz-bypass-governance-retention")?.lowercased() == "true"
    }

    func putObjectLockConfiguration(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        // A bucket made without Object Lock may take it once versioning is enabled (as S3 now allows).
        let current = try store.configuration(bucket)
        guard current.objectLock != nil || current.versioning == .enabled else {
            throw .invalidBucketState("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
        }
        let root = try parseXML(body)
        guard root.name == "ObjectLockConfiguration", root.value("ObjectLockEnabled") == "Enabled" else {
            throw .malformedXML
        }
        var configuration = ObjectLockConfiguration()
        if let rule = root.child("Rule") {
            guard let retention = rule.child("DefaultRetention"), let text = retention.value("Mode"),
                let mode = Retention.Mode(rawValue: text)
            else { throw .malformedXML }
            let days = retention.value("Days")
            let years = retention.value("Years")
            guard (days == nil) != (years == nil) else { throw .malformedXML }
            guard let period = Int(days ?? years ?? ""), period > 0 else {
                throw .invalidRetentionPeriod
            }
            configuration = ObjectLockConfiguration(
                mode: mode, days: days == nil ? nil : period, years: years == nil ? nil : period)
        }
        try store.configure(bucket) { $0.objectLock = configuration }
        return S3Response(status: 200)
    }

    func getObjectLockConfiguration(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard let configuration = try store.configuration(bucket).objectLock else {
            throw .objectLockConfigurationNotFound(bucket)
        }
        var document = XMLWriter(root: "ObjectLockConfiguration")
        document.element("ObjectLockEnabled", "Enabled")
        if let mode = configuration.mode {
            document.element("Rule") {
                $0.element("DefaultRetention") {
                    $0.element("Mode", mode.rawValue)
                    $0.element("Days", ifPresent: configuration.days)
                    if configuration.days == nil { $0.element("Years", ifPresent: configuration.years) }
                }
            }
        }
        return .xml(document.finish())
    }

    /// What a write asks of Object Lock (`x-amz-object-lock-mode` with `-retain-until-date`,
    /// `-legal-hold`), or the bucket's default retention.
    func lockHeaders(_ r: IncomingRequest, lock: ObjectLockConfiguration?) throws(S3ServerError) -> (Retention?, Bool) {
        let mode = r.headers.first(name: "x-amz-object-lock-mode")
        let until = r.headers.first(name: "x-amz-object-lock-retain-until-date")
        let hold = r.headers.first(name: "x-amz-object-lock-legal-hold")
        guard mode != nil || until != nil || hold != nil else { return (lock?.defaultRetention(from: Date()), false) }
        guard lock != nil else { throw .missingObjectLock }
        var retention: Retention?
        if mode != nil || until != nil {
            guard let mode, let until else {
                throw .invalidArgument(
                    "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
            }
            guard let parsed = Retention.Mode(rawValue: mode) else {
                throw .invalidArgument("Unknown wormMode directive.", name: "x-amz-object-lock-mode", value: mode)
            }
            guard let date = UTCDate(iso8601: until)?.date else {
                throw .invalidArgument(
                    "The retain until date must be an ISO 8601 date", name: "x-amz-object-lock-retain-until-date",
                    value: until)
            }
            guard date > Date() else { throw .invalidArgument("The retain until date must be in the future!") }
            retention = Retention(mode: parsed, until: date)
        }
        if let hold, hold != "ON" && hold != "OFF" {
            throw .invalidArgument(
                "Legal Hold must be either of 'ON' or 'OFF'", name: "x-amz-object-lock-legal-hold", value: hold)
        }
        return (retention ?? lock?.defaultRetention(from: Date()), hold == "ON")
    }

    func putObjectRetention(_ bucket: String, _ key: String, _ r: IncomingRequest, body: [UInt8]) throws(S3ServerError)
        -> S3Response
    {
        guard try store.configuration(bucket).objectLock != nil else { throw .missingObjectLock }
        let root = try parseXML(body)
        guard root.name == "Retention", let text = root.value("Mode"), let mode = Retention.Mode(rawValue: text),
            let dateText = root.value("RetainUntilDate"), let until = UTCDate(iso8601: dateText)?.date
        else { throw .malformedXML }
        let wanted = Retention(mode: mode, until: until)
        let bypass = bypassesGovernance(r)
        try store.modify(bucket, key, versionId: r.queryValue("versionId")) { object throws(S3ServerError) in
            // A retention in force may be lengthened; shortening it or changing its mode takes a
            // GOVERNANCE bypass, and COMPLIANCE cannot be weakened at all.
            if let current = object.retention, current.until > Date(),
                wanted.until < current.until || wanted.mode != current.mode
            {
                guard current.mode == .governance && bypass else { throw .accessDenied }
            }
            object.retention = wanted
        }
        return S3Response(status: 200)
    }

    func getObjectRetention(_ bucket: String, _ key: String, _ r: IncomingRequest)
        throws(S3ServerError) -> S3Response
    {
        guard try store.configuration(bucket).objectLock != nil else { throw .missingObjectLock }
        let (object, _) = try authorizedObject(bucket, key, r, .read)
        guard let retention = object.retention else {
            throw .noSuchObjectLockConfiguration
        }
        var document = XMLWriter(root: "Retention")
        document.element("Mode", retention.mode.rawValue)
        document.element("RetainUntilDate", UTCDate(retention.until).iso8601)
        return .xml(document.finish())
    }

    func putObjectLegalHold(_ bucket: String, _ key: String, _ r: IncomingRequest, body: [UInt8]) throws(S3ServerError)
        -> S3Response
    {
        guard try store.configuration(bucket).objectLock != nil else { throw .missingObjectLock }
        let root = try parseXML(body)
        guard root.name == "LegalHold", let status = root.value("Status"), status == "ON" || status == "OFF" else {
            throw .malformedXML
        }
        try store.modify(bucket, key, versionId: r.queryValue("versionId")) { $0.legalHold = status == "ON" }
        return S3Response(status: 200)
    }

    func getObjectLegalHold(_ bucket: String, _ key: String, _ r: IncomingRequest)
        throws(S3ServerError) -> S3Response
    {
        guard try store.configuration(bucket).objectLock != nil else { throw .missingObjectLock }
        let (object, _) = try authorizedObject(bucket, key, r, .read)
        var document = XMLWriter(root: "LegalHold")
        document.element("Status", object.legalHold ? "ON" : "OFF")
        return .xml(document.finish())
    }
}
