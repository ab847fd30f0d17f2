import VLP

/// An attention map the UI asked for (`TrainingEngine.attend`), from the weights of `step`.
public struct AttentionProbeResult: Sendable {
  public var request: Int
  public var variant: String
  public var step: Int
  public var asked: AttentionMapRequest
  /// nil when the map could not be computed; `failure` says why.
  public var map: AttentionMap?
  public var failure: String?
}

extension TrainingEngine {
  /// Asks for where the model looks on a held-out pair (`AttentionMapProbe`), computed between
  /// steps; the answer appears in `snapshot.attention` with the returned request number.
  @discardableResult
  public func attend(variant: String, request: AttentionMapRequest) -> Int {
    changeRequests { requests in
      defer { requests.nextRequestID += 1 }
      requests.attention = (requests.nextRequestID, variant, request)
      return requests.nextRequestID
    }
  }
}

extension TrainingLoop {
  func answerAttention(
    _ request: (id: Int, variant: String, map: AttentionMapRequest), _ run: SessionRun
  ) {
    guard let variant = run.variants.first(where: { $0.name == request.variant }) else {
      run.log.write("attention: no variant '\(request.variant)'")
      return
    }
    var result = AttentionProbeResult(
      request: request.id, variant: variant.name, step: run.step, asked: request.map)
    do {
      result.map = try variant.trainer.attentionMapProbe.map(request.map)
    } catch {
      result.failure = "\(error)"
    }
    engine.publishAttention(result)
  }
}
