import Tensor

extension TrainingCheckpoint {
  /// How many problems a mismatch error lists before "... and N more".
  public static let listedProblemLimit = 20

  /// Copies the checkpoint into live parameter storage: `model`, optionally the momentum copy,
  /// and the optimizer state tensors given by state name (state the checkpoint holds but the
  /// caller does not ask for, such as optimizer state when only evaluating, is ignored).
  ///
  /// Everything is checked first: every parameter present, no unexpected names, equal shapes. If
  /// anything differs nothing is written and the error lists every problem (up to
  /// `listedProblemLimit`), naming the file and each tensor as stored in it.
  public func restore(
    into model: any Module, momentum: (any Module)? = nil,
    optimizerState: [String: [(name: String, tensor: Tensor)]] = [:]
  ) throws(CheckpointError) {
    var problems: [String] = []
    var copies: [(destination: Tensor, values: [Float])] = []
    plan(
      saved: self.model, into: model.namedParameters(), prefix: "model.", owner: "model",
      problems: &problems, copies: &copies)
    if let momentum {
      if let saved = self.momentum {
        plan(
          saved: saved, into: momentum.namedParameters(), prefix: "momentum.",
          owner: "momentum copy", problems: &problems, copies: &copies)
      } else if !momentum.namedParameters().isEmpty {
        problems.append(
          "no momentum.* tensors: the checkpoint was saved without a momentum copy, but one "
            + "was given to restore into")
      }
    }
    for (state, destinations) in optimizerState.sorted(by: { $0.key < $1.key }) {
      guard let saved = self.optimizerState[state] else {
        problems.append(
          "no optimizer.\(state).* tensors: the checkpoint holds no \"\(state)\" state")
        continue
      }
      plan(
        saved: saved, into: destinations, prefix: "optimizer.\(state).",
        owner: "optimizer", problems: &problems, copies: &copies)
    }
    guard problems.isEmpty else {
      throw .mismatch(
        path: source, problems: Array(problems.prefix(Self.listedProblemLimit)),
        totalProblems: problems.count)
    }
    for (destination, values) in copies {
      values.withUnsafeBufferPointer { source in
        if let base = source.baseAddress {
          destination.storage.pointer.update(from: base, count: values.count)
        }
      }
    }
  }

  /// Matches saved tensors to destinations by name, recording problems and the copies to make.
  private func plan(
    saved: [NamedArray], into destinations: [(name: String, tensor: Tensor)], prefix: String,
    owner: String, problems: inout [String], copies: inout [(destination: Tensor, values: [Float])]
  ) {
    var byName: [String: NamedArray] = [:]
    for tensor in saved { byName[tensor.name] = tensor }
    var seen = Set<String>()
    for (name, tensor) in destinations {
      guard seen.insert(name).inserted else {
        problems.append("the \(owner) lists parameter \"\(name)\" twice (a module naming bug)")
        continue
      }
      guard let stored = byName[name] else {
        problems.append(
          "missing tensor \"\(prefix)\(name)\": the \(owner) has \(tensor.shape), the checkpoint has none"
        )
        continue
      }
      guard stored.shape == tensor.dimensions, stored.values.count == tensor.count else {
        problems.append(
          "tensor \"\(prefix)\(name)\": checkpoint has \(stored.shapeDescription), "
            + "\(owner) has \(tensor.shape)")
        continue
      }
      copies.append((tensor, stored.values))
    }
    for tensor in saved where !seen.contains(tensor.name) {
      problems.append(
        "unexpected tensor \"\(prefix)\(tensor.name)\" \(tensor.shapeDescription): the \(owner) "
          + "has no parameter \"\(tensor.name)\"")
    }
  }
}
