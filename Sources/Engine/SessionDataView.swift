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

  /// The rendered image of `pair` (`size` x `size` RGB in [0, 1], row-major).
  public func image(_ pair: Int, size: Int = 32) -> SceneImage { data.world.image(at: pair, size: size) }
}
