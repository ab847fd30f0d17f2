import Testing

@testable import VLP

/// The world's measured statistics match its configuration. Tolerances are about four standard
/// errors at these sample sizes (e.g. a rate of 0.2 over 20,000 pairs has a standard error of
/// 0.003), so the tests are meaningful yet never flaky (the worlds are seeded anyway).
@Suite struct WorldStatisticsTests {
  static let standard = try! SceneWorld()

  @Test func defaultWorldMatchesItsConfiguration() {
    let world = WorldStatisticsTests.standard
    let statistics = WorldStatistics(world: world)
    let configuration = world.configuration
    #expect(statistics.pairCount == 20_000)

    let expectedClasses = SceneSampler.classProbabilities(
      exponent: configuration.classFrequencyExponent)
    for (measured, expected) in zip(statistics.classFrequencies, expectedClasses) {
      #expect(abs(measured - expected) < 0.006)
    }
    #expect(statistics.classFrequencies[0] > 3 * statistics.classFrequencies[23])  // the Zipf tail
    for frequency in statistics.colourFrequencies { #expect(abs(frequency - 0.1) < 0.006) }
    // 1 to 4 objects, uniform; a crowded scene may lose an object it cannot place.
    for count in 1...4 { #expect(abs(statistics.objectsPerScene[count] - 0.25) < 0.03) }

    #expect(abs(statistics.noisyCaptionFraction - configuration.noisyCaptionRate) < 0.012)
    #expect(abs(statistics.wrongColourFraction - configuration.noisyCaptionRate / 2) < 0.01)
    #expect(abs(statistics.absentObjectFraction - configuration.noisyCaptionRate / 2) < 0.01)
    #expect(abs(statistics.missFraction - configuration.missRate) < 0.006)
    #expect(abs(statistics.falsePositivesPerImage - configuration.falsePositiveRate) < 0.01)
    #expect(abs(statistics.backgroundRegionsPerImage - 1) < 0.03)  // uniform over 0...2
    #expect(abs(statistics.classConfusionFraction - configuration.classConfusionRate) < 0.01)
    #expect(statistics.confusionWithinCategoryFraction == 1)
    #expect(abs(statistics.colourConfusionFraction - configuration.colourConfusionRate) < 0.008)
  }

  @Test func confusionsOnlyMixSiblingsOfACategory() {
    let matrix = WorldStatistics(world: WorldStatisticsTests.standard).confusionMatrix
    for (truth, row) in matrix.enumerated() {
      let category = SceneTaxonomy.fineClasses[truth].category
      for (detected, count) in row.enumerated() where count > 0 {
        #expect(SceneTaxonomy.fineClasses[detected].category == category)
      }
      // Most of a row stays on the diagonal, the rest is spread over the three siblings.
      #expect(Double(row[truth]) > 0.8 * Double(row.reduce(0, +)))
    }
  }

  @Test func tagFrequenciesFollowDetections() {
    let world = WorldStatisticsTests.standard
    let statistics = WorldStatistics(world: world)
    #expect(statistics.tagCounts[.coarse]?.count == SceneTaxonomy.categoryCount)
    #expect((statistics.tagCounts[.fine]?.count ?? 0) <= TagVocabulary.fine.distinctTagCount)
    #expect(statistics.tagCounts[.none] == nil)
    // Tags: detected objects plus false positives.
    let objects = Double(statistics.objectCount) / Double(statistics.pairCount)
    let expected =
      objects * (1 - world.configuration.missRate) + world.configuration.falsePositiveRate
    #expect(abs(statistics.tagsPerImage[.fine]! - expected) < 0.03)
    #expect(statistics.tagsPerImage[.fine] == statistics.tagsPerImage[.coarse])
    // Coarse tags pool their classes' frequencies: `round` is the most frequent category.
    let coarse = statistics.tagCounts[.coarse] ?? [:]
    #expect(coarse.max { $0.value < $1.value }?.key == "round")
  }

  @Test func changedRatesChangeTheWorld() throws {
    var configuration = SceneWorldConfiguration()
    configuration.pairCount = 5000
    configuration.noisyCaptionRate = 0.5
    configuration.missRate = 0.3
    configuration.falsePositiveRate = 0.6
    configuration.classConfusionRate = 0
    configuration.classFrequencyExponent = 0
    configuration.maximumBackgroundRegions = 0
    let statistics = WorldStatistics(world: try SceneWorld(configuration: configuration))
    #expect(abs(statistics.noisyCaptionFraction - 0.5) < 0.03)
    #expect(abs(statistics.missFraction - 0.3) < 0.02)
    #expect(abs(statistics.falsePositivesPerImage - 0.6) < 0.03)
    #expect(statistics.classConfusionFraction == 0)
    #expect(statistics.backgroundRegionsPerImage == 0)
    for frequency in statistics.classFrequencies { #expect(abs(frequency - 1.0 / 24) < 0.01) }
  }

  @Test func summaryNamesTheMeasuredRates() throws {
    let world = try SceneWorldTests.small()
    let summary = world.summary(examples: 2)
    #expect(summary.contains("400 pairs (train 360 · val 20 · test 20)"))
    #expect(summary.contains("class confusion"))
    #expect(
      summary.contains("#1 (train)") || summary.contains("#1 (val)")
        || summary.contains("#1 (test)"))
  }
}
