import Foundation
import S3Wire

/// What a request gives the condition keys and policy variables, by key in lower case (condition
/// keys are not case-sensitive; a tag's own key after the `/` keeps its case). nil: absent.
protocol PolicyContext {
    func values(_ key: String) -> [String]?
}

/// One key under one operator of a statement's `Condition`, as IAM evaluates it
/// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
/// the request's value matches any of the policy's values; negated operators match none of them,
/// and are true when the key is absent; `...IfExists` is true when the key is absent; `ForAnyValue:`
/// and `ForAllValues:` compare each of a multi-valued key's values (an absent or empty key:
/// `ForAllValues` true, `ForAnyValue` false).
struct PolicyCondition: Sendable {
    enum Operator: String, Sendable, CaseIterable {
        case stringEquals = "StringEquals"
        case stringNotEquals = "StringNotEquals"
        case stringEqualsIgnoreCase = "StringEqualsIgnoreCase"
        case stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
        case stringLike = "StringLike"
        case stringNotLike = "StringNotLike"
        case numericEquals = "NumericEquals"
        case numericNotEquals = "NumericNotEquals"
        case numericLessThan = "NumericLessThan"
        case numericLessThanEquals = "NumericLessThanEquals"
        case numericGreaterThan = "NumericGreaterThan"
        case numericGreaterThanEquals = "NumericGreaterThanEquals"
        case dateEquals = "DateEquals"
        case dateNotEquals = "DateNotEquals"
        case dateLessThan = "DateLessThan"
        case dateLessThanEquals = "DateLessThanEquals"
        case dateGreaterThan = "DateGreaterThan"
        case dateGreaterThanEquals = "DateGreaterThanEquals"
        case bool = "Bool"
        case binaryEquals = "BinaryEquals"
        case ipAddress = "IpAddress"
        case notIpAddress = "NotIpAddress"
        case arnEquals = "ArnEquals"
        case arnLike = "ArnLike"
        case arnNotEquals = "ArnNotEquals"
        case arnNotLike = "ArnNotLike"
        case null = "Null"

        var isNegated: Bool {
            [
                .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals, .dateNotEquals,
                .notIpAddress, .arnNotEquals, .arnNotLike,
            ].contains(self)
        }

        /// The operator whose answer a negated one inverts.
        var positive: Operator {
            switch self {
            case .stringNotEquals: .stringEquals
            case .stringNotEqualsIgnoreCase: .stringEqualsIgnoreCase
            case .stringNotLike: .stringLike
            case .numericNotEquals: .numericEquals
            case .dateNotEquals: .dateEquals
            case .notIpAddress: .ipAddress
            case .arnNotEquals: .arnEquals
            case .arnNotLike: .arnLike
            default: self
            }
        }

        /// Whether its values may hold policy variables.
        var takesVariables: Bool { rawValue.hasPrefix("String") || rawValue.hasPrefix("Arn") }
    }

    enum SetQualifier: Sendable { case single, forAnyValue, forAllValues }

    let op: Operator
    let qualifier: SetQualifier
    let ifExists: Bool
    let key: String
    let values: [String]
    /// The values in the form the operator compares, made once (per request only where variables are).
    private let compiled: Compiled
    private let hasVariables: Bool

    init(op: Operator, qualifier: SetQualifier, ifExists: Bool, key: String, values: [String]) {
        self.op = op
        self.qualifier = qualifier
        self.ifExists = ifExists
        self.key = key
        self.values = values
        compiled = Compiled(op.positive, values)
        hasVariables = op.takesVariables && values.contains { $0.contains("${") }
    }

    private struct Compiled: Sendable {
        var texts: [String] = []
        var patterns: [WildcardPattern] = []
        var ranges: [IPRange] = []
        var numbers: [Double] = []
        var dates: [Date] = []

        init(_ op: Operator, _ values: [String]) {
            switch op {
            case .stringLike, .arnLike: patterns = values.map(WildcardPattern.init)
            case .stringEqualsIgnoreCase: texts = values.map { PolicyVariables.literal($0).lowercased() }
            case .stringEquals, .arnEquals: texts = values.map(PolicyVariables.literal)
            case .bool: texts = values.map { $0.lowercased() }
            case .ipAddress: ranges = values.compactMap(IPRange.init)
            case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan,
                .numericGreaterThanEquals:
                numbers = values.compactMap(Double.init)
            case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
                dates = values.compactMap(PolicyDate.parse)
            default: texts = values
            }
        }
    }

    static func parse(_ value: Any?, statement: String) throws(PolicyError) -> [PolicyCondition] {
        guard let value else { return [] }
        guard let block = value as? [String: Any] else {
            throw .malformed("Condition in \(statement) must be a JSON object of operators")
        }
        var conditions: [PolicyCondition] = []
        for (name, keys) in block {
            var text = Substring(name)
            var qualifier = SetQualifier.single
            if text.hasPrefix("ForAnyValue:") {
                qualifier = .forAnyValue
                text = text.dropFirst("ForAnyValue:".count)
            } else if text.hasPrefix("ForAllValues:") {
                qualifier = .forAllValues
                text = text.dropFirst("ForAllValues:".count)
            }
            let ifExists = text.hasSuffix("IfExists") && text != "IfExists"
            if ifExists { text = text.dropLast("IfExists".count) }
            guard let op = Operator(rawValue: String(text)), !(ifExists && op == .null) else {
                throw .malformed("Invalid Condition type: \(name) (in \(statement))")
            }
            guard let keys = keys as? [String: Any], !keys.isEmpty else {
                throw .malformed("Condition \(name) in \(statement) must map condition keys to values")
            }
            for (key, given) in keys {
                let normalized = ConditionKeys.normalize(key)
                try ConditionKeys.check(normalized, given: key)
                let values = try Self.values(given, key: key, statement: statement)
                try Self.check(values, op: op, key: key)
                conditions.append(
                    PolicyCondition(op: op, qualifier: qualifier, ifExists: ifExists, key: normalized, values: values))
            }
        }
        return conditions
    }

    private static func values(_ given: Any, key: String, statement: String) throws(PolicyError) -> [String] {
        func text(_ item: Any) -> String? {
            switch item {
            case let string as String: string
            case let number as NSNumber:
                // JSON's true and false arrive as numbers of type "c".
                String(cString: number.objCType) == "c" ? (number.boolValue ? "true" : "false") : number.stringValue
            default: nil
            }
        }
        if let one = text(given) { return [one] }
        if let many = given as? [Any], !many.isEmpty {
            let texts = many.compactMap(text)
            if texts.count == many.count { return texts }
        }
        throw .malformed("The value of \(key) in \(statement) must be a string, number, boolean or a list of them")
    }

    private static func check(_ values: [String], op: Operator, key: String) throws(PolicyError) {
        for value in values {
            let valid: Bool =
                switch op.positive {
                case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan,
                    .numericGreaterThanEquals:
                    Double(value) != nil
                case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
                    PolicyDate.parse(value) != nil
                case .bool, .null: ["true", "false"].contains(value.lowercased())
                case .ipAddress: IPRange(value) != nil
                default: true
                }
            if !valid { throw .malformed("Invalid value \(value) for \(op.rawValue) on \(key)") }
        }
    }

    /// Whether the request meets this condition.
    func holds(in context: some PolicyContext, variables: Bool) -> Bool {
        let given = context.values(key)
        if op == .null {
            let absent = given?.isEmpty ?? true
            return values.contains { ($0.lowercased() == "true") == absent }
        }
        let policyValues =
            hasVariables && variables
            ? Compiled(
                op.positive, values.compactMap { PolicyVariables.substitute($0, in: context, enabled: true) })
            : compiled
        switch qualifier {
        case .forAllValues:
            return (given ?? []).allSatisfy { satisfies($0, policyValues) }
        case .forAnyValue:
            guard let given, !given.isEmpty else { return ifExists }
            return given.contains { satisfies($0, policyValues) }
        case .single:
            guard let given, !given.isEmpty else { return ifExists || op.isNegated }
            return op.isNegated
                ? !given.contains { Self.matches(op.positive, $0, policyValues) }
                : given.contains { Self.matches(op, $0, policyValues) }
        }
    }

    private func satisfies(_ value: String, _ policyValues: Compiled) -> Bool {
        op.isNegated ? !Self.matches(op.positive, value, policyValues) : Self.matches(op, value, policyValues)
    }

    /// A request value against the policy's values, for a positive operator: any of them matches.
    private static func matches(_ op: Operator, _ value: String, _ policy: Compiled) -> Bool {
        switch op {
        case .stringEquals, .arnEquals, .binaryEquals: return policy.texts.contains(value)
        case .stringEqualsIgnoreCase, .bool: return policy.texts.contains(value.lowercased())
        case .stringLike, .arnLike: return policy.patterns.contains { $0.matches(value) }
        case .ipAddress:
            guard let address = IPRange(value) else { return false }
            return policy.ranges.contains { $0.contains(address) }
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            guard let number = Double(value) else { return false }
            return policy.numbers.contains { compare(op, number, $0) }
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let date = PolicyDate.parse(value) else { return false }
            return policy.dates.contains { compare(op, date, $0) }
        default: return false
        }
    }

    private static func compare<T: Comparable>(_ op: Operator, _ value: T, _ limit: T) -> Bool {
        switch op {
        case .numericLessThan, .dateLessThan: value < limit
        case .numericLessThanEquals, .dateLessThanEquals: value <= limit
        case .numericGreaterThan, .dateGreaterThan: value > limit
        case .numericGreaterThanEquals, .dateGreaterThanEquals: value >= limit
        default: value == limit
        }
    }
}

/// `${aws:username}` and the like, replaced by the request's values; `${*}`, `${?}` and `${$}` are
/// the literal characters (kept apart from wildcards until compared). A variable the request does
/// not have, and no default (`${aws:username, 'none'}`), leaves nothing that can match.
enum PolicyVariables {
    static let literalStar: Unicode.Scalar = "\u{E000}"
    static let literalQuestion: Unicode.Scalar = "\u{E001}"

    static func substitute(_ text: String, in context: some PolicyContext, enabled: Bool) -> String? {
        guard enabled, text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                return result + rest[open.lowerBound...]
            }
            let inside = rest[open.upperBound..<close]
            switch inside {
            case "*": result.unicodeScalars.append(literalStar)
            case "?": result.unicodeScalars.append(literalQuestion)
            case "$": result += "$"
            default:
                let parts = inside.split(separator: ",", maxSplits: 1)
                let key = ConditionKeys.normalize(parts[0].trimmingCharacters(in: .whitespaces))
                if let value = context.values(key)?.first {
                    result += value
                } else if parts.count == 2 {
                    let fallback = parts[1].trimmingCharacters(in: .whitespaces)
                    result += fallback.trimmingCharacters(in: CharacterSet(charactersIn: "'"))
                } else {
                    return nil
                }
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The text with `${*}` and `${?}` as the characters they stand for.
    static func literal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == literalStar || $0 == literalQuestion }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            result.append(scalar == literalStar ? "*" : scalar == literalQuestion ? "?" : scalar)
        }
        return String(result)
    }
}

/// Dates as policies write them: ISO 8601 (with or without time and fractions) or epoch seconds.
enum PolicyDate {
    static func parse(_ text: String) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let instant = text.utf8.count == 10 ? text + "T00:00:00Z" : text
        return UTCDate(iso8601: instant)?.date
    }
}

/// An IPv4 or IPv6 address with a prefix length (a bare address is the whole length).
struct IPRange: Sendable {
    let bytes: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first else { return nil }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, String(first), &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, String(first), &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            return nil
        }
        guard let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8, (0...bytes.count * 8).contains(length)
        else { return nil }
        prefix = length
    }

    func contains(_ address: IPRange) -> Bool {
        guard address.bytes.count == bytes.count else { return false }
        for bit in 0..<prefix {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if bytes[bit / 8] & mask != address.bytes[bit / 8] & mask { return false }
        }
        return true
    }
}
