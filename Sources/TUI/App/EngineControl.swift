import Engine

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
}

extension TrainingEngine: EngineControl {}
