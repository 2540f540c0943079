import Foundation

/// A `multipart/form-data` body, as browsers send a POST upload: text fields, and one file.
struct FormData {
    struct Field {
        var name: String
        var value: [UInt8]
        var filename: String?
        var contentType: String?
        var text: String { String(decoding: value, as: UTF8.self) }
    }

    var fields: [Field] = []

    /// The boundary from `multipart/form-data; boundary=...`; nil for any other content type.
    static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            let value = part.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The parts between `--boundary` lines; nil if the body is not that shape.
    init?(_ body: [UInt8], boundary: String) {
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var i = 0
        while let found = Self.find(delimiter, in: body, from: i) {
            starts.append(found)
            i = found + delimiter.count
        }
        guard starts.count >= 2 else { return nil }
        for (start, next) in zip(starts, starts.dropFirst()) {
            var from = start + delimiter.count
            guard from + 2 <= body.count, body[from] == 13, body[from + 1] == 10 else { return nil }
            from += 2
            // The part ends with CRLF before the next delimiter.
            let end = next - 2
            guard end >= from, body[end] == 13, body[end + 1] == 10,
                let blank = Self.find([13, 10, 13, 10], in: body, from: from), blank <= end
            else { return nil }
            let head = String(decoding: body[from..<blank], as: UTF8.self)
            var field = Field(name: "", value: Array(body[(blank + 4)..<max(blank + 4, end)]))
            for line in head.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "content-disposition":
                    for item in pair[1].split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                        let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                        guard kv.count == 2 else { continue }
                        let value = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                        if kv[0].lowercased() == "name" { field.name = value }
                        if kv[0].lowercased() == "filename" { field.filename = value }
                    }
                case "content-type": field.contentType = pair[1]
                default: break
                }
            }
            guard !field.name.isEmpty else { return nil }
            fields.append(field)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        return haystack.withUnsafeBufferPointer { h -> Int? in
            var i = start
            let last = haystack.count - needle.count
            while i <= last {
                guard let p = memchr(h.baseAddress! + i, Int32(needle[0]), last - i + 1) else { return nil }
                let at = h.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if memcmp(h.baseAddress! + at, needle, needle.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }
}
