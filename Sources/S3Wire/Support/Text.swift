extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace). Byte-wise,
    /// because it runs on every header of every request.
    @inlinable public var trimmingSpaces: String { String(trimmedSpaces) }
}

extension String {
    /// `trimmingSpaces` that hands back the string itself when there is nothing to trim (no copy).
    @inlinable public var trimmingSpaces: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        return isSpace(first) || isSpace(last) ? Substring(self).trimmingSpaces : self
    }
}

extension StringProtocol {
    /// Split on one ASCII separator, byte-wise: `split(separator:)` compares Characters, and the
    /// generic `Collection.split` over UTF-8 views was itself a large part of request parsing.
    @inlinable public func splitting(_ separator: Unicode.Scalar, maxSplits: Int = .max, omittingEmpty: Bool = true)
        -> [Substring]
    {
        precondition(separator.isASCII, "splitting(_:) takes an ASCII separator")
        let text = Substring(self)
        let byte = UInt8(separator.value)
        let utf8 = text.utf8
        // One array, sized by a first count of separators; the pieces follow Collection.split's rules
        // (an omitted empty piece does not count toward maxSplits).
        var pieces: [Substring] = []
        func scan(_ bytes: some Collection<UInt8>) {
            var separators = 0
            for b in bytes where b == byte { separators += 1 }
            pieces.reserveCapacity(Swift.min(separators, maxSplits) + 1)
            // UTF-8 offsets into a native string are O(1) to turn into indices.
            func piece(_ from: Int, _ to: Int) -> Substring {
                text[utf8.index(utf8.startIndex, offsetBy: from)..<utf8.index(utf8.startIndex, offsetBy: to)]
            }
            let count = bytes.count
            var start = 0
            var offset = 0
            if maxSplits > 0 && separators > 0 {
                for b in bytes {
                    if b == byte {
                        if !(omittingEmpty && start == offset) { pieces.append(piece(start, offset)) }
                        start = offset + 1
                        if pieces.count == maxSplits { break }
                    }
                    offset += 1
                }
            }
            if start != count || !omittingEmpty { pieces.append(piece(start, count)) }
        }
        if utf8.withContiguousStorageIfAvailable({ scan($0) }) == nil { scan(utf8) }
        return pieces
    }

    /// What follows `prefix`, compared byte by byte (`hasPrefix` and `dropFirst` walk Characters);
    /// nil when the text does not start with it.
    @inlinable public func afterPrefix(_ prefix: String) -> Substring? {
        let text = Substring(self)
        guard text.utf8.starts(with: prefix.utf8) else { return nil }
        return Substring(text.utf8.dropFirst(prefix.utf8.count))
    }

    /// Without leading and trailing spaces and tabs, as a slice of this text (no copy).
    @inlinable public var trimmedSpaces: Substring {
        let text = Substring(self)
        let bytes = text.utf8
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return text[start..<end]
    }
}

extension String {
    /// Trimmed of spaces with inner runs of spaces collapsed to one, as SigV4 canonicalises header
    /// values; most values need nothing done and are returned as they are.
    @inlinable public var collapsingSpaces: String {
        var previous: UInt8 = UInt8(ascii: " ")
        var clean = true
        for byte in utf8 {
            if byte == UInt8(ascii: " ") && previous == byte {
                clean = false
                break
            }
            previous = byte
        }
        if clean && previous != UInt8(ascii: " ") { return self }
        return splitting(" ").joined(separator: " ")
    }
}

extension StringProtocol {
    /// Equality ignoring ASCII case, as HTTP compares header names; `caseInsensitiveCompare` goes
    /// through Foundation's locale-aware folding and was the client's largest cost per request.
    @inlinable public func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let compared = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in
                for i in 0..<a.count where a[i] != b[i] {
                    guard Self.sameLetter(a[i], b[i]) else { return false }
                }
                return true
            }
        }
        if let compared, let compared { return compared }
        for (x, y) in zip(utf8, other.utf8) where x != y {
            guard Self.sameLetter(x, y) else { return false }
        }
        return true
    }

    /// Two different bytes that are one ASCII letter in two cases.
    @inlinable @inline(__always) static func sameLetter(_ x: UInt8, _ y: UInt8) -> Bool {
        x | 0x20 == y | 0x20 && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(x | 0x20)
    }
}

extension [UInt8] {
    /// `value` (not negative) in decimal, zero-padded to `width` digits, appended; digits beyond
    /// `width` are dropped. Dates written byte by byte (SigV4's and the mock's) use it.
    @inlinable public mutating func appendDecimal(_ value: Int, width: Int) {
        let start = count
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var v = value
        for i in stride(from: start + width - 1, through: start, by: -1) {
            self[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
        }
    }
}
