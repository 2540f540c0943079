import Foundation

/// One request being served: what it is, who asked, where its body goes, and the fault it meets.
final class S3Exchange {
    let request: IncomingRequest
    let operation: APIOperation
    let principal: Principal
    let caller: Account?
    let requestId: String
    /// Recorded in the journal.
    let fault: FaultInjector.Decision
    /// The policy's verdict: cut the connection halfway through the body.
    let dropMidBody: Bool
    var verifier: BodyVerifier?
    var writer: (any BlobWriter)?
    var small: [UInt8] = []
    var received: UInt64 = 0
    var expectedLength: UInt64?

    init(
        request: IncomingRequest, operation: APIOperation, admission: RequestPolicy.Admission, requestId: String,
        fault: FaultInjector.Decision
    ) {
        self.request = request
        self.operation = operation
        self.principal = admission.principal
        self.caller = admission.caller
        self.requestId = requestId
        self.fault = fault
        self.dropMidBody = admission.dropMidBody
    }
}
