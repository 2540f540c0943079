import S3Kit

/// Why a load failed. Not-found is never an error (loads return nil); these are the failures a
/// person must act on, each with a message that says what to do.
public enum DataError: Error, Sendable, CustomStringConvertible {
    /// S3 failed: credentials, permissions, network (the wrapped error says which and what to do).
    case storage(S3Error)
    /// A local file could not be read.
    case file(path: String, reason: String)
    /// The data is not valid CSV.
    case csv(CSVError)
    /// A track or session argument is not acceptable (path tricks, malformed session).
    case invalidArgument(String)
    /// The configuration does not say where the data is.
    case configuration(String)

    public var description: String {
        switch self {
        case .storage(let e): "\(e)"
        case .file(let path, let reason):
            "Could not read \(path): \(reason). Check that DATA_DIR points at the data folder and that it is readable."
        case .csv(let e): "\(e)"
        case .invalidArgument(let m): m
        case .configuration(let m): m
        }
    }
}
