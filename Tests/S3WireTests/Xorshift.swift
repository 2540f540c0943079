/// Deterministic randomness for this target's tests (xorshift64*): S3Wire's tests depend on S3Wire
/// alone, so they do not reach RaceDataTesting's `SeededGenerator`.
struct Xorshift: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

/// `count` bytes that look random and are the same for the same seed.
func scrambledBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = Xorshift(seed: seed)
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
