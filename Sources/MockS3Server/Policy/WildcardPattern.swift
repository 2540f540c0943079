/// IAM's wildcards, `*` any run of characters and `?` any one, compiled once (a policy's actions and
/// resources are matched on every request): tokens over UTF-8 bytes, matched without allocating.
struct WildcardPattern: Sendable {
    let text: String
    /// A byte, or `star` / `question`; `${*}` and `${?}` (after substitution) are the plain characters.
    private let tokens: [Int16]
    let hasWildcards: Bool
    /// Holds `${...}`: substituted per request before matching.
    let hasVariables: Bool

    private static let star: Int16 = -1
    private static let question: Int16 = -2

    init(_ text: String) {
        self.text = text
        var tokens: [Int16] = []
        var wild = false
        let literalStar = Array(String(PolicyVariables.literalStar).utf8)
        let literalQuestion = Array(String(PolicyVariables.literalQuestion).utf8)
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i...].starts(with: literalStar) {
                tokens.append(Int16(UInt8(ascii: "*")))
                i += literalStar.count
            } else if bytes[i...].starts(with: literalQuestion) {
                tokens.append(Int16(UInt8(ascii: "?")))
                i += literalQuestion.count
            } else {
                let byte = bytes[i]
                if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") { wild = true }
                tokens.append(
                    byte == UInt8(ascii: "*") ? Self.star : byte == UInt8(ascii: "?") ? Self.question : Int16(byte))
                i += 1
            }
        }
        self.tokens = tokens
        hasWildcards = wild
        hasVariables = text.utf8.count > 2 && text.contains("${")
    }

    func matches(_ subject: String) -> Bool {
        var subject = subject
        return subject.withUTF8 { matches($0) }
    }

    /// Greedy with backtracking to the last star: linear in practice, never exponential. `?` and a
    /// star's advance step over whole characters.
    private func matches(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        var j = 0
        var starAt = -1
        var mark = 0
        while j < t.count {
            if i < tokens.count && tokens[i] == Self.question {
                i += 1
                j += Self.scalarLength(t[j])
            } else if i < tokens.count && tokens[i] >= 0 && UInt8(tokens[i]) == t[j] {
                i += 1
                j += 1
            } else if i < tokens.count && tokens[i] == Self.star {
                starAt = i
                mark = j
                i += 1
            } else if starAt >= 0 {
                i = starAt + 1
                mark += Self.scalarLength(t[mark])
                j = mark
            } else {
                return false
            }
        }
        while i < tokens.count && tokens[i] == Self.star { i += 1 }
        return i == tokens.count && j == t.count
    }

    private static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}
