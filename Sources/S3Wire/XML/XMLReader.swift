/// The reader behind `XML.parse`: one pass over the bytes, no recursion past `XML.maxDepth`.
extension XML {
    struct Reader {
        let bytes: [UInt8]
        var i = 0

        func fail(_ reason: String) -> XMLError { XMLError(reason: reason, offset: i) }

        mutating func document() throws(XMLError) -> Element {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            try misc()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw fail("no root element") }
            let root = try element(depth: 0)
            try misc()
            guard i == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Whitespace, the XML declaration, comments and processing instructions; a DOCTYPE is refused.
        mutating func misc() throws(XMLError) {
            while true {
                skipSpace()
                if starts("<?") {
                    try skip(past: "?>")
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<!") {
                    throw fail("DTDs and entity declarations are not accepted")
                } else {
                    return
                }
            }
        }

        func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            return s.withUTF8Buffer { buf in
                var k = 0
                while k < n {
                    if bytes[i + k] != buf[k] { return false }
                    k += 1
                }
                return true
            }
        }

        mutating func skip(past s: StaticString) throws(XMLError) {
            while i < bytes.count {
                if starts(s) {
                    i += s.utf8CodeUnitCount
                    return
                }
                i += 1
            }
            throw fail("unterminated \(s)")
        }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func name() throws(XMLError) -> String {
            let start = i
            var local = start
            scan: while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "<"):
                    break scan
                case UInt8(ascii: ":"): local = i + 1
                default: break
                }
                i += 1
            }
            guard i > start else { throw fail("expected a name") }
            // Namespace prefixes are dropped: S3's vocabulary has no clashing local names.
            return String(decoding: bytes[local..<i], as: UTF8.self)
        }

        mutating func element(depth: Int) throws(XMLError) -> Element {
            guard depth < XML.maxDepth else { throw fail("nested deeper than \(XML.maxDepth) levels") }
            i += 1  // <
            var node = Element(name: try name())
            while true {
                skipSpace()
                guard i < bytes.count else { throw fail("unterminated tag <\(node.name)>") }
                if bytes[i] == UInt8(ascii: "/") {
                    guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw fail("expected />") }
                    i += 2
                    return node
                }
                if bytes[i] == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                let attribute = try name()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else {
                    throw fail("expected = after \(attribute)")
                }
                i += 1
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                    throw fail("expected a quoted value")
                }
                let quote = bytes[i]
                i += 1
                let start = i
                while i < bytes.count, bytes[i] != quote { i += 1 }
                guard i < bytes.count else { throw fail("unterminated attribute value") }
                node.attributes[attribute] = try decodeText(start..<i)
                i += 1
            }
            var text = ""
            while true {
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
                guard i < bytes.count else { throw fail("unterminated element <\(node.name)>") }
                if i > start { text += try decodeText(start..<i) }
                if starts("</") {
                    i += 2
                    let closing = try name()
                    skipSpace()
                    guard closing == node.name, i < bytes.count, bytes[i] == UInt8(ascii: ">") else {
                        throw fail("</\(closing)> does not close <\(node.name)>")
                    }
                    i += 1
                    node.text = text
                    return node
                } else if starts("<![CDATA[") {
                    i += 9
                    let cdataStart = i
                    try skip(past: "]]>")
                    text += Self.normalizingLineEnds(String(decoding: bytes[cdataStart..<(i - 3)], as: UTF8.self))
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<?") {
                    try skip(past: "?>")
                } else if starts("<!") {
                    throw fail("DTDs and entity declarations are not accepted")
                } else {
                    node.children.append(try element(depth: depth + 1))
                }
            }
        }

        /// XML 1.0 §2.11: a literal CR LF or lone CR reads as LF (what expat, and so S3's readers, do); a
        /// CR kept in a key travels as `&#13;`, which is decoded after this.
        static func normalizingLineEnds(_ text: String) -> String {
            guard text.utf8.contains(0x0D) else { return text }
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            var previousCR = false
            for byte in text.utf8 {
                if byte == 0x0A && previousCR {
                    previousCR = false
                    continue
                }
                previousCR = byte == 0x0D
                out.append(previousCR ? 0x0A : byte)
            }
            return String(decoding: out, as: UTF8.self)
        }

        func decodeText(_ range: Range<Int>) throws(XMLError) -> String {
            guard let text = String(validating: bytes[range], as: UTF8.self) else { throw fail("text is not UTF-8") }
            let raw = Self.normalizingLineEnds(text)
            guard raw.utf8.contains(UInt8(ascii: "&")) else { return raw }
            var out = ""
            var rest = raw[...]
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                    throw fail("unterminated entity")
                }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "lt": out += "<"
                case "gt": out += ">"
                case "amp": out += "&"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    let number: UInt32? =
                        entity.hasPrefix("#x")
                        ? UInt32(entity.dropFirst(2), radix: 16)
                        : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                    guard let number, let scalar = Unicode.Scalar(number) else {
                        throw fail("unknown entity &\(entity);")
                    }
                    out.unicodeScalars.append(scalar)
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}
