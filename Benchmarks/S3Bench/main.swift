import Foundation
import RaceData

// s3bench: times one S3 client operation in-process, for Benchmarks/client-throughput.sh.
//   s3bench get  ENDPOINT BUCKET KEY
//   s3bench put  ENDPOINT BUCKET KEY FILE signed|unsigned|streaming md5|nomd5
// Prints "<operation> <bytes> <seconds> <MB/s>" (MB = 10^6 bytes).

let arguments = CommandLine.arguments
guard arguments.count >= 5, ["get", "put"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: s3bench get|put ENDPOINT BUCKET KEY [FILE signed|unsigned md5|nomd5]\n".utf8))
    exit(2)
}
let (operation, endpoint, bucket, key) = (arguments[1], arguments[2], arguments[3], arguments[4])
let signing: PayloadSigning = switch arguments.count > 6 ? arguments[6] : "signed" {
case "unsigned": .unsigned
case "streaming": .streaming
default: .signed
}
let configuration = S3Configuration(
    region: "us-east-1", endpoint: try S3Endpoint.custom(endpoint),
    credentials: Credentials(accessKeyId: "AKIABENCHMARK0000000", secretAccessKey: "benchmark-secret"),
    retry: .none, payloadSigning: signing)
let client = S3Client(configuration: configuration)

let started = Date()
var bytes: UInt64 = 0
do {
switch operation {
case "get":
    guard let object = try await client.getObject(bucket: bucket, key: key) else {
        FileHandle.standardError.write(Data("no such object\n".utf8)); exit(1)
    }
    for try await chunk in object.body { bytes += UInt64(chunk.count) }
default:
    let file = arguments[5]
    let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value ?? 0
    let md5 = arguments.count > 7 && arguments[7] == "md5"
    _ = try await client.putObject(bucket: bucket, key: key, body: .file(path: file, offset: 0, length: size),
                                   options: PutOptions(contentMD5: md5))
    bytes = size
}
} catch {
    FileHandle.standardError.write(Data("s3bench: \(error)\n".utf8))
    exit(1)
}
let seconds = Date().timeIntervalSince(started)
print(String(format: "%@ %llu %.4f %.1f", operation, bytes, seconds, Double(bytes) / seconds / 1e6))
