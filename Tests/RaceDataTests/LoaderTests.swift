import Foundation
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

@testable import RaceData

@Suite("CSV parsing", .quietLogs)
struct CSVParsingTests {
    /// Feeds the text in pieces and reads every column as text: the header and the rows as given.
    func parse(_ text: String, pieces: Int = 1, maxFieldBytes: Int = 1 << 20) throws -> (
        header: [String]?, rows: [[String]]
    ) {
        try parse(Array(text.utf8), pieces: pieces, maxFieldBytes: maxFieldBytes)
    }

    func parse(_ bytes: [UInt8], pieces: Int = 1, maxFieldBytes: Int = 1 << 20) throws -> (
        header: [String]?, rows: [[String]]
    ) {
        var assembler = TableAssembler(
            source: "test.csv", kind: .lap(.lapTime), filter: .all, allText: true, maxFieldBytes: maxFieldBytes)
        let size = max(1, bytes.count / pieces)
        let outcome: TableAssembler.Outcome
        do {
            for start in stride(from: 0, to: bytes.count, by: size) {
                try assembler.feed(Array(bytes[start..<min(start + size, bytes.count)]))
            }
            outcome = try assembler.finish()
        } catch {
            if case .csv(let problem) = error { throw problem }
            throw error
        }
        guard case .table(let table) = outcome else {
            Issue.record("all-text tables never retype")
            return (nil, [])
        }
        let rows = (0..<table.rowCount).map { row in
            table.columns.map { column -> String in if case .text(let v) = column { v[row] ?? "" } else { "?" } }
        }
        return (table.names.isEmpty ? nil : table.names, rows)
    }

    @Test(arguments: [1, 3, 7, 1000])
    func quotingLineEndingsAndBOMInAnyPieces(pieces: Int) throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n2,\"two\nlines\",\r\n\r\n3,,last"
        let (header, rows) = try parse(text, pieces: pieces)
        #expect(header == ["a", "b", "c"])
        #expect(rows == [["1", "x,y", "say \"hi\""], ["2", "two\nlines", ""], ["3", "", "last"]])
    }

    @Test(arguments: [1, 4])
    func carriageReturnsAloneEndLinesToo(pieces: Int) throws {
        let (header, rows) = try parse("a,b\r1,2\r3,\"x\ry\"\r", pieces: pieces)
        #expect(header == ["a", "b"])
        #expect(rows == [["1", "2"], ["3", "x\ry"]])
    }

    @Test func semicolonsAreDetectedFromTheHeader() throws {
        let (header, rows) = try parse("POSITION;NUMBER;TIME\n1;78;\"49:12,345\"\n")
        #expect(header == ["POSITION", "NUMBER", "TIME"])
        #expect(rows == [["1", "78", "49:12,345"]])
    }

    @Test(arguments: [
        ("a,b\n1,\"open", 2, "never ends"), ("a,b\n1,2,3\n", 2, "3 fields where the header has 2"),
        ("a,b\n1,x\"y\n", 2, "quote inside"), ("a,b\n1,\"x\"y\n", 2, "after a closing quote"),
        ("a,b\n1,2\n\n3,\"two\nlines\"\n4\n", 6, "1 fields where the header has 2"),
        ("\r\n\na,\"b\nc\"\n1,2,3\n", 5, "3 fields where the header has 2"),
    ])
    func errorsSayWhere(text: String, line: Int, reason: String) {
        let error = #expect(throws: CSVError.self) { try parse(text) }
        #expect(error?.line == line)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.contains("test.csv, line \(line)") == true)
    }

    @Test func invalidUTF8AndHugeFieldsAreErrors() {
        let bad = #expect(throws: CSVError.self) { try parse(Array("a\n".utf8) + [0xFF, 0xFE, 0x0A]) }
        #expect(bad?.reason.contains("UTF-8") == true && bad?.line == 2)
        let big = #expect(throws: CSVError.self) {
            try parse("a\n\(String(repeating: "x", count: 11))\n", maxFieldBytes: 10)
        }
        #expect(big?.reason.contains("longer than 10 bytes") == true)
    }

    /// Records far apart in a large input land in different blocks, parsed on different threads:
    /// errors still name the right line, and rows keep their order.
    @Test func blocksKeepOrderAndLineNumbers() throws {
        var text = "lap,name\n"
        for i in 0..<400_000 { text += "\(i),\"n \(i % 7)\"\n" }
        let (_, rows) = try parse(text, pieces: 13)
        #expect(rows.count == 400_000 && rows[123_456] == ["123456", "n 4"] && rows.last == ["399999", "n 5"])
        let broken = text + "1,2,3\n"
        let error = #expect(throws: CSVError.self) { try parse(broken, pieces: 5) }
        #expect(error?.line == 400_002)
    }

    /// Input that never ends a record is refused once it passes 64 MiB, not held until memory runs out.
    @Test func endlessRecordsAreRefused() throws {
        let rows = String(repeating: "1,2\n", count: 1000)
        for prefix in ["", "a,b\n" + rows] {
            var assembler = TableAssembler(source: "endless.csv", kind: .lap(.lapTime), filter: .all)
            let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
            let error: DataError? = {
                do {
                    try assembler.feed(Array(prefix.utf8))
                    for _ in 0..<80 { try assembler.feed(piece) }
                    return nil
                } catch { return error as? DataError }
            }()
            guard case .csv(let problem)? = error else {
                Issue.record("no error for \(prefix.count)-byte prefix")
                continue
            }
            #expect(problem.reason.contains("longer than 64 MiB") && problem.line == (prefix.isEmpty ? 1 : 1002))
        }
    }

    /// CSV of every shape (quoted cells with commas, line breaks and escaped quotes, CRLF, numbers that
    /// turn into text), a third of it then damaged (a stray quote, bytes that are not UTF-8, a ragged
    /// row, a cut), fed in pieces of every size: a table or a CSVError, never a crash or a wrong count.
    @Test func generatedAndDamagedInputGivesATableOrAnError() async throws {
        var g = SeededGenerator(seed: 99)
        let cells: [(inout SeededGenerator) -> String] = [
            { "\(Int.random(in: -5...40000, using: &$0))" },
            { String(format: "%.3f", Double.random(in: -1...300, using: &$0)) },
            { _ in "" }, { _ in "GR86-004-7" }, { _ in "2025-09-07T14:03:21.5Z" }, { _ in "\"a,b\"" },
            { _ in "\"two\nlines\"" }, { _ in "\"say \"\"hi\"\"\"" }, { _ in "é" },
        ]
        var tables = 0
        var errors = 0
        for round in 0..<200 {
            let columns = Int.random(in: 1...6, using: &g)
            let end = Bool.random(using: &g) ? "\r\n" : "\n"
            var text = (0..<columns).map { "c\($0)" }.joined(separator: ",") + end
            for _ in 0..<Int.random(in: 0...400, using: &g) {
                text += (0..<columns).map { _ in cells.randomElement(using: &g)!(&g) }.joined(separator: ",") + end
            }
            var bytes = Array(text.utf8)
            if !bytes.isEmpty && Int.random(in: 0..<3, using: &g) == 0 {
                let at = Int.random(in: 0..<bytes.count, using: &g)
                switch Int.random(in: 0..<4, using: &g) {
                case 0: bytes.insert(0x22, at: at)
                case 1: bytes.insert(0xFF, at: at)
                case 2: bytes.insert(0x2C, at: at)
                default: bytes.removeSubrange(at...)
                }
            }
            let pieces = Int.random(in: 1...9, using: &g)
            let input = bytes
            do {
                let table = try await TableAssembler.assemble(source: "fuzz-\(round)", kind: .telemetry, filter: .all) {
                    (assembler: inout TableAssembler) throws(DataError) in
                    let size = max(1, input.count / pieces)
                    for start in stride(from: 0, to: input.count, by: size) {
                        try assembler.feed(Array(input[start..<min(start + size, input.count)]))
                    }
                }
                #expect(table.columns.allSatisfy { $0.count == table.rowCount })
                tables += 1
            } catch .csv {
                errors += 1
            } catch {
                Issue.record("round \(round): \(error)")
            }
        }
        #expect(tables > 50 && errors > 20, "\(tables) tables, \(errors) errors: the inputs should reach both")
    }

    @Test func emptyInputIsAnEmptyTableAndAHeaderIsZeroRows() throws {
        var empty = TableAssembler(source: "e", kind: .lap(.lapTime), filter: .all)
        guard case .table(let nothing) = try empty.finish() else {
            Issue.record("no table")
            return
        }
        #expect(nothing == Table(names: [], columns: []))
        var headerOnly = TableAssembler(source: "h", kind: .lap(.lapTime), filter: .all)
        try headerOnly.feed(Array("lap,value\n".utf8))
        guard case .table(let table) = try headerOnly.finish() else {
            Issue.record("no table")
            return
        }
        #expect(table.names == ["lap", "value"] && table.rowCount == 0)
    }
}

@Suite("Tables", .quietLogs)
struct TableTests {
    func table(_ csv: String, pieces: Int = 1) async throws -> Table {
        let bytes = Array(csv.utf8)
        return try await TableAssembler.assemble(source: "t.csv", kind: .lap(.lapTime), filter: .all) {
            (assembler: inout TableAssembler) throws(DataError) in
            let size = max(1, bytes.count / pieces)
            for start in stride(from: 0, to: bytes.count, by: size) {
                try assembler.feed(Array(bytes[start..<min(start + size, bytes.count)]))
            }
        }
    }

    @Test func typesAreInferredFromTheBytes() async throws {
        let table = try await table(
            """
            expire_at,lap,value,timestamp,vehicle_id
            ,1,98.5,2025-09-07T14:03:21.123Z,GR86-004-78
            ,32768,97,2025-09-07T14:05:00Z,GR86-004-78

            """)
        #expect(table.columns[0] == .text([nil, nil]))
        #expect(table.columns[1] == .integer([1, 32768]))
        #expect(table.columns[2] == .double([98.5, 97]))
        #expect(table.columns[3] == .timestamp([1_757_253_801_123, 1_757_253_900_000]))
        #expect(table.columns[4] == .text(["GR86-004-78", "GR86-004-78"]))
        #expect(table.projected(["vehicle_id", "lap"]).names == ["vehicle_id", "lap"])
        #expect(
            table.jsonRows(limit: 1)
                == "[{\"expire_at\":null,\"lap\":1,\"value\":98.5,\"timestamp\":\"2025-09-07T14:03:21.123Z\",\"vehicle_id\":\"GR86-004-78\"}]"
        )
    }

    /// Integers widen to doubles; numbers or timestamps followed by text make the column text, with
    /// the earlier values exactly as written (the input is read again), wherever the change falls.
    @Test(arguments: [1, 2, 5])
    func typesWidenAndFallBackToText(pieces: Int) async throws {
        var csv = "n,mixed,when,code\n"
        for i in 0..<2000 { csv += "\(i),\(i),2025-09-07T14:03:21.\(i % 10)00Z,00\(i)\n" }
        csv += "2000.5,x,later,\n"
        let table = try await table(csv, pieces: pieces)
        guard case .double(let n) = table.columns[0] else {
            Issue.record("n is \(table.columns[0].typeName)")
            return
        }
        #expect(n[7] == 7 && n[2000] == 2000.5)
        guard case .text(let mixed) = table.columns[1], case .text(let when) = table.columns[2],
            case .integer(let code) = table.columns[3]
        else {
            Issue.record("\(table.columns.map(\.typeName))")
            return
        }
        #expect(mixed[1999] == "1999" && mixed[2000] == "x")
        #expect(when[0] == "2025-09-07T14:03:21.000Z" && when[2000] == "later")
        #expect(code[12] == 12 && code[2000] == nil)
    }

    /// Blocks finish out of order on the workers and are joined by whichever finishes the next one:
    /// types widen and fall back to text at the right row, and an error deep in the input names its
    /// line, whichever block it falls in (about 5 blocks of 1 MiB here), before or after the change.
    @Test func blocksJoinedByTheWorkersKeepTypesAndLines() async throws {
        var csv = "n,mixed,value\n"
        for i in 0..<250_000 { csv += "\(i),\(i),\(i % 1000)\n" }
        csv += "x,later,0.5\n"
        for i in 0..<50_000 { csv += "\(i),\(i),\(i)\n" }
        let table = try await table(csv, pieces: 7)
        guard case .text(let n) = table.columns[0], case .text(let mixed) = table.columns[1],
            case .double(let value) = table.columns[2]
        else {
            Issue.record("\(table.columns.map(\.typeName))")
            return
        }
        #expect(table.rowCount == 300_001 && n[249_999] == "249999" && n[250_000] == "x" && mixed[250_000] == "later")
        #expect(value[999] == 999 && value[250_000] == 0.5 && value[300_000] == 49_999)
        for line in [2, 100_000, 250_002, 300_002] {
            var lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
            lines[line - 1] = "1,2"
            let error = await #expect(throws: DataError.self) {
                _ = try await self.table(lines.joined(separator: "\n"), pieces: 3)
            }
            guard case .csv(let problem) = error else {
                Issue.record("line \(line): \(String(describing: error))")
                continue
            }
            #expect(problem.line == line, "\(problem)")
        }
    }

    @Test func doublesAreTheStandardLibrarysDoubles() {
        var generator = SeededGenerator(seed: 3)
        var texts = [
            "0", "-0.0", "+1.5", "1.", ".5", "007.250", "1e5", "-2.5E-3", "123456789012345678", "0.1234567890123456789",
            "9007199254740993", "1.7976931348623157e308", "4.9e-324", "1e", "--1", "1.2.3", "e5", ".",
        ]
        for _ in 0..<2000 {
            let digits = Int.random(in: 1...17, using: &generator)
            let value = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            let dot = Int.random(in: 0...digits, using: &generator)
            texts.append((Bool.random(using: &generator) ? "-" : "") + value.prefix(dot) + "." + value.dropFirst(dot))
        }
        for text in texts {
            let ours = Array(text.utf8).withUnsafeBufferPointer { Cell.double($0) }
            let standard = Double(text)
            #expect(
                ours?.bitPattern == standard?.bitPattern,
                "\(text): \(String(describing: ours)) vs \(String(describing: standard))")
        }
    }
}

@Suite("Timestamps", .quietLogs)
struct TimestampTests {
    /// The arithmetic date conversion agrees with libc's timegm across two centuries and leap days.
    @Test func civilDaysMatchTimegm() {
        var seconds = time_t(-2_208_988_800)  // 1900-01-01
        while seconds < 4_102_444_800 {  // 2100-01-01
            var t = tm()
            gmtime_r(&seconds, &t)
            let text = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.250Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                t.tm_min, t.tm_sec)
            #expect(Timestamp.parse(text) == Int64(seconds) * 1000 + 250, "\(text)")
            seconds += 3_196_811  // about 37 days, drifting through every hour and weekday
        }
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(Timestamp.parse("2025-13-01T00:00:00Z") == nil)
    }
}

@Suite("Naming rules", .quietLogs)
struct NamingTests {
    @Test(arguments: [
        ("R1_barber_lap_start.csv", "R1", "lap_start"), ("COTA_lap_start_time_R1.csv", "R1", "lap_start"),
        ("COTA_lap_end_time_R2.csv", "R2", "lap_end"), ("COTA_lap_time_R1.csv", "R1", "lap_time"),
        ("R1_indianapolis_motor_speedway_lap_time.csv", "R1", "lap_time"),
        ("road_america_lap_start_R12.csv", "R12", "lap_start"),
        ("sebring_telemetry_R1.csv", "R1", "telemetry"), ("R2_vir_telemetry_data.CSV", "R2", "telemetry"),
        ("r3-Some-Track-Lap-End.csv", "R3", "lap_end"), ("R10 new track lap time.csv", "R10", "lap_time"),
    ])
    func classifiesByRule(name: String, session: String, kind: String) {
        let found = FileNaming.classify(fileName: name)
        #expect(found?.session == Session(session) && found?.kind == TableKind(kind))
    }

    @Test(arguments: [
        "._sonoma_lap_time_R1.csv", ".DS_Store", "03_Provisional Results_Race 1_Anonymized.CSV",
        "99_Best 10 Laps By Driver_Race 1_Anonymized.CSV", "notes.txt", "R1_lap_start_lap_end.csv",
        "track_R1_lap_time.txt",
    ])
    func ignoresEverythingElse(name: String) {
        #expect(FileNaming.classify(fileName: name) == nil)
    }

    @Test func sessionsInNaturalOrderFallingBackToLapTimes() {
        let files = [
            "Race 10/x_lap_start_R10.csv", "Race 2/x_lap_start_R2.csv", "Race 1/x_lap_start_R1.csv",
            "x_lap_time_R7.csv",
        ]
        #expect(FileNaming.sessions(files).map(\.token) == ["R1", "R2", "R10"])
        #expect(
            FileNaming.sessions(["a/R3_t_lap_time.csv", "R1_t_lap_time.csv", "._R9_t_lap_start.csv"]).map(\.token) == [
                "R1", "R3",
            ])
    }

    @Test func priorityIsDepthThenLengthThenBytes() {
        let files = [
            "Race 1/deep/R1_x_lap_time.csv", "Race 1/R1_xx_lap_time.csv", "Race 1/R1_x_lap_time.csv",
            "._R1_x_lap_time.csv",
        ]
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

@Suite("Configuration picks the source", .quietLogs)
struct DataConfigurationTests {
    @Test(arguments: [
        ("true", true), (" TRUE ", true), ("1", true), ("Yes", true), ("on", true), ("false", false),
        ("0", false), ("NO", false), ("off", false), ("", false), ("  ", false),
    ])
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
            try DataConfiguration.fromEnvironment([
                "USE_S3_DATA": "true", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B",
            ])
        }
        #expect("\(error!)".contains("S3_BUCKET_NAME"))
        let c = try DataConfiguration.fromEnvironment([
            "USE_S3_DATA": "yes", "S3_BUCKET_NAME": "race", "S3_PREFIX": "raw",
            "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B",
        ])
        #expect(c.choice == .s3(bucket: "race", prefix: "raw/"))
        let local = try DataConfiguration.fromEnvironment(["DATA_DIR": "/srv/data"])
        #expect(local.choice == .local(root: "/srv/data"))
        #expect(
            try DataConfiguration.fromEnvironment(["USE_S3_DATA": "1"], sourceOverride: "local").choice
                == .local(root: "./data"))
    }
}

@Suite("Local data source on the real layout", .quietLogs)
struct LocalSourceTests {
    @Test func everyTrackSessionAndTableLoads() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try DatasetGenerator(seed: 3).write(to: root)
        let source = LocalDataSource(root: root)
        let tracks = try await source.tracks()
        #expect(
            tracks == TrackLayout.hackTheTrack.map(\.directory).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for layout in TrackLayout.hackTheTrack {
            #expect(try await source.sessions(track: layout.directory)?.map(\.token) == ["R1", "R2"])
            for n in 1...2 {
                let session = Session("R\(n)")!
                for kind in LapKind.allCases {
                    let loaded = try #require(
                        try await source.lapTimes(track: layout.directory, session: session, kind: kind))
                    #expect(
                        loaded.location == "\(layout.directory)/\(layout.folder(n))\(layout.fileName(.lap(kind), n))")
                    #expect(loaded.table.rowCount == 20)
                    #expect(loaded.table.column("lap")?.typeName == "integer")
                    #expect(loaded.table.column("timestamp")?.typeName == "timestamp")
                }
                let telemetry = try #require(try await source.telemetry(track: layout.directory, session: session))
                #expect(telemetry.table.rowCount == 4 * 5 * 12)
                let one = try #require(
                    try await source.telemetry(
                        track: layout.directory, session: session,
                        filter: TelemetryFilter(vehicles: ["0"], laps: 2...3, parameters: ["speed", "gear"])))
                #expect(one.table.rowCount > 0 && one.table.rowCount < 30)
                #expect(
                    one.table.column("vehicle_number")
                        == .integer(IntegerValues(Array(repeating: Int64(0), count: one.table.rowCount))))
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
        guard case .integer(let values) = laps.table.column("lap") else {
            Issue.record("lap is not integer")
            return
        }
        #expect(values.contains(32768))
    }
}
