/// Variants that differ only in objectives or schedule share one `PretrainingData` (the world,
/// its renders and detector outputs are the expensive part): keyed by the settings it depends on.
/// Variants whose models differ (ALBEF beside Oscar, patches beside regions) still share the
/// scene world itself when their world settings are the same.
public struct PretrainingDataCache {
  private var entries: [(data: DataConfiguration, model: ModelConfiguration, value: PretrainingData)] = []

  /// Hears the loading of real data sets (skipped items, the image cache).
  let progress: CorpusProgress?

  public init(progress: CorpusProgress? = nil) { self.progress = progress }

  public mutating func data(for configuration: PretrainingConfiguration) throws -> PretrainingData {
    if let cached = entries.first(where: {
      $0.data == configuration.data && $0.model == configuration.model
    }) {
      return cached.value
    }
    let world = entries.first {
      $0.value.world != nil && $0.data.world == configuration.data.world
    }?.value.world
    let data = try PretrainingData(configuration: configuration, world: world, progress: progress)
    entries.append((configuration.data, configuration.model, data))
    return data
  }
}
