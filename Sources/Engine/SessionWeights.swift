import Foundation
import NN
import VLP

/// A session's trained weights for offline use (`vlp eval`, `vlp tsne SESSION`): each variant
/// rebuilt from session.json and restored from its latest checkpoint, or from a given file.
public struct SessionWeights {
  public struct Variant {
    public var name: String
    public var trainer: Pretrainer
    public var checkpoint: URL
  }

  public let folder: SessionFolder
  public let variants: [Variant]

  /// `checkpoint`: a file to evaluate instead of the latest; its variant is the one recorded in
  /// it (or the session's only variant).
  public init(folder: SessionFolder, overrides: [String] = [], checkpoint: URL? = nil) throws {
    self.folder = folder
    let definition = try folder.definition(overrides: overrides)
    let store = CheckpointStore(folder: folder, keep: definition.checkpoints.keep)
    var cache = PretrainingDataCache()
    var variants: [Variant] = []
    if let checkpoint {
      let saved = try TrainingCheckpoint.read(from: checkpoint)
      try saved.checkFinite()
      let recorded = saved.extra[SessionRun.variantKey]
      guard
        let variant = definition.variants.first(where: { $0.name == recorded })
          ?? (definition.variants.count == 1 ? definition.variants[0] : nil)
      else {
        throw SessionError.variantMismatch(
          path: checkpoint.relativePath,
          detail: "records variant '\(recorded ?? "none")', which session '\(folder.name)' does "
            + "not have (variants: \(definition.variants.map(\.name).joined(separator: ", ")))")
      }
      let trainer = try Pretrainer(
        configuration: variant.configuration, data: cache.data(for: variant.configuration))
      try trainer.restore(from: saved)
      variants.append(Variant(name: variant.name, trainer: trainer, checkpoint: checkpoint))
    } else {
      for variant in definition.variants {
        guard let (url, saved) = try store.readLatest(variant: variant.name) else {
          throw SessionError.noCheckpoint(session: folder.name, variant: variant.name)
        }
        let trainer = try Pretrainer(
          configuration: variant.configuration, data: cache.data(for: variant.configuration))
        try saved.checkFinite()
        try trainer.restore(from: saved)
        variants.append(Variant(name: variant.name, trainer: trainer, checkpoint: url))
      }
    }
    self.variants = variants
  }

  /// Held-out evaluation of every variant.
  public func evaluate() throws -> [(variant: String, step: Int, report: EvaluationReport)] {
    try variants.map { ($0.name, $0.trainer.step, try $0.trainer.evaluate()) }
  }
}
