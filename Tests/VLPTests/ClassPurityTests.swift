import Foundation
import TestSupport
import Testing

@testable import VLP

/// kNN class purity against Tests/Fixtures/class_purity_reference.json, computed independently
/// with numpy by class_purity_reference.py.
@Suite struct ClassPurityTests {
  struct Fixture: Decodable {
    struct Case: Decodable {
      var dimension: Int
      var neighbours: Int
      var features: [Float]
      var classes: [Int]
      var isImage: [Bool]
      var region: Float
      var word: Float
      var cross: Float
      var chance: Float
    }
    var cases: [Case]
  }

  @Test func matchesTheNumpyReference() throws {
    let fixture: Fixture = try loadFixture("class_purity_reference.json")
    #expect(fixture.cases.count == 3)
    for c in fixture.cases {
      let purity = ClassPurity.compute(
        features: c.features, dimension: c.dimension, classes: c.classes, isImage: c.isImage,
        neighbours: c.neighbours)
      expectClose(purity.region, c.region, absolute: 1e-5)
      expectClose(purity.word, c.word, absolute: 1e-5)
      expectClose(purity.crossModal, c.cross, absolute: 1e-5)
      expectClose(purity.chance, c.chance, absolute: 1e-5)
      #expect(purity.regionCount + purity.wordCount == c.classes.count)
      #expect(purity.region > purity.chance, "the fixture's classes are shifted apart")
    }
  }

  /// Two tight clusters per class, one per modality, far apart: pooled neighbours stay within
  /// the modality (purity 1), and cross-modal neighbours find the same class only when the
  /// modalities' clusters of a class lie together.
  @Test func crossModalPurityNeedsTheModalitiesTogether() {
    func features(apart: Bool) -> [Float] {
      // Class c at angle c·90°; its word rows there too, or 60° on (nearest another class).
      var values: [Float] = []
      for row in 0..<16 {
        let (c, image) = (row % 4, row < 8)
        let angle = Float(c) * .pi / 2 + (apart && !image ? .pi / 3 : 0)
        values += [cos(angle) + Float(row) * 1e-3, sin(angle)]
      }
      return values
    }
    let classes = (0..<16).map { $0 % 4 }
    let isImage = (0..<16).map { $0 < 8 }
    let together = ClassPurity.compute(
      features: features(apart: false), dimension: 2, classes: classes, isImage: isImage, neighbours: 1)
    let apart = ClassPurity.compute(
      features: features(apart: true), dimension: 2, classes: classes, isImage: isImage, neighbours: 1)
    #expect(together.crossModal == 1 && together.region == 1 && together.word == 1)
    #expect(apart.region == 1 && apart.word == 1)
    #expect(apart.crossModal == 0, "each class's words sit nearest another class's regions")
    expectClose(together.chance, Float(3) / 15, absolute: 1e-6)
  }

  /// `evaluation.purityNeighbours` adds the purity to an Oscar evaluation; 0 (the default)
  /// leaves the report as it was.
  @Test func evaluationReportsPurityOnlyWhenAsked() throws {
    var configuration = try PretrainingConfiguration.decode([
      "model": ["family": "oscar", "dimension": 16, "headCount": 2, "hiddenSize": 32, "layers": 1],
      "evaluation": ["retrievalPairs": 12, "accuracyPairs": 8],
      "data": ["world": ["pairCount": 200]],
    ])
    #expect(configuration.evaluation.purityNeighbours == 0)
    let plain = try Pretrainer(configuration: configuration).evaluate()
    #expect(plain.classPurity == nil)
    #expect(!plain.metrics.contains { $0.name.hasPrefix("purity") })
    configuration.evaluation.purityNeighbours = 5
    let report = try Pretrainer(configuration: configuration).evaluate()
    let purity = try #require(report.classPurity)
    #expect(purity.neighbours == 5 && purity.regionCount > 0 && purity.wordCount > 0)
    #expect(report.metrics.map(\.name).suffix(4)
      == ["purity_region", "purity_word", "purity_cross", "purity_chance"])
    #expect(Array(report.metrics.prefix(plain.metrics.count)) == plain.metrics)
    #expect(throws: DataError.self) {
      try PretrainingConfiguration.decode(["evaluation": ["purityNeighbours": -1]])
    }
  }
}
