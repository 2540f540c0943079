import S3Wire

/// One answer as the comparison sees it: what carries meaning kept, what differs between honest
/// servers (request ids, dates, owner ids, version and upload ids, tokens) normalized away.
public struct Observation: Sendable, Equatable {
    public var status: Int
    /// The error's Code, for an answer with an error document.
    public var code: String?
    /// The headers that carry meaning, names in lower case, ids replaced by their symbols.
    public var headers: [String: String]
    /// The body as leaves: an XML document's by path (`ListBucketResult/Contents#0/Key`, repeated
    /// elements numbered in their order), an object's bytes as `bytes`: `N bytes sha256:…`.
    public var body: [String: String]

    /// The status of a request that got no answer (the server refused the connection or hung up).
    public static let unanswered = -1

    /// A step that could not be sent (the earlier steps made no such upload on this server).
    public static func skipped(_ why: String) -> Observation {
        Observation(status: 0, code: nil, headers: [:], body: ["skipped": why])
    }

    /// The fields where two observations differ: this one's value as `mock`, the other's as `other`.
    func differences(from other: Observation) -> [DifferentialRunner.Difference] {
        var out: [DifferentialRunner.Difference] = []
        func add(_ field: String, _ mine: String, _ theirs: String) {
            out.append(DifferentialRunner.Difference(field: field, mock: mine, other: theirs))
        }
        if status != other.status { add("status", "\(status)", "\(other.status)") }
        if code != other.code { add("code", code ?? "-", other.code ?? "-") }
        for name in Set(headers.keys).union(other.headers.keys).sorted() where headers[name] != other.headers[name] {
            add("header " + name, headers[name] ?? "-", other.headers[name] ?? "-")
        }
        for path in Set(body.keys).union(other.body.keys).sorted() where body[path] != other.body[path] {
            add("body " + path, body[path] ?? "-", other.body[path] ?? "-")
        }
        return out
    }
}

/// An S3 XML document as leaves two servers' answers can be compared by: each element's text by its
/// path, same-named siblings numbered in order (a listing's order matters; the order of different
/// fields does not, as XML readers do not care), and every element named in `dropped` left out.
enum CanonicalXML {
    static let dropped: Set<String> = [
        "RequestId", "HostId", "ID", "DisplayName", "LastModified", "Initiated", "CreationDate", "Location",
        "Owner", "Initiator", "EmailAddress",
    ]

    /// `symbol` gives a leaf's value from its path (without positions), name and text.
    static func leaves(_ element: XML.Element, symbol: (String, String, String) -> String) -> [String: String] {
        var out: [String: String] = [:]
        func walk(_ element: XML.Element, _ path: String) {
            for (name, value) in element.attributes where !name.hasPrefix("xmlns") { out[path + "@" + name] = value }
            var kept = element.children.filter { !dropped.contains($0.name) }
            // DeleteObjects' results are a set: S3 documents no order for them.
            if element.name == "DeleteResult" {
                kept.sort { ($0.name, $0.value("Key") ?? "") < ($1.name, $1.value("Key") ?? "") }
            }
            if kept.isEmpty {
                out[path] = symbol(path.replacing(/#[0-9]+/, with: ""), element.name, element.text)
                return
            }
            var counts: [String: Int] = [:]
            for child in kept { counts[child.name, default: 0] += 1 }
            var seen: [String: Int] = [:]
            for child in kept {
                let n = seen[child.name, default: 0]
                seen[child.name] = n + 1
                walk(child, path + "/" + child.name + (counts[child.name]! > 1 ? "#\(n)" : ""))
            }
        }
        walk(element, element.name)
        return out
    }
}
