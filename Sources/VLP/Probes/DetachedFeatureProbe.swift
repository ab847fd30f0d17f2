import NN
import Tensor

/// A `FeatureProbe` over a copy of a run's weights taken at one step: nothing else holds the
/// copy, so another thread may read features with it (the projection job's forward passes over
/// tens of thousands of pairs) while the run trains on.
public struct DetachedFeatureProbe: @unchecked Sendable {
  /// The step whose weights were copied.
  public let step: Int
  /// Reads the copy only; hand it to one thread at a time.
  public let probe: FeatureProbe
}

extension Pretrainer {
  /// A probe over a copy of the current weights: a fresh model of the same structure whose
  /// values are overwritten with the run's, as a momentum copy starts (`MomentumCopy`). Cheap
  /// next to reading features (the models are small); the copy's features equal the run's, bit
  /// for bit, at this step.
  public func detachedFeatureProbe() throws -> DetachedFeatureProbe {
    // Any stream will do: every value it draws is overwritten.
    var random = RandomGenerator(
      seed: StreamSeed.derive(configuration.seed, stream: .initialisation, index: 1))
    let copy: TrainedModel
    switch family.model {
    case .albef(let model):
      let fresh = try ALBEFTraining.buildModel(configuration: configuration, data: data, random: &random)
      _ = try MomentumCopy(of: model, copy: fresh, momentum: 1)
      copy = .albef(fresh)
    case .oscar(let model):
      let fresh = try OscarTraining.buildModel(configuration: configuration, data: data, random: &random)
      _ = try MomentumCopy(of: model, copy: fresh, momentum: 1)
      copy = .oscar(fresh)
    }
    return DetachedFeatureProbe(
      step: step, probe: FeatureProbe(model: copy, data: data, configuration: configuration))
  }
}
