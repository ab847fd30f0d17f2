import Engine
import VLP

/// What the screens may ask of the training engine. `TrainingEngine` is the real one; tests
/// drive the screens with a recorded snapshot and a fake that notes the commands.
public protocol EngineControl: AnyObject, Sendable {
  var snapshot: EngineSnapshot { get }
  func togglePause()
  func step(_ count: Int)
  func evaluateNow()
  func setEvaluationEvery(_ steps: Int)
  @discardableResult func probe(variant: String, pairIndex: Int, maskedWords: Set<Int>) -> Int
  @discardableResult func project(_ kind: FeatureKind) -> Int
  @discardableResult func placeIntoMap(_ kind: FeatureKind) -> Int
  func cancelProjection()
  @discardableResult func attend(variant: String, request: AttentionMapRequest) -> Int
}

extension EngineControl {
  /// An engine that cannot compute maps (a recorded snapshot in tests) answers nothing.
  @discardableResult public func attend(variant: String, request: AttentionMapRequest) -> Int { 0 }
}

extension TrainingEngine: EngineControl {}
