/// What a run needs from its corpus, checked when the data is loaded so that a session never
/// starts on data its model or objectives cannot read. Each refusal names the objective (or the
/// model key) and the source, and what would work instead (docs/data.md, "Objectives on real
/// data").
enum ObjectiveRequirements {
  static func check(_ configuration: PretrainingConfiguration, corpus: any PretrainingCorpus) throws {
    let source = corpus.source.rawValue
    let family = configuration.model.family
    let input = family == .oscar ? ImageInput.regions : configuration.model.imageInput
    let features = corpus.features
    if input == .regions && !features.contains(.regions) {
      throw DataError.invalidConfiguration(
        field: family == .oscar ? "model.family" : "model.imageInput",
        reason: "\(family.displayName) on regions needs region features, and data.source "
          + "\"\(source)\" holds images: use ALBEF with model.imageInput \"patches\", or "
          + "data.source \"oscar-tsv\"")
    }
    if input == .patches && !features.contains(.pixels) {
      throw DataError.invalidConfiguration(
        field: "model.imageInput",
        reason: "patches need images, and data.source \"\(source)\" holds region features: "
          + "set model.imageInput to \"regions\"")
    }
    for objective in configuration.objectives.trainedObjectives(for: family) {
      guard let (needed, what) = need(objective), !features.contains(needed) else { continue }
      throw DataError.invalidConfiguration(
        field: "objectives.\(objective.configurationKey)",
        reason: "\(objective.displayName) needs \(what), which data.source \"\(source)\" "
          + "does not have: set it to 0 for this source")
    }
  }

  /// What only some corpora have, for the objectives that need it.
  private static func need(_ objective: Objective) -> (CorpusFeatures, String)? {
    switch objective {
    case .cmcl:
      (.sceneGraphs, "the scene world's scene graphs (paraphrases, same-object positives, rewrites)")
    case .mrc:
      (.sceneGraphs, "the scene world's detector classes (its head has the world's classes)")
    case .mrcKL: (.detectorDistributions, "the detector's class distributions (soft labels)")
    default: nil
    }
  }
}
