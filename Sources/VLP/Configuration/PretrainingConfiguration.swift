import Foundation

/// Optimiser, schedule and batch settings.
public struct TrainingConfiguration: Sendable, Equatable {
  public var batchSize = 32
  /// The run's length; `vlp run --steps` may stop earlier or go on.
  public var steps = 3000
  public var learningRate: Float = 1e-4
  /// Warm-up from `warmupLearningRate` to `learningRate`, then cosine down to `minimumLearningRate`.
  public var warmupSteps = 100
  public var warmupLearningRate: Float = 1e-5
  public var minimumLearningRate: Float = 1e-5
  public var weightDecay: Float = 0.02
  /// Global gradient-norm clipping; 0 = off.
  public var gradientClipNorm: Float = 0

  public init() {}
}

/// When and how the held-out split is scored.
public struct EvaluationConfiguration: Sendable, Equatable {
  /// Evaluate every this many steps (0 = only when asked).
  public var every = 500
  /// Pairs of the test split used for retrieval (the first ones with a correct caption, in split
  /// order; a world with 1,000 test pairs has about 800): chance R@1 is
  /// 1 / retrievalPairs.
  public var retrievalPairs = 200
  /// ALBEF: re-rank this many ITC candidates by ITM (0 = ITC only).
  public var rerank = 16
  /// What the re-ranking sorts by: the ITM head alone (ALBEF) or ITM plus ITC (BLIP).
  public var rerankScore = RerankScore.itm
  /// Pairs scored for MLM, ITM and polluted-tag accuracy.
  public var accuracyPairs = 256
  /// k of the kNN class purity of region and word features over the retrieval pairs
  /// (ClassPurity; 0 = not measured).
  public var purityNeighbours = 0

  public init() {}
}

/// Everything that defines a pretraining run: a session's configuration after its variant's
/// overrides are applied. Decoding is strict: unknown keys and out-of-range values throw
/// `DataError` naming the dotted field (`training.batchSize`).
public struct PretrainingConfiguration: Sendable, Equatable {
  public var seed: UInt64 = 1
  public var model = ModelConfiguration()
  public var objectives = ObjectiveConfiguration()
  public var training = TrainingConfiguration()
  public var data = DataConfiguration()
  public var evaluation = EvaluationConfiguration()

  public init() {}

  /// Decodes a configuration from a JSON object (after overrides), strictly.
  public static func decode(_ object: [String: Any]) throws -> PretrainingConfiguration {
    let data = try JSONSerialization.data(withJSONObject: object)
    return try decode(data)
  }

  /// The dotted key a decoding error is about (Foundation's own words never reach a user).
  static func field(of error: DecodingError) -> String {
    let context: DecodingError.Context? =
      switch error {
      case .typeMismatch(_, let context), .valueNotFound(_, let context),
        .keyNotFound(_, let context), .dataCorrupted(let context):
        context
      @unknown default: nil
      }
    let path = context?.codingPath.map(\.stringValue).joined(separator: ".") ?? ""
    return path.isEmpty ? "(configuration)" : path
  }

  public static func decode(_ data: Data) throws -> PretrainingConfiguration {
    do {
      return try JSONDecoder().decode(PretrainingConfiguration.self, from: data)
    } catch let error as DataError {
      throw error
    } catch let error as DecodingError {
      // Foundation drops the key of a number it cannot convert (0.5 or 2^70 for a whole
      // number): found by taking the keys out one at a time.
      let field = Self.field(of: error)
      if field == "(configuration)", let (key, value) = ConfigurationNumbers.culprit(in: data, {
        _ = try JSONDecoder().decode(PretrainingConfiguration.self, from: $0)
      }) {
        throw DataError.invalidConfiguration(
          field: key, reason: ConfigurationNumbers.unreadable(value))
      }
      throw DataError.invalidConfiguration(
        field: field, reason: "cannot be read as a configuration value")
    } catch {
      throw DataError.invalidConfiguration(field: "(configuration)", reason: "not valid JSON")
    }
  }

  /// Cross-field checks that no single field can make. `writtenObjectives`: the keys under
  /// `objectives` that the file (or `--set`) wrote, as opposed to defaults.
  func validate(writtenObjectives: Set<String> = []) throws {
    if objectives.queueSize % training.batchSize != 0 {
      let lower = objectives.queueSize / training.batchSize * training.batchSize
      throw DataError.invalidConfiguration(
        field: "objectives.queueSize",
        reason: "must be a multiple of training.batchSize (\(training.batchSize)), got "
          + "\(objectives.queueSize): try \(lower) or \(lower + training.batchSize)")
    }
    try validateObjectiveWeights(written: writtenObjectives)
  }

  /// A weight the model cannot use is an error naming its key (docs/objectives.md): an objective
  /// of another family (only where the session wrote it: the defaults `itc`, `itm` and
  /// `pollutedTags` are 1 for either family, and the family ignores those it has not),
  /// an image input the model does not read, or a missing objective it requires.
  private func validateObjectiveWeights(written: Set<String>) throws {
    let family = model.family
    // Oscar reads regions whatever model.imageInput says.
    let input = family == .oscar ? ImageInput.regions : model.imageInput
    // With no weight above 0 no parameter gets a gradient: refused here, not mid-step.
    if family.objectives.allSatisfy({ objectives.weight(of: $0) == 0 }) {
      throw DataError.invalidConfiguration(
        field: "objectives",
        reason: "every objective \(family.displayName) trains has weight 0, so there is nothing "
          + "to train: give one of \(family.objectives.map(\.configurationKey).joined(separator: ", ")) "
          + "a weight above 0")
    }
    for objective in Objective.allCases where objectives.weight(of: objective) > 0 {
      let key = objective.configurationKey
      let field = "objectives.\(key)"
      if !family.objectives.contains(objective) {
        guard written.contains(key) else { continue }
        let usable = family.objectives.map(\.configurationKey).joined(separator: ", ")
        throw DataError.invalidConfiguration(
          field: field,
          reason: "\(family.displayName) cannot train it (model.family \"\(family.rawValue)\" "
            + "trains \(usable)): set it to 0 or remove it")
      }
      if let needed = objective.imageInput, needed != input {
        throw DataError.invalidConfiguration(
          field: field,
          reason: needed == .regions
            ? "needs region inputs (model.imageInput \"regions\"); patches use objectives.mpr"
            : "needs pixel patches (ALBEF with model.imageInput \"patches\"); regions use mrfr")
      }
      for required in objective.requires where objectives.weight(of: required) == 0 {
        throw DataError.invalidConfiguration(
          field: field,
          reason: "needs objectives.\(required.configurationKey) > 0 (\(objective.displayName) "
            + "runs on the pairs of \(required.displayName)): give \(required.configurationKey) "
            + "a weight or set \(key) to 0")
      }
    }
  }
}

extension TrainingConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case batchSize, steps, learningRate, warmupSteps, warmupLearningRate, minimumLearningRate
    case weightDecay, gradientClipNorm
  }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&batchSize, .batchSize)
    try c.read(&steps, .steps)
    try c.read(&learningRate, .learningRate)
    try c.read(&warmupSteps, .warmupSteps)
    try c.read(&warmupLearningRate, .warmupLearningRate)
    try c.read(&minimumLearningRate, .minimumLearningRate)
    try c.read(&weightDecay, .weightDecay)
    try c.read(&gradientClipNorm, .gradientClipNorm)
    try c.check(batchSize, 1...4096, .batchSize)
    try c.check(steps, 1...100_000_000, .steps)
    try c.check(learningRate, 0...1, .learningRate)
    try c.check(warmupSteps, 0...100_000_000, .warmupSteps)
    try c.check(warmupLearningRate, 0...1, .warmupLearningRate)
    try c.check(minimumLearningRate, 0...1, .minimumLearningRate)
    try c.check(weightDecay, 0...1, .weightDecay)
    try c.check(gradientClipNorm, 0...1e6, .gradientClipNorm)
  }
}

extension EvaluationConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case every, retrievalPairs, rerank, rerankScore, accuracyPairs, purityNeighbours
  }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&every, .every)
    try c.read(&retrievalPairs, .retrievalPairs)
    try c.read(&rerank, .rerank)
    try c.read(&rerankScore, .rerankScore)
    try c.read(&accuracyPairs, .accuracyPairs)
    try c.read(&purityNeighbours, .purityNeighbours)
    try c.check(every, 0...100_000_000, .every)
    try c.check(retrievalPairs, 2...100_000, .retrievalPairs)
    try c.check(rerank, 0...1000, .rerank)
    try c.check(accuracyPairs, 1...100_000, .accuracyPairs)
    try c.check(purityNeighbours, 0...1000, .purityNeighbours)
  }
}

extension PretrainingConfiguration: Codable {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case seed, model, objectives, training, data, evaluation
  }

  public init(from decoder: any Decoder) throws {
    let c = try StrictContainer<CodingKeys>(decoder)
    self.init()
    try c.read(&seed, .seed)
    try c.read(&model, .model)
    try c.read(&objectives, .objectives)
    try c.read(&training, .training)
    try c.read(&data, .data)
    try c.read(&evaluation, .evaluation)
    var writtenObjectives: Set<String> = []
    if c.container.contains(.objectives) {
      let written = try c.container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .objectives)
      writtenObjectives = Set(written.allKeys.map(\.stringValue))
    }
    try validate(writtenObjectives: writtenObjectives)
  }
}
