import Foundation

extension SceneWorld {
  /// A text summary of the world and its measured statistics, with a few example pairs: what
  /// `vlp data world` prints.
  public func summary(examples exampleCount: Int = 3, generationSeconds: Double? = nil) -> String {
    let statistics = WorldStatistics(world: self)
    let config = configuration
    var lines: [(String, String)] = []
    var world =
      "seed \(config.seed) · \(grouped(count)) pairs ("
      + DataSplit.allCases.map { "\($0.rawValue) \(grouped(indices(of: $0).count))" }.joined(
        separator: " · ") + ")"
    if let generationSeconds { world += " · generated in \(fixed(generationSeconds)) s" }
    lines.append(("scene world", world))
    let perScene = statistics.objectsPerScene.enumerated().filter { $0.element > 0 }
      .map { "\($0.offset): \(percent($0.element))" }.joined(separator: " · ")
    lines.append(
      (
        "objects",
        "\(fixed(Double(statistics.objectCount) / Double(max(1, count)))) per scene (\(perScene))"
      ))
    let byFrequency = statistics.classFrequencies.indices.sorted {
      (statistics.classFrequencies[$1], $0) < (statistics.classFrequencies[$0], $1)
    }
    if let most = byFrequency.first, let least = byFrequency.last {
      lines.append(
        (
          "classes",
          "\(SceneTaxonomy.fineClassCount) fine in \(SceneTaxonomy.categoryCount) coarse categories; "
            + "most frequent \(SceneTaxonomy.fineClasses[most].name) \(percent(statistics.classFrequencies[most])), "
            + "least \(SceneTaxonomy.fineClasses[least].name) \(percent(statistics.classFrequencies[least]))"
        ))
    }
    lines.append(
      (
        "captions",
        "\(fixed(statistics.meanCaptionWords, decimals: 1)) words on average; noisy \(percent(statistics.noisyCaptionFraction)) "
          + "(wrong colour \(percent(statistics.wrongColourFraction)) · absent object \(percent(statistics.absentObjectFraction)))"
      ))
    lines.append(
      (
        "detector",
        "missed \(percent(statistics.missFraction)) of objects · class confusion \(percent(statistics.classConfusionFraction)) "
          + "(\(percent(statistics.confusionWithinCategoryFraction)) within the category) · colour confusion "
          + "\(percent(statistics.colourConfusionFraction)) · \(fixed(statistics.falsePositivesPerImage)) false positives per image"
      ))
    lines.append(
      (
        "regions",
        "\(fixed(statistics.regionsPerImage)) per image (\(fixed(statistics.backgroundRegionsPerImage)) background); "
          + "D = \(config.featureDimension) + 6 box values; images \(config.imageSize)x\(config.imageSize)"
      ))
    let tagText = [TagVocabulary.fine, .coarse].map { vocabulary in
      "\(vocabulary.rawValue) \(fixed(statistics.tagsPerImage[vocabulary] ?? 0)) per image, "
        + "\(statistics.tagCounts[vocabulary]?.count ?? 0) distinct"
    }
    lines.append(("tags", tagText.joined(separator: " · ")))
    lines.append(
      ("vocabulary", "\(vocabulary().count) tokens (word-level, special tokens included)"))
    let width = lines.map(\.0.count).max() ?? 0
    var text = lines.map {
      $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1
    }
    if exampleCount > 0 { text.append("examples") }
    for pair in pairs.prefix(exampleCount) { text += describe(pair).map { "  " + $0 } }
    return text.joined(separator: "\n")
  }

  /// A few lines about one pair: caption (and its noise), scene objects, regions, tags.
  public func describe(_ pair: ScenePair) -> [String] {
    var lines = ["#\(pair.index) (\(pair.split.rawValue))  \"\(pair.caption.text)\""]
    switch pair.caption.noise {
    case .none: break
    case .wrongColour(let object, let said):
      lines.append(
        "   noise: object \(object) is \(pair.scene.objects[object].colourName), the caption says \(SceneTaxonomy.colours[said].name)"
      )
    case .absentObject(let fineClass, let colour):
      lines.append(
        "   noise: no \(SceneTaxonomy.colours[colour].name) \(SceneTaxonomy.fineClasses[fineClass].name) in the scene"
      )
    }
    let objects = pair.scene.objects.map { object in
      "\(object.size.word) \(object.colourName) \(object.className) at (\(fixed(Double(object.box.centerX))), \(fixed(Double(object.box.centerY))))"
    }
    lines.append("   scene: " + objects.joined(separator: " · "))
    let regions = pair.regions.map { region in
      "\(region.kind.rawValue) \(SceneTaxonomy.fineClasses[region.detectedClass].name) \(fixed(Double(region.confidence)))"
    }
    lines.append("   regions: " + (regions.isEmpty ? "none" : regions.joined(separator: " · ")))
    lines.append(
      "   tags: fine \(pair.tags(.fine).joined(separator: " · ")) | coarse \(pair.tags(.coarse).joined(separator: " · "))"
    )
    return lines
  }
}
