import Foundation

/// One of the eight properties (docs/properties.md): one case per seed, the same case for the same
/// seed everywhere. Each has two forms: over generated cases (`check(seed:context:)`), and over a
/// dataset already in the bucket (`check(dataset:seed:context:)`), which verify runs on the bundled
/// sample and on a deployment.
public protocol RaceProperty: Sendable {
    var number: Int { get }
    var title: String { get }
    /// What it states, in a line (verify's help, the docs' table).
    var statement: String { get }
    /// Whether its generated form runs against moto_server too, and if not, why.
    var onMoto: MotoSupport { get }
    func check(seed: UInt64, context: PropertyContext) async throws
    /// Whether it has a form for this dataset (some need its local copy, or must write).
    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool
    /// Whether that form's answer depends on the seed; one case does the work when it does not.
    var datasetFormIsSeeded: Bool { get }
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws
}

extension RaceProperty {
    public func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { false }
    public var datasetFormIsSeeded: Bool { true }
    public func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        throw PropertyFailure("property \(number) has no form for a dataset", case: dataset.prefix)
    }
}

/// Whether a property's generated form can mean something against moto_server (`Tests/Properties`
/// runs those that can against it as well as against the mock).
public enum MotoSupport: Sendable, Equatable {
    case runs
    case skipped(because: String)
}

/// A failed case: what was generated and what went wrong.
public struct PropertyFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var caseDescription: String
    public init(_ message: String, case caseDescription: String) {
        self.message = message
        self.caseDescription = caseDescription
    }
    public var description: String { "\(message)\n    case: \(caseDescription)" }
}

func require(_ condition: Bool, _ message: @autoclosure () -> String, case description: @autoclosure () -> String)
    throws
{
    if !condition { throw PropertyFailure(message(), case: description()) }
}
