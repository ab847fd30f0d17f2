import Tensor
import VLP

/// Read-only access to a variant's data for the screens: token names, captions, tags and
/// rendered images of held-out pairs. Everything here is immutable after loading, so any thread
/// may read it while training runs.
public final class SessionDataView: Sendable {
  private let data: PretrainingData

  public init(_ data: PretrainingData) { self.data = data }

  /// The held-out pairs whose caption describes the scene (what evaluation scores), in order.
  public var heldOutPairs: [Int] { data.cleanTestIndices }
  public var tagSet: String { data.tags.rawValue }

  public func token(_ id: Int) -> String {
    let tokens = data.vocabulary.tokens
    return id >= 0 && id < tokens.count ? tokens[id] : "#\(id)"
  }

  public func caption(_ pair: Int) -> String { data.captionText(pair) }
  public func tags(_ pair: Int) -> String { data.tagText(pair) }

  /// The image of `pair` as the model sees it (`size` x `size` RGB in [0, 1], row-major): the
  /// world's render or the real image from the cache; nil when it cannot be read.
  public func image(_ pair: Int, size: Int = 32) -> SceneImage? {
    var noAugmentation: RandomGenerator?
    return try? data.corpus.image(pair, size: size, augmentation: &noAugmentation)
  }

  /// Whether the pairs have images to show (not so for region features alone).
  public var hasImages: Bool { data.corpus.features.contains(.pixels) }
}
