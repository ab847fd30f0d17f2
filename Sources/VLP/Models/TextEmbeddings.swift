import NN
import Tensor

/// Word + learned position (+ segment) embeddings. With post-norm layers a LayerNorm follows, as
/// in BERT; pre-norm layers normalise their own inputs, so none is added (the bench-small
/// configuration's parameter count depends on this).
public final class TextEmbeddings: Module {
  public let words: Embedding
  public let positions: Embedding
  public let segments: Embedding?
  public let norm: LayerNorm?
  private let dropout: Dropout

  public init(
    vocabularySize: Int, maximumLength: Int, segmentCount: Int, configuration: ModelConfiguration,
    random: inout RandomGenerator
  ) {
    let d = configuration.dimension
    words = Embedding(count: vocabularySize, dimension: d, random: &random)
    positions = Embedding(count: maximumLength, dimension: d, random: &random)
    segments = segmentCount > 0 ? Embedding(count: segmentCount, dimension: d, random: &random) : nil
    norm = configuration.normalization == .postNorm ? LayerNorm(dimension: d) : nil
    dropout = Dropout(probability: configuration.dropout)
  }

  public var children: [(name: String, module: any Module)] {
    var result: [(name: String, module: any Module)] = [("words", words), ("positions", positions)]
    if let segments { result.append(("segments", segments)) }
    if let norm { result.append(("norm", norm)) }
    return result
  }

  /// ids, segmentIDs: (B, T) → (B, T, d)
  public func callAsFunction(
    _ ids: IndexTensor, segmentIDs: IndexTensor? = nil, context: ForwardContext
  ) throws -> Tensor {
    let (batch, length) = (ids.shape[0], ids.shape[1])
    guard length <= positions.count else {
      throw TensorError.shapeMismatch(
        op: "TextEmbeddings", detail: "\(length) tokens exceed the \(positions.count) positions")
    }
    let positionIDs = IndexTensor(Array(0..<length))
    var hidden = try words(ids) + positions(positionIDs).reshaped([1, length, words.dimension])
    if let segments {
      let segmentIDs = try segmentIDs ?? IndexTensor(shape: ids.shape, values: Array(repeating: 0, count: batch * length))
      hidden = try hidden + segments(segmentIDs)
    }
    if let norm { hidden = try norm(hidden) }
    return try dropout(hidden, context)
  }
}
