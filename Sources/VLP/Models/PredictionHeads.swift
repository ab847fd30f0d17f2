import NN
import Tensor

/// BERT's masked-token head: dense, GELU, LayerNorm, then a decoder to the vocabulary whose
/// weight is the word embedding matrix (tied, as ALBEF and Oscar) or its own, with its own bias.
public final class MaskedTokenHead: Module {
  public let transform: Linear
  public let norm: LayerNorm
  public let decoder: Linear?
  public let decoderBias: Tensor  // (V)
  private let tiedWeight: Tensor?  // (V, d), the word embeddings when tied

  public init(
    dimension: Int, wordEmbeddings: Embedding, tied: Bool, random: inout RandomGenerator
  ) {
    transform = Linear(inputSize: dimension, outputSize: dimension, random: &random)
    norm = LayerNorm(dimension: dimension)
    let vocabulary = wordEmbeddings.count
    decoder = tied ? nil
      : Linear(inputSize: dimension, outputSize: vocabulary, bias: false, random: &random)
    tiedWeight = tied ? wordEmbeddings.weight : nil
    decoderBias = Tensor.zeros([vocabulary]).requiringGrad()
  }

  public var ownParameters: [(name: String, tensor: Tensor)] { [("decoderBias", decoderBias)] }

  public var children: [(name: String, module: any Module)] {
    [("transform", transform), ("norm", norm)] + (decoder.map { [("decoder", $0 as any Module)] } ?? [])
  }

  /// hidden (N, d) → logits (N, V)
  public func callAsFunction(_ hidden: Tensor) throws -> Tensor {
    let transformed = try norm(transform(hidden).gelu(.erf))
    if let tiedWeight {
      return try Tensor.matmul(transformed, tiedWeight, transposeB: true) + decoderBias
    }
    return try decoder!(transformed) + decoderBias
  }
}

/// BERT's pooler (dense + tanh on [CLS]) followed by a classifier: Oscar's seq_relationship head.
public final class PooledClassifier: Module {
  public let pooler: Linear
  public let classifier: Linear

  public init(dimension: Int, classes: Int, random: inout RandomGenerator) {
    pooler = Linear(inputSize: dimension, outputSize: dimension, random: &random)
    classifier = Linear(inputSize: dimension, outputSize: classes, random: &random)
  }

  public var children: [(name: String, module: any Module)] {
    [("pooler", pooler), ("classifier", classifier)]
  }

  /// cls (B, d) → logits (B, classes)
  public func callAsFunction(_ cls: Tensor) throws -> Tensor {
    try classifier(pooler(cls).tanh())
  }
}

extension Tensor {
  /// (B, T, d) → (B, d): the first token of every sequence.
  func firstToken() throws -> Tensor {
    try sliced(axis: 1, range: 0..<1).reshaped([shape[0], shape[2]])
  }

  /// (B, T, d) → (N, d): the rows at flat positions b·T + t.
  func rows(atFlatPositions positions: [Int]) throws -> Tensor {
    try reshaped([shape[0] * shape[1], shape[2]]).indexSelected(axis: 0, indices: IndexTensor(positions))
  }
}
