extension TrainingCheckpoint {
  /// Refuses a checkpoint holding a NaN or infinite value, naming the first such tensor and its
  /// count. A run never saves after a non-finite loss, so such a file is damaged: evaluating it
  /// reports nonsense (NaN weights scored MLM accuracy 1.000) and training on from it would stop
  /// at once with advice about the learning rate that does not fit. The file format itself
  /// carries any float (the round trip is bit-exact), so the check is made where weights are
  /// loaded for use: resume, `vlp eval`, `vlp tsne SESSION`.
  public func checkFinite() throws(CheckpointError) {
    // Named as in the file (`model.…`, `optimizer.exp_avg.…`), where safetensors tools find them.
    let lists: [(prefix: String, tensors: [NamedArray])] =
      [("model.", model), ("momentum.", momentum ?? []), ("buffer.", buffers)]
      + optimizerState.sorted { $0.key < $1.key }.map { ("optimizer.\($0.key).", $0.value) }
    let damaged = lists.flatMap { list in
      list.tensors.compactMap { tensor -> (name: String, count: Int)? in
        let count = tensor.values.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
        return count > 0 ? (list.prefix + tensor.name, count) : nil
      }
    }
    guard let first = damaged.first else { return }
    throw .invalidTensor(
      path: source, tensor: first.name,
      detail: "holds \(first.count) non-finite value\(first.count == 1 ? "" : "s") (NaN or "
        + "infinity)" + (damaged.count > 1 ? ", as do \(damaged.count - 1) more tensors" : "")
        + "; the file is damaged (a run never saves after a non-finite loss): use an earlier "
        + "checkpoint or move this one aside")
  }
}
