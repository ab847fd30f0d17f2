import NN
import Tensor

/// UNITER's masked region modelling heads (model/pretrain.py) and its learned mask vector:
/// - `maskVector` (F): added to a masked item's zeroed feature (UNITER's Embedding(2, img_dim)
///   row 1), so the encoder can tell a masked slot from a dark one;
/// - feature regression (MRFR, and masked patch regression): Linear-GELU-LN, then the image
///   embedding's weight transposed (tied, as UNITER's `img_linear_weight.t()`) plus a bias;
/// - region classification (MRC and MRC-kl share it, as UNITER's `region_classifier`):
///   Linear-GELU-LN-Linear(C).
public final class MaskedVisionHeads: Module {
  public let maskVector: Tensor  // (F)
  public let regressionTransform: Linear?
  public let regressionNorm: LayerNorm?
  public let regressionBias: Tensor?  // (F)
  public let classifierTransform: Linear?
  public let classifierNorm: LayerNorm?
  public let classifier: Linear?
  /// (d, W): the image embedding's weight; its first F columns map a feature into the model.
  private let embeddingWeight: Tensor
  private let featureWidth: Int

  /// embedding: the Linear(W → d) that reads image items, of which the first `featureWidth`
  /// inputs are the feature (the rest, for regions, the box).
  public init(
    dimension d: Int, embedding: Linear, featureWidth: Int, regression: Bool, classes: Int?,
    random: inout RandomGenerator
  ) {
    self.featureWidth = featureWidth
    embeddingWeight = embedding.weight
    maskVector = Tensor.randomNormal(
      [featureWidth], standardDeviation: Initialization.standardDeviation, using: &random
    ).requiringGrad()
    regressionTransform = regression ? Linear(inputSize: d, outputSize: d, random: &random) : nil
    regressionNorm = regression ? LayerNorm(dimension: d) : nil
    regressionBias = regression ? Tensor.zeros([featureWidth]).requiringGrad() : nil
    classifierTransform = classes.map { _ in Linear(inputSize: d, outputSize: d, random: &random) }
    classifierNorm = classes.map { _ in LayerNorm(dimension: d) }
    classifier = classes.map { Linear(inputSize: d, outputSize: $0, random: &random) }
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("maskVector", maskVector)] + (regressionBias.map { [("regressionBias", $0)] } ?? [])
  }

  public var children: [(name: String, module: any Module)] {
    var list: [(name: String, module: any Module)] = []
    if let regressionTransform, let regressionNorm {
      list += [("regressionTransform", regressionTransform), ("regressionNorm", regressionNorm)]
    }
    if let classifierTransform, let classifierNorm, let classifier {
      list += [
        ("classifierTransform", classifierTransform), ("classifierNorm", classifierNorm),
        ("classifier", classifier),
      ]
    }
    return list
  }

  /// values (B, N, W) → the same with masked items' features zeroed and the mask vector added.
  public func masked(_ values: Tensor, _ vision: MaskedVision) throws -> Tensor {
    let width = values.shape[2]
    var vector = try maskVector.reshaped([1, 1, featureWidth])
    if width > featureWidth {
      vector = try Tensor.concatenate(
        [vector, Tensor.zeros([1, 1, width - featureWidth])], axis: 2)
    }
    return try values * vision.keep + vision.indicator * vector
  }

  /// hidden (M, d) → predicted features (M, F).
  public func regression(_ hidden: Tensor) throws -> Tensor {
    guard let regressionTransform, let regressionNorm, let regressionBias else {
      throw TrainingError.invalidRequest("the model has no feature regression head")
    }
    let transformed = try regressionNorm(regressionTransform(hidden).gelu(.erf))
    let tied = try embeddingWeight.sliced(axis: 1, range: 0..<featureWidth)  // (d, F)
    return try Tensor.matmul(transformed, tied) + regressionBias
  }

  /// hidden (M, d) → class logits (M, C).
  public func classification(_ hidden: Tensor) throws -> Tensor {
    guard let classifierTransform, let classifierNorm, let classifier else {
      throw TrainingError.invalidRequest("the model has no region classification head")
    }
    return try classifier(classifierNorm(classifierTransform(hidden).gelu(.erf)))
  }
}

extension MaskedVisionHeads {
  /// The heads a configuration's MVM weights need, or nil when MVM is off.
  static func make(
    objectives: ObjectiveConfiguration, dimension: Int, embedding: Linear, featureWidth: Int,
    random: inout RandomGenerator
  ) -> MaskedVisionHeads? {
    guard objectives.masksVision else { return nil }
    let classify = objectives.mrc > 0 || objectives.mrcKL > 0
    return MaskedVisionHeads(
      dimension: dimension, embedding: embedding, featureWidth: featureWidth,
      regression: objectives.mrfr > 0 || objectives.mpr > 0,
      classes: classify ? SceneTaxonomy.fineClassCount : nil, random: &random)
  }
}
