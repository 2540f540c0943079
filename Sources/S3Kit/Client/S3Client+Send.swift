import Foundation
import S3Wire

extension S3Client {
    /// Signs and sends one S3 request, retrying what may succeed on a later attempt, and turns every
    /// failure into an `S3Error`. A 2xx answer comes back; anything else throws. A body the server
    /// refuses in checksum-trailer mode is sent once more without the trailer (`PayloadModeMemory`).
    func send(
        _ operation: S3Operation, bucket: String, key: String? = nil, method: RequestMethod,
        query: [RequestTarget.QueryItem] = [], headers: HeaderFields = HeaderFields(), body: RequestBody = .empty,
        contentMD5: Bool = false, stream: Bool = false, maxResponseBytes: Int? = nil
    ) async throws(S3Error) -> HTTPResponse {
        func attempt(_ mode: PayloadSigning) async throws(S3Error) -> HTTPResponse {
            do {
                return try await send(
                    operation, bucket: bucket, key: key, method: method, query: query, headers: headers, body: body,
                    contentMD5: contentMD5, stream: stream, maxResponseBytes: maxResponseBytes, mode: mode)
            } catch let error where (mode == .checksumTrailer || mode == .streaming) && framed {
                guard PayloadModeMemory.isTrailerRefusal(error), case .service(var e) = error else { throw error }
                e.refusedPayload = mode
                throw .service(e)
            }
        }
        let framed = operation.carriesObjectData && body.length > 0
        let mode = payloadModes.mode(configuration)
        do {
            return try await attempt(mode)
        } catch let error where mode == .checksumTrailer && framed && PayloadModeMemory.isTrailerRefusal(error) {
            let fallback = PayloadSigning.withoutTrailer(signed: configuration.credentials != nil)
            if payloadModes.refuseTrailer(), case .service(let e) = error {
                configuration.notice(
                    "\(configuration.endpoint.host)\(configuration.endpoint.port.map { ":\($0)" } ?? "") does not understand checksum trailers (\(e.operation.rawValue) answered \(e.status) \(e.code) to x-amz-content-sha256: \(mode.contentSHA256)); sending \(fallback.contentSHA256) from now on. AWS_REQUEST_CHECKSUM_CALCULATION=when_required skips the first try."
                )
            }
            return try await attempt(fallback)
        }
    }

    private func send(
        _ operation: S3Operation, bucket: String, key: String?, method: RequestMethod,
        query: [RequestTarget.QueryItem], headers: HeaderFields, body: RequestBody,
        contentMD5: Bool, stream: Bool, maxResponseBytes: Int?, mode: PayloadSigning
    ) async throws(S3Error) -> HTTPResponse {
        guard !bucket.isEmpty else {
            throw .invalidArgument("\(operation.rawValue) needs a bucket name; none was given (set S3_BUCKET_NAME).")
        }
        if let key, key.isEmpty {
            throw .invalidArgument("\(operation.rawValue) needs an object key; an empty one was given.")
        }

        var headers = headers
        // Chunk signatures or a checksum trailer carry an object body's integrity, so those modes skip the
        // hashing pre-pass (and Content-MD5): the body is read once.
        let framed = operation.carriesObjectData && body.length > 0
        let streaming = framed && mode == .streaming && configuration.credentials != nil
        let checksummed = framed && mode == .checksumTrailer
        let digests =
            streaming
            ? Digests(payloadHash: ChunkSigner.payloadHash, md5: nil)
            : checksummed
                ? Digests(payloadHash: ChecksumTrailerFraming.payloadHash, md5: nil)
                : try digest(body, operation: operation, md5: contentMD5, signPayload: mode == .signed)
        if let md5 = digests.md5 { headers.set("Content-MD5", md5) }
        if streaming || checksummed {
            headers.set("Content-Encoding", "aws-chunked")
            headers.set("x-amz-decoded-content-length", String(body.length))
        }
        if streaming {
            headers.set(
                "Content-Length",
                String(ChunkSigner.encodedLength(body.length, chunkSize: ChunkSigner.defaultChunkSize)))
        }
        if checksummed {
            headers.set("x-amz-trailer", ChecksumTrailerFraming.trailerName)
            headers.set("Content-Length", String(ChecksumTrailerFraming.encodedLength(body.length)))
        }
        let wireBody: RequestBody = checksummed ? .checksummedChunks(body) : body
        let target = configuration.endpoint.target(bucket: bucket, key: key, query: query)
        let policy = configuration.retry
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPRequest(method: method, target: target, headers: headers, body: wireBody)
            request.maxResponseBytes = maxResponseBytes
            if let credentials = configuration.credentials {
                let signer = SigV4Signer(credentials: credentials, region: configuration.region, keyCache: signingKeys)
                let date = now()
                let seed = signer.sign(&request, payloadHash: digests.payloadHash, date: date)
                if streaming {
                    let stamp = AmzDate(date)
                    request.body = .signedChunks(
                        body,
                        ChunkSigner(
                            signingKey: signer.signingKey(stamp.day), amzDate: stamp.full,
                            scope: seed.credentialScope, seedSignature: seed.signature))
                }
            }
            let outcome: Result<HTTPResponse, TransportError>
            do {
                outcome = .success(try await transport.execute(request, streamBody: stream))
            } catch let error as TransportError {
                outcome = .failure(error)
            } catch {
                throw .transport(
                    TransportError(
                        .cancelled, endpoint: target.scheme + "://" + target.hostHeader,
                        detail: "\(error)"), operation: operation, attempts: attempt)
            }
            let failure: S3Error
            switch outcome {
            case .success(let response):
                if (200..<300).contains(response.status) {
                    // CompleteMultipartUpload and CopyObject may fail after their 200 has been sent.
                    guard operation == .completeMultipartUpload || operation == .copyObject,
                        let root = try? XML.parse(response.body), root.name == "Error"
                    else { return response }
                    failure = serviceError(
                        operation, bucket: bucket, key: key, response: response, attempts: attempt, root: root)
                } else {
                    failure = serviceError(operation, bucket: bucket, key: key, response: response, attempts: attempt)
                }
                guard attempt < policy.maxAttempts, Self.isRetryable(failure) else { throw failure }
            case .failure(var error):
                error.detail += " on \(Self.resource(bucket: bucket, key: key))"
                failure = .transport(error, operation: operation, attempts: attempt)
                guard attempt < policy.maxAttempts, error.retryable, operation.idempotent else { throw failure }
            }
            do {
                try await Task.sleep(for: .seconds(policy.delay(after: attempt, using: &random)))
            } catch {
                throw failure
            }
        }
    }

    /// `s3://bucket/key`, for messages.
    static func resource(bucket: String?, key: String?) -> String {
        "s3://" + [bucket, key].compactMap { $0 }.joined(separator: "/")
    }

    static func isRetryable(_ error: S3Error) -> Bool {
        guard case .service(let e) = error, !error.isAuthFailure else { return false }
        return RetryPolicy.retryableCodes.contains(e.code) || RetryPolicy.retryableStatuses.contains(e.status)
    }

    struct Digests {
        var payloadHash: String
        var md5: String?
    }

    /// The payload hash the signature needs and the Content-MD5 S3 checks, from one pass over the body.
    func digest(_ body: RequestBody, operation: S3Operation, md5 wantMD5: Bool, signPayload: Bool) throws(S3Error)
        -> Digests
    {
        let signPayload = signPayload && configuration.credentials != nil
        if case .empty = body {
            return Digests(payloadHash: SigV4Signer.emptyPayloadSHA256, md5: wantMD5 ? "1B2M2Y8AsgTpgAmY7PhCfg==" : nil)
        }
        guard signPayload || wantMD5 else { return Digests(payloadHash: SigV4Signer.unsignedPayload, md5: nil) }
        let sha = signPayload ? Digest(.sha256) : nil
        let md5 = wantMD5 ? Digest(.md5) : nil
        if case .signedChunks = body {
            throw .invalidArgument(
                "\(operation.rawValue): pass the plain body; the client frames aws-chunked bodies itself.")
        }
        if case .checksummedChunks = body {
            throw .invalidArgument(
                "\(operation.rawValue): pass the plain body; the client frames aws-chunked bodies itself.")
        }
        if case .bytes(let bytes) = body {
            bytes.withUnsafeBytes {
                sha?.update($0)
                md5?.update($0)
            }
        } else {
            do throws(TransportError) {
                let source = try RawSource(body)
                defer { source.close() }
                let buffer = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: Int(min(1 << 20, max(body.length, 1))), alignment: 16)
                defer { buffer.deallocate() }
                while case let n = try source.read(into: buffer), n > 0 {
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                    sha?.update(chunk)
                    md5?.update(chunk)
                }
            } catch {
                throw .invalidArgument("\(operation.rawValue): the body could not be read: \(error.detail).")
            }
        }
        return Digests(
            payloadHash: sha?.finalize().hexString ?? SigV4Signer.unsignedPayload,
            md5: md5.map { Data($0.finalize()).base64EncodedString() })
    }

    func serviceError(
        _ operation: S3Operation, bucket: String, key: String?, response: HTTPResponse, attempts: Int,
        root: XML.Element? = nil
    ) -> S3Error {
        let xml = root ?? (try? XML.parse(response.body)).flatMap { $0.name == "Error" ? $0 : nil }
        let headers = response.head.headers
        let code = xml?.value("Code") ?? Self.codeForBareStatus(response.status, operation: operation)
        var message = xml?.value("Message") ?? ""
        if let keyId = configuration.credentials?.accessKeyId, !keyId.isEmpty {
            message = message.replacingOccurrences(of: keyId, with: Credentials.redact(keyId))
        }
        return .service(
            .init(
                operation: operation, code: code, message: String(message.prefix(500)), status: response.status,
                requestId: xml?.value("RequestId") ?? headers["x-amz-request-id"] ?? headers["x-amzn-requestid"],
                bucket: bucket, key: key,
                region: headers["x-amz-bucket-region"] ?? xml?.value("Region"),
                configuredRegion: configuration.region,
                redactedKeyId: configuration.credentials?.redactedKeyId, attempts: attempts))
    }

    /// HEAD answers (and some proxies) have no error body: name the status the way S3 would.
    static func codeForBareStatus(_ status: Int, operation: S3Operation) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 304: "NotModified"
        case 404: operation == .headBucket ? "NoSuchBucket" : (operation == .headObject ? "NotFound" : "HTTP404")
        case 412: "PreconditionFailed"
        case 416: "InvalidRange"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        default: "HTTP\(status)"
        }
    }

    func parseXML(_ body: [UInt8], _ operation: S3Operation, expecting name: String) throws(S3Error) -> XML.Element {
        let root: XML.Element
        do { root = try XML.parse(body) } catch {
            throw .invalidResponse(operation: operation, detail: error.description)
        }
        // Only the shape is checked, not the root's name: peers differ there (moto answers a completed
        // multipart upload with <CompleteMultipartUploadResponse>), and an <Error> is never a result.
        guard root.name != "Error" else {
            throw .invalidResponse(operation: operation, detail: "expected <\(name)>, got an <Error> in a 2xx answer")
        }
        return root
    }
}

extension S3Error {
    public var status: Int? {
        if case .service(let e) = self { return e.status }
        return nil
    }
}

/// An object's bytes as an async sequence of chunks. A dropped connection mid-body is resumed with a
/// ranged GET carrying `If-Match` (so a changed object fails rather than splices), up to the retry limit.
public struct ObjectBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let client: S3Client
    let bucket: String
    let key: String
    let etag: String
    let start: UInt64
    let length: UInt64
    let first: ResponseBodyStream?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let body: ObjectBody
        var current: ResponseBodyStream?
        var received: UInt64 = 0
        var resumes = 0

        public mutating func next() async throws -> [UInt8]? {
            while true {
                guard let stream = current else { return nil }
                do {
                    if let chunk = try await stream.next() {
                        received += UInt64(chunk.count)
                        return chunk
                    }
                    if received >= body.length {
                        current = nil
                        return nil
                    }
                    throw TransportError(
                        .connectionDropped, endpoint: body.client.configuration.endpoint.host,
                        detail: "body ended after \(received) of \(body.length) bytes")
                } catch let error as TransportError where error.retryable {
                    let policy = body.client.configuration.retry
                    guard resumes + 1 < policy.maxAttempts else {
                        var error = error
                        error.detail += " on \(S3Client.resource(bucket: body.bucket, key: body.key))"
                        throw S3Error.transport(error, operation: .getObject, attempts: resumes + 1)
                    }
                    resumes += 1
                    var random = SystemRandomNumberGenerator()
                    try await Task.sleep(for: .seconds(policy.delay(after: resumes, using: &random)))
                    var headers = HeaderFields()
                    headers.add("Range", ByteRange.closed(body.start + received, body.start + body.length - 1).header)
                    headers.add("If-Match", "\"\(body.etag)\"")
                    current = try await body.client.send(
                        .getObject, bucket: body.bucket, key: body.key, method: .get,
                        headers: headers, stream: true
                    ).stream
                }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self, current: first) }
}
