import Foundation

/// Where the fields of one record are, in storage allocated once per block (no array bookkeeping
/// per field).
final class FieldSpans {
    private(set) var starts: UnsafeMutablePointer<Int>
    private(set) var ends: UnsafeMutablePointer<Int>
    private(set) var quoted: UnsafeMutablePointer<Bool>
    private var capacity = 64
    var count = 0

    init() {
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
        quoted = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        quoted.deallocate()
    }

    @inline(__always)
    func add(_ start: Int, _ end: Int, quoted isQuoted: Bool) {
        if count == capacity { grow() }
        starts[count] = start
        ends[count] = end
        quoted[count] = isQuoted
        count += 1
    }

    private func grow() {
        let bigger = capacity * 2
        let s = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let e = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let q = UnsafeMutablePointer<Bool>.allocate(capacity: bigger)
        s.update(from: starts, count: count)
        e.update(from: ends, count: count)
        q.update(from: quoted, count: count)
        starts.deallocate()
        ends.deallocate()
        quoted.deallocate()
        starts = s
        ends = e
        quoted = q
        capacity = bigger
    }
}
