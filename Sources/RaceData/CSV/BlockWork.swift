import Foundation

/// Blocks being parsed on worker threads, joined in order by `merger` as they finish.
final class BlockWork: @unchecked Sendable {
    let merger: BlockMerger
    private let group = DispatchGroup()
    private var next = 0

    init(merger: BlockMerger) { self.merger = merger }

    func start(_ block: ByteBlock, parser: BlockParser) {
        let index = next
        next += 1
        merger.waitForRoom()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { [self] in
            merger.add(parser.parse(block.bytes), at: index)
        }
    }

    /// Parses on the calling thread (the last block: nothing else is left to overlap with).
    func run(_ block: ByteBlock, parser: BlockParser) {
        let index = next
        next += 1
        merger.add(parser.parse(block.bytes), at: index)
    }

    /// Returns once every block started is parsed and joined.
    func waitForAll() {
        group.wait()
        merger.joinAll()
    }
}
