extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace). Byte-wise,
    /// because it runs on every header of every request.
    public var trimmingSpaces: String {
        let text = Substring(self), bytes = text.utf8
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(text[start..<end])
    }
}

extension StringProtocol {
    /// Split on one ASCII separator, byte-wise: `split(separator:)` compares Characters, which
    /// dominated request parsing and signature checks.
    public func splitting(_ separator: Unicode.Scalar, maxSplits: Int = .max, omittingEmpty: Bool = true) -> [Substring] {
        precondition(separator.isASCII, "splitting(_:) takes an ASCII separator")
        return Substring(self).utf8.split(separator: UInt8(separator.value), maxSplits: maxSplits,
                                          omittingEmptySubsequences: omittingEmpty).map { Substring($0) }
    }
}

extension String {
    /// Trimmed of spaces with inner runs of spaces collapsed to one, as SigV4 canonicalises header
    /// values; most values need nothing done and are returned as they are.
    public var collapsingSpaces: String {
        var previous: UInt8 = UInt8(ascii: " ")
        var clean = true
        for byte in utf8 {
            if byte == UInt8(ascii: " ") && previous == byte { clean = false; break }
            previous = byte
        }
        if clean && previous != UInt8(ascii: " ") { return self }
        return splitting(" ").joined(separator: " ")
    }
}

extension StringProtocol {
    /// Equality ignoring ASCII case, as HTTP compares header names; `caseInsensitiveCompare` goes
    /// through Foundation's locale-aware folding and was the client's largest cost per request.
    public func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            guard x | 0x20 == y | 0x20, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(x | 0x20) else { return false }
        }
        return true
    }
}
