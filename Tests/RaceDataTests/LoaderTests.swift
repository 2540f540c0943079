import Foundation
import Testing
@testable import RaceData

@Suite("CSV reader")
struct CSVReaderTests {
    func parse(_ text: String, pieces: Int = 1) throws -> (header: [String]?, rows: [[String]]) {
        var reader = CSVReader(source: "test.csv")
        var rows: [[String]] = []
        let bytes = Array(text.utf8)
        let size = max(1, bytes.count / pieces)
        for start in stride(from: 0, to: bytes.count, by: size) {
            try bytes[start..<min(start + size, bytes.count)].withUnsafeBytes { try reader.feed($0) { rows.append($0.strings) } }
        }
        try reader.finish { rows.append($0.strings) }
        return (reader.header, rows)
    }

    @Test(arguments: [1, 3, 7, 1000])
    func quotingLineEndingsAndBOMInAnyPieces(pieces: Int) throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",\r\n3,,last"
        let (header, rows) = try parse(text, pieces: pieces)
        #expect(header == ["a", "b", "c"])
        #expect(rows == [["1", "x,y", "say \"hi\""], ["2", "two\nlines", ""], ["3", "", "last"]])
    }

    @Test func semicolonsAreDetectedFromTheHeader() throws {
        let (header, rows) = try parse("POSITION;NUMBER;TIME\n1;78;\"49:12,345\"\n")
        #expect(header == ["POSITION", "NUMBER", "TIME"])
        #expect(rows == [["1", "78", "49:12,345"]])
    }

    @Test(arguments: [
        ("a,b\n1,\"open", 2, "never ends"), ("a,b\n1,2,3\n", 2, "3 fields where the header has 2"),
        ("a,b\n1,x\"y\n", 2, "quote inside"), ("a,b\n1,\"x\"y\n", 2, "after a closing quote"),
    ])
    func errorsSayWhere(text: String, line: Int, reason: String) {
        let error = #expect(throws: CSVError.self) { try parse(text) }
        #expect(error?.line == line)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.contains("test.csv, line \(line)") == true)
    }

    @Test func invalidUTF8AndHugeFieldsAreErrors() {
        var reader = CSVReader(source: "bad.csv", maxFieldBytes: 10)
        #expect(throws: CSVError.self) {
            try [UInt8]("a\n".utf8 + [0xFF, 0xFE, 0x0A]).withUnsafeBytes { try reader.feed($0) { _ in } }
            try reader.finish { _ in }
        }
        var small = CSVReader(source: "big.csv", maxFieldBytes: 10)
        #expect(throws: CSVError.self) {
            try Array("a\n\(String(repeating: "x", count: 11))\n".utf8).withUnsafeBytes { try small.feed($0) { _ in } }
        }
    }

    @Test func emptyInputIsAnEmptyTableAndAHeaderIsZeroRows() throws {
        var empty = TableAssembler(source: "e", kind: .lap(.lapTime), filter: .all)
        #expect(try empty.finish() == Table(names: [], columns: []))
        var headerOnly = TableAssembler(source: "h", kind: .lap(.lapTime), filter: .all)
        try headerOnly.feed(Array("lap,value\n".utf8))
        let table = try headerOnly.finish()
        #expect(table.names == ["lap", "value"] && table.rowCount == 0)
    }
}

@Suite("Tables")
struct TableTests {
    @Test func typesAreInferredFromTheBytes() {
        var builder = TableBuilder(names: ["expire_at", "lap", "value", "timestamp", "vehicle_id"])
        builder.append(["", "1", "98.5", "2025-09-07T14:03:21.123Z", "GR86-004-78"])
        builder.append(["", "32768", "97", "2025-09-07T14:05:00Z", "GR86-004-78"])
        let table = builder.build()
        #expect(table.columns[0] == .text([nil, nil]))
        #expect(table.columns[1] == .integer([1, 32768]))
        #expect(table.columns[2] == .double([98.5, 97]))
        #expect(table.columns[3] == .timestamp([1_757_253_801_123, 1_757_253_900_000]))
        #expect(table.columns[4] == .text(["GR86-004-78", "GR86-004-78"]))
        #expect(table.projected(["vehicle_id", "lap"]).names == ["vehicle_id", "lap"])
        #expect(table.jsonRows(limit: 1) == "[{\"expire_at\":null,\"lap\":1,\"value\":98.5,\"timestamp\":\"2025-09-07T14:03:21.123Z\",\"vehicle_id\":\"GR86-004-78\"}]")
    }
}

@Suite("Timestamps")
struct TimestampTests {
    /// The arithmetic date conversion agrees with libc's timegm across two centuries and leap days.
    @Test func civilDaysMatchTimegm() {
        var seconds = time_t(-2_208_988_800) // 1900-01-01
        while seconds < 4_102_444_800 {      // 2100-01-01
            var t = tm()
            gmtime_r(&seconds, &t)
            let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.250Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
            #expect(Timestamp.parse(text) == Int64(seconds) * 1000 + 250, "\(text)")
            seconds += 3_196_811 // about 37 days, drifting through every hour and weekday
        }
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(Timestamp.parse("2025-13-01T00:00:00Z") == nil)
    }
}

@Suite("Naming rules")
struct NamingTests {
    @Test(arguments: [
        ("R1_barber_lap_start.csv", "R1", "lap_start"), ("COTA_lap_start_time_R1.csv", "R1", "lap_start"),
        ("COTA_lap_end_time_R2.csv", "R2", "lap_end"), ("COTA_lap_time_R1.csv", "R1", "lap_time"),
        ("R1_indianapolis_motor_speedway_lap_time.csv", "R1", "lap_time"), ("road_america_lap_start_R12.csv", "R12", "lap_start"),
        ("sebring_telemetry_R1.csv", "R1", "telemetry"), ("R2_vir_telemetry_data.CSV", "R2", "telemetry"),
        ("r3-Some-Track-Lap-End.csv", "R3", "lap_end"), ("R10 new track lap time.csv", "R10", "lap_time"),
    ])
    func classifiesByRule(name: String, session: String, kind: String) {
        let found = FileNaming.classify(fileName: name)
        #expect(found?.session == Session(session) && found?.kind == TableKind(kind))
    }

    @Test(arguments: ["._sonoma_lap_time_R1.csv", ".DS_Store", "03_Provisional Results_Race 1_Anonymized.CSV",
                      "99_Best 10 Laps By Driver_Race 1_Anonymized.CSV", "notes.txt", "R1_lap_start_lap_end.csv", "track_R1_lap_time.txt"])
    func ignoresEverythingElse(name: String) {
        #expect(FileNaming.classify(fileName: name) == nil)
    }

    @Test func sessionsInNaturalOrderFallingBackToLapTimes() {
        let files = ["Race 10/x_lap_start_R10.csv", "Race 2/x_lap_start_R2.csv", "Race 1/x_lap_start_R1.csv", "x_lap_time_R7.csv"]
        #expect(FileNaming.sessions(files).map(\.token) == ["R1", "R2", "R10"])
        #expect(FileNaming.sessions(["a/R3_t_lap_time.csv", "R1_t_lap_time.csv", "._R9_t_lap_start.csv"]).map(\.token) == ["R1", "R3"])
    }

    @Test func priorityIsDepthThenLengthThenBytes() {
        let files = ["Race 1/deep/R1_x_lap_time.csv", "Race 1/R1_xx_lap_time.csv", "Race 1/R1_x_lap_time.csv", "._R1_x_lap_time.csv"]
        #expect(FileNaming.choose(files, session: Session("R1")!, kind: .lap(.lapTime)) == "Race 1/R1_x_lap_time.csv")
    }

    @Test(arguments: ["..", ".", "", "a/b", "a\\b", "%2e%2e%2Fetc", "/etc", "x\0y", "~root"])
    func pathTricksAreRefused(track: String) {
        #expect(throws: DataError.self) { try FileNaming.validateTrack(track) }
    }

    @Test func sessionArgumentsAreChecked() {
        #expect(throws: DataError.self) { try FileNaming.validateSession("R1/../x") }
        #expect(throws: DataError.self) { try FileNaming.validateSession("1") }
        #expect((try? FileNaming.validateSession("r2"))?.token == "R2")
    }

    @Test func candidatesCoverTheConventionsThatFollowFromTheFolderName() throws {
        for layout in TrackLayout.hackTheTrack where layout.directory != "indianapolis" {
            for kind in [TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry] {
                let candidates = FileNaming.candidates(track: layout.directory, session: Session("R1")!, kind: kind)
                #expect(candidates.contains(layout.folder(1) + layout.fileName(kind, 1)), "\(layout.directory) \(kind)")
            }
        }
    }
}

@Suite("Configuration picks the source")
struct DataConfigurationTests {
    @Test(arguments: [("true", true), (" TRUE ", true), ("1", true), ("Yes", true), ("on", true), ("false", false),
                      ("0", false), ("NO", false), ("off", false), ("", false), ("  ", false)])
    func useS3Values(raw: String, expected: Bool) throws {
        #expect(try DataConfiguration.useS3(raw) == expected)
    }

    @Test func unsetIsLocalAndGarbageIsAnError() throws {
        #expect(try DataConfiguration.useS3(nil) == false)
        let error = #expect(throws: DataError.self) { try DataConfiguration.useS3("maybe") }
        #expect("\(error!)".contains("true, 1, yes or on"))
    }

    @Test func s3NeedsABucketAndHasNoDefault() throws {
        let error = #expect(throws: DataError.self) {
            try DataConfiguration.fromEnvironment(["USE_S3_DATA": "true", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"])
        }
        #expect("\(error!)".contains("S3_BUCKET_NAME"))
        let c = try DataConfiguration.fromEnvironment(["USE_S3_DATA": "yes", "S3_BUCKET_NAME": "race", "S3_PREFIX": "raw",
                                                       "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"])
        #expect(c.choice == .s3(bucket: "race", prefix: "raw/"))
        let local = try DataConfiguration.fromEnvironment(["DATA_DIR": "/srv/data"])
        #expect(local.choice == .local(root: "/srv/data"))
        #expect(try DataConfiguration.fromEnvironment(["USE_S3_DATA": "1"], sourceOverride: "local").choice == .local(root: "./data"))
    }
}

@Suite("Local data source on the real layout")
struct LocalSourceTests {
    @Test func everyTrackSessionAndTableLoads() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try DatasetGenerator(seed: 3).write(to: root)
        let source = LocalDataSource(root: root)
        let tracks = try await source.tracks()
        #expect(tracks == TrackLayout.hackTheTrack.map(\.directory).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for layout in TrackLayout.hackTheTrack {
            #expect(try await source.sessions(track: layout.directory)?.map(\.token) == ["R1", "R2"])
            for n in 1...2 {
                let session = Session("R\(n)")!
                for kind in LapKind.allCases {
                    let loaded = try #require(try await source.lapTimes(track: layout.directory, session: session, kind: kind))
                    #expect(loaded.location == "\(layout.directory)/\(layout.folder(n))\(layout.fileName(.lap(kind), n))")
                    #expect(loaded.table.rowCount == 20)
                    #expect(loaded.table.column("lap")?.typeName == "integer")
                    #expect(loaded.table.column("timestamp")?.typeName == "timestamp")
                }
                let telemetry = try #require(try await source.telemetry(track: layout.directory, session: session))
                #expect(telemetry.table.rowCount == 4 * 5 * 12)
                let one = try #require(try await source.telemetry(track: layout.directory, session: session,
                                                                   filter: TelemetryFilter(vehicles: ["0"], laps: 2...3, parameters: ["speed", "gear"])))
                #expect(one.table.rowCount > 0 && one.table.rowCount < 30)
                #expect(one.table.column("vehicle_number") == .integer(Array(repeating: 0, count: one.table.rowCount)))
            }
        }
        #expect(try await source.sessions(track: "nowhere") == nil)
        #expect(try await source.lapTimes(track: "COTA", session: Session("R9")!, kind: .lapTime) == nil)
        await #expect(throws: DataError.self) { _ = try await source.sessions(track: "../etc") }
    }

    @Test func glitchLapsAreKeptButEasyToDrop() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try DatasetGenerator(seed: 4).write(to: root)
        let source = LocalDataSource(root: root)
        let laps = try #require(try await source.lapTimes(track: "Sonoma", session: Session("R1")!, kind: .lapTime))
        guard case .integer(let values) = laps.table.column("lap") else { Issue.record("lap is not integer"); return }
        #expect(values.contains(32768))
    }
}
