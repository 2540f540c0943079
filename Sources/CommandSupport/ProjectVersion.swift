/// The version every program reports (`--version`, and in verify's JSON report).
public enum ProjectVersion {
    public static let current = "0.9.0"
}
