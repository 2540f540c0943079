import Foundation

/// Faults to inject, reproducibly: every random choice comes from one seeded generator, so a seed
/// and a request order give the same faults on every run.
public struct FaultPlan: Sendable {
    /// Added before each answer.
    public var latency: ClosedRange<TimeInterval>? = nil
    /// Per operation name ("PutObject", "GetObject", ... or "*"): the share of requests answered 503 SlowDown.
    public var slowDownRate: [String: Double] = [:]
    /// The same for 500 InternalError.
    public var internalErrorRate: [String: Double] = [:]
    /// The share of requests whose connection is closed halfway through the body
    /// (the request body for uploads, the response body for GETs).
    public var dropMidBodyRate: [String: Double] = [:]
    /// Every signed request is refused as if its key did not exist.
    public var rejectAllCredentials = false
    /// ListObjects (V1 and V2) and ListMultipartUploads are denied; GETs still work (a GET-only policy).
    public var listBucketDenied = false
    /// `x-amz-content-sha256` values answered 400 XAmzContentSHA256Mismatch, as a server that predates
    /// them does (Ceph RGW 16.2 with `STREAMING-UNSIGNED-PAYLOAD-TRAILER`): it takes the mode's name
    /// for a SHA-256 the body does not match.
    public var refusedPayloadModes: Set<String> = []
    /// The first N requests matching the rates above are the only ones affected (nil: no limit).
    public var maxFaults: Int? = nil
    /// Only requests whose key starts with one of these meet the rates above (nil: every request).
    public var keyPrefixes: [String]? = nil

    public init() {}

    public static let none = FaultPlan()

    func rate(_ table: [String: Double], _ operation: String) -> Double {
        table[operation] ?? table["*"] ?? 0
    }
}

/// As the control API reads and writes it: `{"latency": [0.01, 0.05], "slowDownRate": {"GetObject": 0.5}, ...}`;
/// a field left out keeps its default (no fault).
extension FaultPlan: Codable {
    enum CodingKeys: String, CodingKey {
        case latency, slowDownRate, internalErrorRate, dropMidBodyRate, rejectAllCredentials, listBucketDenied,
            refusedPayloadModes, maxFaults, keyPrefixes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        latency = try c.decodeIfPresent(ClosedRange<TimeInterval>.self, forKey: .latency)
        slowDownRate = try c.decodeIfPresent([String: Double].self, forKey: .slowDownRate) ?? [:]
        internalErrorRate = try c.decodeIfPresent([String: Double].self, forKey: .internalErrorRate) ?? [:]
        dropMidBodyRate = try c.decodeIfPresent([String: Double].self, forKey: .dropMidBodyRate) ?? [:]
        rejectAllCredentials = try c.decodeIfPresent(Bool.self, forKey: .rejectAllCredentials) ?? false
        listBucketDenied = try c.decodeIfPresent(Bool.self, forKey: .listBucketDenied) ?? false
        refusedPayloadModes = try c.decodeIfPresent(Set<String>.self, forKey: .refusedPayloadModes) ?? []
        maxFaults = try c.decodeIfPresent(Int.self, forKey: .maxFaults)
        keyPrefixes = try c.decodeIfPresent([String].self, forKey: .keyPrefixes)
        for rates in [slowDownRate, internalErrorRate, dropMidBodyRate]
        where rates.values.contains(where: { !(0...1).contains($0) }) {
            throw DecodingError.dataCorruptedError(
                forKey: .slowDownRate, in: c, debugDescription: "rates are shares between 0 and 1")
        }
    }
}

/// The plan plus its generator and the count of faults given.
final class FaultInjector: @unchecked Sendable {
    private let lock = NSLock()
    private var plan: FaultPlan
    private var random: FaultRandom
    private var given = 0

    init(plan: FaultPlan, seed: UInt64) {
        self.plan = plan
        random = FaultRandom(seed: seed)
    }

    var current: FaultPlan {
        lock.lock()
        defer { lock.unlock() }
        return plan
    }

    func update(_ plan: FaultPlan, seed: UInt64?) {
        lock.lock()
        self.plan = plan
        if let seed { random = FaultRandom(seed: seed) }
        given = 0
        lock.unlock()
    }

    enum Decision { case none, slowDown, internalError, dropMidBody }

    /// Decides the fault for one request.
    func decide(_ operation: String, key: String?) -> Decision {
        lock.lock()
        defer { lock.unlock() }
        // Without rates (the usual case) there is nothing to draw or look up.
        if plan.slowDownRate.isEmpty && plan.internalErrorRate.isEmpty && plan.dropMidBodyRate.isEmpty { return .none }
        if let max = plan.maxFaults, given >= max { return .none }
        if let prefixes = plan.keyPrefixes, !prefixes.contains(where: { key?.hasPrefix($0) == true }) { return .none }
        for (decision, table) in [
            (Decision.slowDown, plan.slowDownRate), (.internalError, plan.internalErrorRate),
            (.dropMidBody, plan.dropMidBodyRate),
        ] where !table.isEmpty {
            let rate = plan.rate(table, operation)
            if rate > 0, nextUnit() < rate {
                given += 1
                return decision
            }
        }
        return .none
    }

    func latency() -> TimeInterval {
        lock.lock()
        defer { lock.unlock() }
        guard let range = plan.latency else { return 0 }
        return range.lowerBound + (range.upperBound - range.lowerBound) * nextUnit()
    }

    /// The next number in [0, 1) from the seeded generator.
    private func nextUnit() -> Double {
        Double(random.next() >> 11) / Double(1 << 53)
    }
}

/// The mock's own reproducible stream of fault decisions (xorshift64*, Vigna 2016): a seed and a
/// request order give the same faults on every run and machine.
struct FaultRandom {
    private var state: UInt64

    init(seed: UInt64) {
        // Spread small seeds over the state (and keep it off zero, the one state that never leaves).
        state = (seed &+ 1) &* 0x9E37_79B9_7F4A_7C15 | 1
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
