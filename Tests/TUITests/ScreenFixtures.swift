import Foundation
import TestSupport

@testable import Engine
@testable import TSNE
@testable import TUI
@testable import VLP

/// An engine stand-in for the screens: a fixed, synthetic snapshot (the same on every machine,
/// unlike a trained one) and a log of the commands the screens sent.
final class FakeEngine: EngineControl, @unchecked Sendable {
  var snapshot: EngineSnapshot
  var commands: [String] = []

  init(_ snapshot: EngineSnapshot) { self.snapshot = snapshot }

  func togglePause() {
    commands.append("togglePause")
    snapshot.state = snapshot.state == .running ? .paused : .running
  }
  func step(_ count: Int) { commands.append("step \(count)") }
  func placeIntoMap(_ kind: FeatureKind) -> Int {
    commands.append("place \(kind.rawValue)")
    return commands.count
  }
  func cancelProjection() {
    commands.append("cancel projection")
    snapshot.projection?.progress.phase = .cancelled
  }
  func evaluateNow() { commands.append("evaluate") }
  func setEvaluationEvery(_ steps: Int) {
    commands.append("evaluate every \(steps)")
    snapshot.evaluationEvery = steps
  }

  /// Answers at once, as the engine would between two steps: the top-5 at each masked word,
  /// the truth first for even words.
  func probe(variant: String, pairIndex: Int, maskedWords: Set<Int>) -> Int {
    commands.append("probe \(variant) \(pairIndex) \(maskedWords.sorted())")
    let data = snapshot.variants[0].data
    let words = data.caption(pairIndex).split(separator: " ").map(String.init)
    let fillers = ["a", "red", "circle", "small", "left"]
    snapshot.probe = ProbeResult(
      request: commands.count, variant: variant, pairIndex: pairIndex, step: snapshot.step,
      words: words, maskedWords: maskedWords,
      predictions: maskedWords.sorted().filter { $0 < words.count }.map { word in
        let truth = words[word]
        var tokens = fillers.filter { $0 != truth }
        tokens.insert(truth, at: word % 2 == 0 ? 0 : 2)
        return MaskedWordPrediction(
          word: word, truth: truth,
          candidates: tokens.prefix(5).enumerated().map { ($1, [0.61, 0.2, 0.1, 0.05, 0.02][$0]) })
      })
    return commands.count
  }

  func project(_ kind: FeatureKind) -> Int {
    commands.append("project \(kind.rawValue)")
    return commands.count
  }
}

enum ScreenFixtures {
  /// A small world: its captions, tags and images are deterministic integer-seeded output.
  static let data: PretrainingData = {
    var configuration = PretrainingConfiguration()
    configuration.data.world.pairCount = 200
    return try! PretrainingData(configuration: configuration)
  }()

  static func history(variant: String, steps: Int, offset: Double) -> [MetricRecord] {
    (1...steps).map { step in
      let t = Double(step)
      func loss(_ start: Double, _ floor: Double, _ noise: Double) -> Float {
        Float(floor + (start - floor) * exp(-t / 90) + noise * sin(t * 1.7 + offset) + offset * 0.1)
      }
      let losses = [
        NamedValue("itc", loss(7, 2, 0.3)), NamedValue("mlm", loss(6.9, 2.5, 0.25)),
        NamedValue("itm", loss(0.69, 0.35, 0.04)),
      ]
      let report = StepReport(
        step: step, losses: losses, total: losses.map(\.value).reduce(0, +),
        learningRate: Float(5e-4 * min(1, t / 50)), alpha: Float(0.4 * min(1, t / 200)),
        temperature: 0.07 - Float(t) * 1e-5, queueFill: min(1024, 32 * step),
        gradientNorm: Float(10 * exp(-t / 200) + 1), pseudoTargets: nil)
      return MetricRecord(report: report, variant: variant, time: t * 0.1)
    }
  }

  static func evaluations(variant: String, shift: Float) -> [EvaluationRecord] {
    [100, 200, 300].map { step in
      let level = Float(step) / 400 + shift
      return EvaluationRecord(
        report: EvaluationReport(
          step: step, retrievalPairs: 200,
          retrieval: RetrievalScores(
            imageToText: [level * 0.6, level * 0.9, level], textToImage: [level * 0.55, level * 0.85, level * 0.95]),
          retrievalScore: "itc", mlmTop1: 0.3 + level / 4, mlmTop5: 0.6 + level / 5, itmAccuracy: 0.7,
          pollutedTagAccuracy: nil),
        variant: variant, time: Double(step) * 0.1)
    }
  }

  static func pseudoTargets() -> PseudoTargets {
    let vocabulary = data.vocabulary
    func id(_ token: String) -> Int { vocabulary.tokens.firstIndex(of: token) ?? vocabulary.unknownID }
    let words = ["red", "circle", "left", "blue", "small"]
    let positions = words.enumerated().map { index, word in
      MaskedPositionTargets(
        sample: index * 3, position: 2 + index, truth: id(word),
        input: index == 2 ? id(word) : vocabulary.maskID,
        student: words.indices.map { RankedCandidate(id: id(words[($0 + index) % 5]), probability: [0.5, 0.2, 0.1, 0.05, 0.02][$0]) },
        teacher: words.indices.map { RankedCandidate(id: id(words[($0 + index + 1) % 5]), probability: [0.4, 0.3, 0.1, 0.05, 0.03][$0]) })
    }
    let pairs = Array(data.trainIndices.prefix(4))
    return PseudoTargets(
      pairIndices: pairs, maskedPositions: positions,
      imageTexts: pairs.map { pair in
        ImageTextTargets(
          pairIndex: pair,
          texts: ([pair] + data.trainIndices.dropFirst(10).prefix(4)).enumerated().map {
            RankedCandidate(id: $1, probability: [0.62, 0.11, 0.07, 0.04, 0.02][$0])
          })
      })
  }

  static func projection() -> ProjectionSnapshot {
    let pairs = Array(data.cleanTestIndices.prefix(12))
    func panel(_ variant: String, spread: Float) -> ProjectionPanel {
      var labels: [FeatureLabel] = []
      var embedding: [Float] = []
      for (index, pair) in pairs.enumerated() {
        for (slot, modality) in [Modality.image, .text].enumerated() {
          let fineClass = index % 5
          labels.append(FeatureLabel(pairIndex: pair, modality: modality, fineClass: fineClass, text: "x"))
          let angle = Float(fineClass) * 1.256
          embedding += [
            cos(angle) * 10 + spread * Float((index * 7 + slot * 3) % 11 - 5),
            sin(angle) * 10 + spread * Float((index * 5 + slot * 2) % 9 - 4),
          ]
        }
      }
      return ProjectionPanel(
        variant: variant, labels: labels,
        tsne: TSNESnapshot(
          iteration: 1000, totalIterations: 1000, method: .exact, embedding: embedding,
          klDivergence: 0.41, klDivergenceIteration: 1000, isExaggerating: false, isFinished: true))
    }
    return ProjectionSnapshot(
      request: 1, kind: .tokens, step: 300, panels: [panel("fine", spread: 0.3), panel("none", spread: 2)],
      isFinished: true)
  }

  /// Two variants 300 steps in, evaluated three times, with pseudo-targets and a projection.
  static func snapshot() -> EngineSnapshot {
    let view = SessionDataView(data)
    var configuration = PretrainingConfiguration()
    configuration.data.world.pairCount = 200
    let variants = [("fine", 0.0, Float(0.05)), ("none", 1.0, Float(0))].map { name, offset, shift in
      VariantSnapshot(
        name: name, configuration: configuration,
        history: MetricHistory(history(variant: name, steps: 300, offset: offset)),
        evaluations: evaluations(variant: name, shift: shift), bestStep: 300,
        pseudoTargets: pseudoTargets(), pseudoTargetStep: 300,
        referenceLevels: configuration.referenceLevels(vocabularySize: data.vocabularySize), data: view)
    }
    return EngineSnapshot(
      session: "fixture", description: "a synthetic session for screen snapshots", state: .running,
      step: 300, targetStep: 3000, stepsPerSecond: 9.5, elapsed: 31.6, variants: variants,
      evaluationEvery: 100, resumedFrom: nil, lastCheckpointStep: 300,
      message: "", probe: nil, projection: projection(), generation: 1)
  }

  /// A sessions folder named `sessions` with two sessions, for the sessions screen, in a
  /// temporary directory that the caller removes (the returned folder's parent).
  static func sessionsRoot() throws -> URL {
    let root = try TemporaryDirectory("screens").file("sessions")
    for (name, description) in [("fixture", "the running one"), ("other", "an ALBEF run not started yet")] {
      try TinySession.write(
        #"{"description": "\#(description)", "training": {"steps": 3000}}"#, name: name, in: root)
    }
    return root
  }
}
