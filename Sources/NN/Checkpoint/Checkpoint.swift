import Foundation
import Tensor

/// Everything needed to resume training, in one safetensors file that numpy can open:
///
/// | tensor name                          | holds                                   |
/// |--------------------------------------|-----------------------------------------|
/// | `model.<parameter>`                  | the model's weights                     |
/// | `momentum.<parameter>`               | the momentum (EMA) copy, when there is one |
/// | `optimizer.<state>.<parameter>`      | per-parameter optimizer state, e.g. `optimizer.exp_avg.text.layers.0.attention.query.weight` |
/// | `buffer.<name>`                      | other training state that is not a parameter (ALBEF's feature queues) |
///
/// and in `__metadata__`: `format` = `vlp-checkpoint-1`, `step` (decimal), `config` (the
/// session's config as JSON text), plus the caller's `extra` entries under their own keys (the
/// engine keeps RNG states and the optimizer's scalar state there).
///
/// `capture` copies values out of live modules; `restore` checks every name and shape before it
/// copies anything back, so a mismatched checkpoint never half-loads a model.
public struct TrainingCheckpoint: Sendable {
  public static let format = "vlp-checkpoint-1"
  /// Metadata keys the checkpoint itself uses; `extra` may not use them.
  public static let reservedMetadataKeys: Set<String> = ["format", "step", "config"]

  public var step: Int
  /// The configuration that built the model, as JSON text.
  public var config: String
  public var model: [NamedArray]
  public var momentum: [NamedArray]?
  /// Optimizer state tensors by state name (`exp_avg`, `exp_avg_sq`), each list named by
  /// parameter. State names may not contain a dot: it separates them from parameter names.
  public var optimizerState: [String: [NamedArray]]
  /// Non-parameter state by name (`buffer.<name>` in the file).
  public var buffers: [NamedArray]
  public var extra: [String: String]
  /// The file this checkpoint came from, as error messages name it.
  public var source: String

  public init(
    step: Int, config: String, model: [NamedArray], momentum: [NamedArray]? = nil,
    optimizerState: [String: [NamedArray]] = [:], buffers: [NamedArray] = [],
    extra: [String: String] = [:], source: String = "(checkpoint in memory)"
  ) {
    self.step = step
    self.config = config
    self.model = model
    self.momentum = momentum
    self.optimizerState = optimizerState
    self.buffers = buffers
    self.extra = extra
    self.source = source
  }

  /// Copies the current values of `model`, `momentum` and the optimizer's state tensors
  /// (by state name, each a list of (parameter name, tensor)).
  public static func capture(
    step: Int, config: String, model: any Module, momentum: (any Module)? = nil,
    optimizerState: [String: [(name: String, tensor: Tensor)]] = [:],
    buffers: [NamedArray] = [], extra: [String: String] = [:]
  ) -> TrainingCheckpoint {
    func copy(_ named: [(name: String, tensor: Tensor)]) -> [NamedArray] {
      named.map { NamedArray(name: $0.name, tensor: $0.tensor) }
    }
    return TrainingCheckpoint(
      step: step, config: config, model: copy(model.namedParameters()),
      momentum: momentum.map { copy($0.namedParameters()) },
      optimizerState: optimizerState.mapValues(copy), buffers: buffers, extra: extra)
  }

  public func write(to url: URL) throws {
    try safeTensorsFile(path: url.relativePath).write(to: url)
  }

  public static func read(from url: URL) throws -> TrainingCheckpoint {
    try TrainingCheckpoint(file: try SafeTensorsFile.read(from: url), path: url.relativePath)
  }

  /// The file layout described above; `path` names the destination in errors.
  public func safeTensorsFile(path: String) throws(CheckpointError) -> SafeTensorsFile {
    guard step >= 0 else {
      throw .invalidInput(path: path, detail: "step \(step) is negative")
    }
    if let reserved = extra.keys.sorted().first(where: Self.reservedMetadataKeys.contains) {
      throw .invalidInput(
        path: path,
        detail: "extra metadata may not use the reserved key \"\(reserved)\"; rename it")
    }
    var tensors = model.map {
      NamedArray(name: "model." + $0.name, shape: $0.shape, values: $0.values)
    }
    for tensor in momentum ?? [] {
      tensors.append(
        NamedArray(name: "momentum." + tensor.name, shape: tensor.shape, values: tensor.values))
    }
    for (state, list) in optimizerState.sorted(by: { $0.key < $1.key }) {
      guard !state.isEmpty, !state.contains(".") else {
        throw .invalidInput(
          path: path, detail: "optimizer state name \"\(state)\" must be non-empty without dots")
      }
      for tensor in list {
        tensors.append(
          NamedArray(
            name: "optimizer.\(state).\(tensor.name)", shape: tensor.shape, values: tensor.values))
      }
    }
    for tensor in buffers {
      tensors.append(
        NamedArray(name: "buffer." + tensor.name, shape: tensor.shape, values: tensor.values))
    }
    var metadata = extra
    metadata["format"] = Self.format
    metadata["step"] = String(step)
    metadata["config"] = config
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }

  /// Splits a safetensors file into the groups above; `path` names the file in errors.
  public init(file: SafeTensorsFile, path: String) throws(CheckpointError) {
    let metadata = file.metadata
    guard let format = metadata["format"] else {
      throw .invalidMetadata(
        path: path, key: "format",
        detail: "missing: this is not a vlp training checkpoint (SafeTensorsFile.read opens "
          + "any safetensors file)")
    }
    guard format == Self.format else {
      throw .invalidMetadata(
        path: path, key: "format",
        detail: "is \"\(format)\", this vlp reads \"\(Self.format)\" (written by another version?)")
    }
    guard let stepText = metadata["step"], let step = Int(stepText), step >= 0 else {
      throw .invalidMetadata(
        path: path, key: "step",
        detail:
          "must be a non-negative integer, found \(metadata["step"].map { "\"\($0)\"" } ?? "nothing")"
      )
    }
    guard let config = metadata["config"] else {
      throw .invalidMetadata(
        path: path, key: "config", detail: "missing (the session's config JSON)")
    }
    var model: [NamedArray] = []
    var momentum: [NamedArray] = []
    var optimizerState: [String: [NamedArray]] = [:]
    var buffers: [NamedArray] = []
    for tensor in file.tensors {
      let parts = tensor.name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
      func renamed(_ name: Substring) -> NamedArray {
        NamedArray(name: String(name), shape: tensor.shape, values: tensor.values)
      }
      let rest = tensor.name.drop { $0 != "." }.dropFirst()
      switch parts.first {
      case "model" where !rest.isEmpty: model.append(renamed(rest))
      case "momentum" where !rest.isEmpty: momentum.append(renamed(rest))
      case "buffer" where !rest.isEmpty: buffers.append(renamed(rest))
      case "optimizer" where parts.count == 3 && !parts[1].isEmpty && !parts[2].isEmpty:
        optimizerState[String(parts[1]), default: []].append(renamed(parts[2]))
      default:
        throw .invalidTensor(
          path: path, tensor: tensor.name,
          detail: "is not named model.<parameter>, momentum.<parameter>, "
            + "optimizer.<state>.<parameter> or buffer.<name>, so vlp does not know what it holds")
      }
    }
    self.init(
      step: step, config: config, model: model, momentum: momentum.isEmpty ? nil : momentum,
      optimizerState: optimizerState, buffers: buffers,
      extra: metadata.filter { !Self.reservedMetadataKeys.contains($0.key) }, source: path)
  }
}

extension TrainingCheckpoint: Equatable {
  /// Bit-exact content equality, by tensor name: the file keeps tensors in name order, not in
  /// the order they were captured, and where the checkpoint came from (`source`) does not count.
  public static func == (lhs: TrainingCheckpoint, rhs: TrainingCheckpoint) -> Bool {
    func byName(_ list: [NamedArray]?) -> [NamedArray]? {
      list?.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
    return lhs.step == rhs.step && lhs.config == rhs.config
      && byName(lhs.model) == byName(rhs.model) && byName(lhs.momentum) == byName(rhs.momentum)
      && lhs.optimizerState.mapValues(byName) == rhs.optimizerState.mapValues(byName)
      && byName(lhs.buffers) == byName(rhs.buffers)
      && lhs.extra == rhs.extra
  }
}
