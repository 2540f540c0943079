import Foundation

/// What the S3 side and the control side of one server share: its configuration, storage, journal
/// and faults, and the controls over them.
final class MockState: Sendable {
    let configuration: MockS3Server.Configuration
    let store: any S3Storage
    let journal: Journal
    let faults: FaultInjector

    init(configuration: MockS3Server.Configuration, store: any S3Storage, journal: Journal, faults: FaultInjector) {
        self.configuration = configuration
        self.store = store
        self.journal = journal
        self.faults = faults
    }

    /// The configured buckets, made with the configured ownership and owned by the first key's
    /// account (those a data directory kept from an earlier run are left as they are).
    func makeBuckets() throws {
        for bucket in configuration.buckets where !store.bucketExists(bucket) {
            try store.createBucket(
                bucket, owner: configuration.credentials.first?.account ?? .mock, acl: nil,
                configuration: .new(ownership: configuration.defaultOwnership))
        }
    }

    func reset() throws {
        store.removeAll()
        try makeBuckets()
        journal.clear()
        faults.update(configuration.faults, seed: configuration.seed)
    }

    var faultPlan: FaultPlan { faults.current }
    func setFaults(_ plan: FaultPlan, seed: UInt64? = nil) { faults.update(plan, seed: seed) }

    var counters: MockCounters {
        let entries = journal.entries
        let totals = store.totals()
        return MockCounters(
            requests: entries.count, byOperation: Dictionary(grouping: entries, by: \.operation).mapValues(\.count),
            byStatus: Dictionary(grouping: entries, by: \.status).mapValues(\.count), buckets: totals.buckets,
            objects: totals.objects, bytes: totals.bytes, uploads: totals.uploads)
    }
}
