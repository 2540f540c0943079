/// Writes an XML document as S3 sends one: the declaration, a root element (in S3's namespace
/// unless told otherwise), then elements whose text and attribute values are escaped here, so no
/// caller writes markup or escapes by hand.
public struct XMLWriter: Sendable {
    public static let s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    private var output: String
    private let root: String

    public init(root: String, namespace: String? = XMLWriter.s3Namespace, attributes: [(String, String)] = []) {
        output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        self.root = root
        var all = attributes
        if let namespace { all.insert(("xmlns", namespace), at: 0) }
        open(root, all)
    }

    /// `<name>value</name>`.
    public mutating func element(_ name: String, _ value: some CustomStringConvertible) {
        output += "<\(name)>"
        output += XML.escape(value.description)
        output += "</\(name)>"
    }

    /// `<name>value</name>` when there is a value; nothing otherwise.
    public mutating func element(_ name: String, ifPresent value: (some CustomStringConvertible)?) {
        if let value { element(name, value) }
    }

    /// `<name attributes>…</name>` around what `body` writes.
    public mutating func element(
        _ name: String, attributes: [(String, String)] = [], _ body: (inout XMLWriter) -> Void
    ) {
        open(name, attributes)
        body(&self)
        output += "</\(name)>"
    }

    /// Text in the element being written (a root whose only content is text, as `LocationConstraint`).
    public mutating func text(_ value: String) { output += XML.escape(value) }

    /// `<name attributes/>`.
    public mutating func empty(_ name: String, attributes: [(String, String)] = []) {
        start(name, attributes)
        output += "/>"
    }

    /// The document, its root closed.
    public func finish() -> String { output + "</\(root)>" }

    private mutating func open(_ name: String, _ attributes: [(String, String)]) {
        start(name, attributes)
        output += ">"
    }

    private mutating func start(_ name: String, _ attributes: [(String, String)]) {
        output += "<\(name)"
        for (attribute, value) in attributes { output += " \(attribute)=\"\(XML.escape(value))\"" }
    }
}
