import Foundation
import S3Wire

/// Object Lock: buckets created with it are versioned for good; their versions can be kept from
/// deletion by a retention (until a date; GOVERNANCE yields to `x-amz-bypass-governance-retention`,
/// COMPLIANCE to nothing) or a legal hold.
extension S3Service {
    func bypassesGovernance(_ r: IncomingRequest) -> Bool {
        r.headers.first(name: "x-amz-bypass-governance-retention")?.lowercased() == "true"
    }

    func putObjectLockConfiguration(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        // A bucket made without Object Lock may take it once versioning is enabled (as S3 now allows).
        let versioned = try store.versioning(bucket) == .enabled
        guard try store.objectLock(bucket) != nil || versioned else {
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
                throw .init("InvalidRetentionPeriod", 400, "Default retention period must be a positive integer value.")
            }
            configuration = ObjectLockConfiguration(
                mode: mode, days: days == nil ? nil : period, years: years == nil ? nil : period)
        }
        try store.setObjectLock(bucket, configuration)
        return S3Response(status: 200)
    }

    func getObjectLockConfiguration(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard let configuration = try store.objectLock(bucket) else {
            throw .init(
                "ObjectLockConfigurationNotFoundError", 404, "Object Lock configuration does not exist for this bucket",
                extra: [("BucketName", bucket)])
        }
        var rule = ""
        if let mode = configuration.mode {
            let period =
                configuration.days.map { "<Days>\($0)</Days>" } ?? configuration.years.map { "<Years>\($0)</Years>" }
                ?? ""
            rule = "<Rule><DefaultRetention><Mode>\(mode.rawValue)</Mode>\(period)</DefaultRetention></Rule>"
        }
        return .xml(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ObjectLockConfiguration xmlns=\"\(Self.xmlns)\"><ObjectLockEnabled>Enabled</ObjectLockEnabled>\(rule)</ObjectLockConfiguration>"
        )
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
        guard try store.objectLock(bucket) != nil else { throw .missingObjectLock }
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

    func getObjectRetention(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?)
        throws(S3ServerError) -> S3Response
    {
        guard try store.objectLock(bucket) != nil else { throw .missingObjectLock }
        let (object, _) = try authorizedObject(bucket, key, r, .read, caller: caller)
        guard let retention = object.retention else {
            throw .init(
                "NoSuchObjectLockConfiguration", 404, "The specified object does not have a ObjectLock configuration")
        }
        return .xml(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Retention xmlns=\"\(Self.xmlns)\"><Mode>\(retention.mode.rawValue)</Mode><RetainUntilDate>\(UTCDate(retention.until).iso8601)</RetainUntilDate></Retention>"
        )
    }

    func putObjectLegalHold(_ bucket: String, _ key: String, _ r: IncomingRequest, body: [UInt8]) throws(S3ServerError)
        -> S3Response
    {
        guard try store.objectLock(bucket) != nil else { throw .missingObjectLock }
        let root = try parseXML(body)
        guard root.name == "LegalHold", let status = root.value("Status"), status == "ON" || status == "OFF" else {
            throw .malformedXML
        }
        try store.modify(bucket, key, versionId: r.queryValue("versionId")) { $0.legalHold = status == "ON" }
        return S3Response(status: 200)
    }

    func getObjectLegalHold(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?)
        throws(S3ServerError) -> S3Response
    {
        guard try store.objectLock(bucket) != nil else { throw .missingObjectLock }
        let (object, _) = try authorizedObject(bucket, key, r, .read, caller: caller)
        return .xml(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LegalHold xmlns=\"\(Self.xmlns)\"><Status>\(object.legalHold ? "ON" : "OFF")</Status></LegalHold>"
        )
    }
}
