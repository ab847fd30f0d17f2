/// The table of pretraining objectives: the one place that says what each is called in
/// session.json, in metrics.jsonl and on the dashboard, where it is shown, which model families
/// and image inputs can train it, and what it needs besides. Every layer reads this table: the
/// steps report losses by `Objective`, `enabledLosses` and the reference levels derive from it,
/// the metrics log orders its keys by it, the dashboard titles its panes from it, and decoding
/// refuses a weight that the model cannot use (docs/objectives.md).
///
/// The cases are declared in display order (curves, tables and metrics.jsonl keys).
public enum Objective: CaseIterable, Sendable, Hashable {
  case itc, mlm, itm, wra, mrfr, mrc, mrcKL, mpr, cmcl, prefixLM, pollutedTags

  /// The key under `losses` in metrics.jsonl (and in a `StepReport`).
  public var metricKey: String {
    switch self {
    case .itc: "itc"
    case .mlm: "mlm"
    case .itm: "itm"
    case .wra: "wra"
    case .mrfr: "mrfr"
    case .mrc: "mrc"
    case .mrcKL: "mrc-kl"
    case .mpr: "mpr"
    case .cmcl: "cmcl"
    case .prefixLM: "prefixlm"
    case .pollutedTags: "pollutedTags"
    }
  }

  /// The weight's key under `objectives` in session.json and `--set`.
  public var configurationKey: String {
    switch self {
    case .itc: "itc"
    case .mlm: "mlm"
    case .itm: "itm"
    case .wra: "wra"
    case .mrfr: "mrfr"
    case .mrc: "mrc"
    case .mrcKL: "mrcKL"
    case .mpr: "mpr"
    case .cmcl: "cmcl"
    case .prefixLM: "prefixLM"
    case .pollutedTags: "pollutedTags"
    }
  }

  /// The dashboard pane's title: the loss's usual name.
  public var displayName: String {
    switch self {
    case .itc: "ITC"
    case .mlm: "MLM"
    case .itm: "ITM"
    case .wra: "WRA"
    case .mrfr: "MVM · feature regression"
    case .mrc: "MVM · region class"
    case .mrcKL: "MVM · region class (soft)"
    case .mpr: "MVM · patch regression"
    case .cmcl: "CMCL"
    case .prefixLM: "PrefixLM"
    case .pollutedTags: "polluted tags"
    }
  }

  /// Position in curves and tables (the declaration order).
  public var displayOrder: Int { Self.allCases.firstIndex(of: self)! }

  /// The model families that can train it.
  public var families: [ModelFamily] { ModelFamily.allCases.filter { $0.objectives.contains(self) } }

  /// The image input it reads, where it needs one: region heads predict detector features and
  /// classes, patch regression predicts pixels. Oscar always reads regions.
  public var imageInput: ImageInput? {
    switch self {
    case .mrfr, .mrc, .mrcKL: .regions
    case .mpr: .patches
    default: nil
    }
  }

  /// Objectives it cannot run without: WRA aligns the fused pairs of ITM's pass.
  public var requires: [Objective] {
    switch self {
    case .wra: [.itm]
    default: []
    }
  }

  /// The objective logged under `metricKey`; nil for names the table does not know (`total`,
  /// or a loss of a newer version read from a watched run).
  public init?(metricKey: String) {
    guard let found = Self.allCases.first(where: { $0.metricKey == metricKey }) else { return nil }
    self = found
  }

  /// The metric keys in display order, for ordering logged names (`total` goes last, names the
  /// table does not know before it).
  public static let metricKeysInDisplayOrder = allCases.map(\.metricKey)

  /// The pane title of a logged loss name: the table's display name, or the name itself.
  public static func displayName(ofMetric key: String) -> String {
    Objective(metricKey: key)?.displayName ?? key
  }
}

extension ModelFamily {
  /// The objectives the family can train, in the order it lists them (`enabledLosses`).
  public var objectives: [Objective] {
    switch self {
    case .albef: [.itc, .mlm, .itm, .wra, .mrfr, .mrc, .mrcKL, .mpr, .cmcl, .prefixLM]
    case .oscar: [.mlm, .pollutedTags, .mrfr, .mrc, .mrcKL]
    }
  }

  /// Whether the family keeps a momentum (teacher) model: ALBEF does, Oscar does not, so
  /// Oscar has no pseudo-targets and no distillation.
  public var hasMomentumModel: Bool { self == .albef }

  /// Its usual name in messages.
  public var displayName: String {
    switch self {
    case .albef: "ALBEF"
    case .oscar: "Oscar"
    }
  }
}

extension ObjectiveConfiguration {
  /// The weight of `objective` (0 = off).
  public func weight(of objective: Objective) -> Float {
    switch objective {
    case .itc: itc
    case .mlm: mlm
    case .itm: itm
    case .wra: wra
    case .mrfr: mrfr
    case .mrc: mrc
    case .mrcKL: mrcKL
    case .mpr: mpr
    case .cmcl: cmcl
    case .prefixLM: prefixLM
    case .pollutedTags: pollutedTags
    }
  }

  /// Whether `family` trains `objective` with this configuration: the family can use it, its
  /// weight is positive and so are the weights of what it requires.
  public func trains(_ objective: Objective, family: ModelFamily) -> Bool {
    family.objectives.contains(objective) && weight(of: objective) > 0
      && objective.requires.allSatisfy { weight(of: $0) > 0 }
  }

  /// The objectives `family` trains, in the family's order.
  public func trainedObjectives(for family: ModelFamily) -> [Objective] {
    family.objectives.filter { trains($0, family: family) }
  }

  /// The names of the losses a family reports, in the family's order.
  public func enabledLosses(for family: ModelFamily) -> [String] {
    trainedObjectives(for: family).map(\.metricKey)
  }
}
