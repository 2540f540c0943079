import MockS3Server

/// The properties, in number order: verify (`--property`, its help), `swift test` (every one
/// against the mock, those `onMoto` allows against moto) and docs/properties.md take them from here.
public enum PropertyRegistry {
    public static let all: [any RaceProperty] = [
        UploadPreservesStructure(), ConfigurationChoosesSource(), NotFoundIsNil(), AlternativePatterns(),
        TrackDiscovery(), SessionDiscovery(), InvalidCredentials(), SameDataFromBothSources(),
    ]

    /// The property numbered `number`, if there is one.
    public static func property(_ number: Int) -> (any RaceProperty)? {
        all.first { $0.number == number }
    }

    /// `1–8`: the numbers, as help text gives them.
    public static var numbers: String { "\(all.first?.number ?? 1)–\(all.last?.number ?? 1)" }
}

public enum PropertyFixtures {
    /// The temporary key pair the mock must know as expired, for property 7.
    public static var expiredCredential: MockCredential { InvalidCredentials.expired }
}
