/// What a data file holds.
public enum TableKind: Hashable, Sendable, CustomStringConvertible {
    case lap(LapKind)
    case telemetry

    public var description: String {
        switch self {
        case .lap(let k): k.rawValue
        case .telemetry: "telemetry"
        }
    }

    public init?(_ text: String) {
        if text == "telemetry" {
            self = .telemetry
        } else if let k = LapKind(rawValue: text) {
            self = .lap(k)
        } else {
            return nil
        }
    }
}

/// The three lap tables every session has.
public enum LapKind: String, CaseIterable, Sendable, Codable {
    case lapStart = "lap_start"
    case lapEnd = "lap_end"
    case lapTime = "lap_time"
}

/// A race session token: `R1`, `R2`, … `R12`; ordered naturally (R2 before R10).
public struct Session: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let number: Int
    public var token: String { "R\(number)" }
    public var description: String { token }

    /// Accepts `R1` or `r1` (the session token as file names spell it); nothing else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (2...4).contains(bytes.count), bytes[0] == UInt8(ascii: "R") || bytes[0] == UInt8(ascii: "r"),
            bytes.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let n = Int(String(decoding: bytes.dropFirst(), as: UTF8.self)),
            n >= 1
        else { return nil }
        number = n
    }

    public static func < (a: Session, b: Session) -> Bool { a.number < b.number }
}
