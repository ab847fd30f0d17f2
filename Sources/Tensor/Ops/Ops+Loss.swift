import Foundation

/// Losses, each reduced to a rank-0 tensor. Cross-entropy and KL run the fused log-softmax
/// kernels (Kernels/SoftmaxKernel.swift); the pointwise losses share one helper. Every sum is
/// taken in Double over fixed chunks added in order, so a loss does not depend on the thread
/// count. An empty reduction (no rows, or every row ignored) gives 0 with a zero gradient, not
/// NaN.
extension Tensor {
  /// Mean over the rows whose target is not `ignoreIndex` of
  /// (1 - labelSmoothing) (-log p[target]) + labelSmoothing (-mean_c log p[c]),
  /// p = softmax(logits): PyTorch's `cross_entropy` with `ignore_index` and `label_smoothing`.
  /// logits (N, C), targets (N).
  public static func crossEntropy(
    logits: Tensor, targets: IndexTensor, ignoreIndex: Int = -100, labelSmoothing: Float = 0
  ) throws -> Tensor {
    let op = "crossEntropy"
    guard logits.rank == 2 else {
      throw TensorError.shapeMismatch(
        op: op, detail: "logits must have shape (N, C), got \(logits.shape)")
    }
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    guard targets.shape.rank == 1, targets.count == rows else {
      throw TensorError.shapeMismatch(
        op: op, detail: "logits \(logits.shape) and targets \(targets.shape): batch sizes differ")
    }
    guard labelSmoothing >= 0, labelSmoothing <= 1 else {
      throw TensorError.invalidArgument(
        op: op, detail: "labelSmoothing must lie in [0, 1], got \(labelSmoothing)")
    }
    var counted = 0
    for (row, target) in targets.values.enumerated() where target != ignoreIndex {
      guard target >= 0, target < classes else {
        throw TensorError.indexOutOfRange(
          op: "\(op): target at row \(row)", index: target, size: classes)
      }
      counted += 1
    }
    let targetValues = targets.values
    let rowLoss = TensorStorage(count: rows, zeroed: false)
    let shift = TensorStorage(count: rows, zeroed: false)
    let logSum = TensorStorage(count: rows, zeroed: false)
    targetValues.withUnsafeBufferPointer { t in
      CrossEntropyKernel.forward(
        logits: logits.storage.pointer, targets: t.baseAddress!, ignoreIndex: ignoreIndex,
        labelSmoothing: labelSmoothing, rows: rows, classes: classes, rowLoss: rowLoss.pointer,
        shift: shift.pointer, logSum: logSum.pointer)
    }
    let value = counted == 0 ? 0 : orderedSum(rowLoss.pointer, count: rows) / Double(counted)
    let (node, kept) = (logits.gradientNode, logits.storage)
    return scalarResult(op, value, inputs: [logits]) { g in
      let gx = node.accumulator()  // allocated (zero) even when every row is ignored
      guard counted > 0 else { return }
      targetValues.withUnsafeBufferPointer { t in
        CrossEntropyKernel.backward(
          logits: kept.pointer, targets: t.baseAddress!, ignoreIndex: ignoreIndex,
          labelSmoothing: labelSmoothing, rows: rows, classes: classes, shift: shift.pointer,
          logSum: logSum.pointer, scale: g / Float(counted), gx: gx)
      }
    }
  }

  /// -sum(softTargets * log_softmax(logits), axis 1).mean(): ALBEF's distillation loss. Both of
  /// shape (N, C). Targets usually come from a momentum model under `noGrad`; when they do require
  /// a gradient they get -log_softmax(logits) / N.
  public static func crossEntropy(logits: Tensor, softTargets: Tensor) throws -> Tensor {
    try softTargetLoss(
      "crossEntropy", logits: logits, targets: softTargets, targetName: "softTargets",
      targetEntropy: false)
  }

  /// KL(p || softmax(logits)) with "batchmean" reduction: sum p (log p - log_softmax(logits)) / N,
  /// where 0 log 0 = 0 (PyTorch's `kl_div(log_softmax(logits), p, reduction="batchmean")`).
  /// Entries with p == 0 give the targets no gradient.
  public static func klDivergence(logits: Tensor, targetProbabilities: Tensor) throws -> Tensor {
    try softTargetLoss(
      "klDivergence", logits: logits, targets: targetProbabilities,
      targetName: "targetProbabilities", targetEntropy: true)
  }

  private static func softTargetLoss(
    _ op: String, logits: Tensor, targets: Tensor, targetName: String, targetEntropy: Bool
  ) throws -> Tensor {
    guard logits.rank == 2, logits.shape == targets.shape else {
      throw TensorError.shapeMismatch(
        op: op,
        detail: "logits \(logits.shape) and \(targetName) \(targets.shape): "
          + "both must have the same shape (N, C)")
    }
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    let rowLoss = TensorStorage(count: rows, zeroed: false)
    let shift = TensorStorage(count: rows, zeroed: false)
    let logSum = TensorStorage(count: rows, zeroed: false)
    CrossEntropyKernel.softForward(
      logits: logits.storage.pointer, targets: targets.storage.pointer, rows: rows,
      classes: classes,
      targetEntropy: targetEntropy, rowLoss: rowLoss.pointer, shift: shift.pointer,
      logSum: logSum.pointer)
    let value = rows == 0 ? 0 : orderedSum(rowLoss.pointer, count: rows) / Double(rows)
    let (logitsStorage, targetsStorage) = (logits.storage, targets.storage)
    let (logitsNode, targetsNode) = (logits.gradientNodeIfRequired, targets.gradientNodeIfRequired)
    return scalarResult(op, value, inputs: [logits, targets]) { g in
      let gx = logitsNode?.accumulator()
      let gt = targetsNode?.accumulator()
      guard rows > 0 else { return }
      CrossEntropyKernel.softBackward(
        logits: logitsStorage.pointer, targets: targetsStorage.pointer, rows: rows,
        classes: classes, targetEntropy: targetEntropy, shift: shift.pointer,
        logSum: logSum.pointer, scale: g / Float(rows), gx: gx, gt: gt)
    }
  }

  /// mean((prediction - target)^2) over all elements; the shapes must match.
  public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
    try pointwiseLoss("meanSquaredError", prediction, target) { p, t in
      let d = Double(p) - Double(t)
      return (d * d, 2 * (p - t), 2 * (t - p))
    }
  }

  /// PyTorch's `smooth_l1_loss`, mean over elements: with d = prediction - target,
  /// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is the L1 loss.
  public static func smoothL1(_ prediction: Tensor, _ target: Tensor, beta: Float = 1) throws
    -> Tensor
  {
    guard beta >= 0, beta.isFinite else {
      throw TensorError.invalidArgument(
        op: "smoothL1", detail: "beta must be finite and >= 0, got \(beta)")
    }
    return try pointwiseLoss("smoothL1", prediction, target) { p, t in
      let (d, dd) = (p - t, Double(p) - Double(t))
      if Swift.abs(d) < beta { return (0.5 * dd * dd / Double(beta), d / beta, -d / beta) }
      let sign: Float = d > 0 ? 1 : (d < 0 ? -1 : 0)
      return (Swift.abs(dd) - 0.5 * Double(beta), sign, -sign)
    }
  }

  /// mean(max(x, 0) - x t + log(1 + e^-|x|)): binary cross-entropy on logits x, in the form
  /// that cannot overflow. The gradient is sigmoid(x) - t for x and -x for t.
  public static func binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor) throws -> Tensor
  {
    try pointwiseLoss(
      "binaryCrossEntropyWithLogits", logits, targets, names: ("logits", "targets")
    ) { x, t in
      let (xd, td) = (Double(x), Double(t))
      let e = Foundation.exp(-Swift.abs(xd))  // in (0, 1]
      let loss = Swift.max(xd, 0) - xd * td + log1p(e)
      let sigmoid = xd >= 0 ? 1 / (1 + e) : e / (1 + e)
      return (loss, Float(sigmoid - td), -x)
    }
  }

  /// Shared body of the pointwise losses: `term(p, t)` gives one element's loss and its
  /// derivatives with respect to p and t.
  private static func pointwiseLoss(
    _ op: String, _ prediction: Tensor, _ target: Tensor,
    names: (String, String) = ("prediction", "target"),
    _ term: @escaping (Float, Float) -> (loss: Double, dp: Float, dt: Float)
  ) throws -> Tensor {
    guard prediction.shape == target.shape else {
      throw TensorError.shapeMismatch(
        op: op,
        detail: "\(names.0) \(prediction.shape) and \(names.1) \(target.shape): shapes differ")
    }
    let n = prediction.count
    let (p, t) = (prediction.storage.pointer, target.storage.pointer)
    let total = orderedSum(count: n) { range in
      var sum = 0.0
      for i in range { sum += term(p[i], t[i]).loss }
      return sum
    }
    let (kept, keptTarget) = (prediction.storage, target.storage)
    let (predictionNode, targetNode) = (
      prediction.gradientNodeIfRequired, target.gradientNodeIfRequired
    )
    return scalarResult(op, n == 0 ? 0 : total / Double(n), inputs: [prediction, target]) { g in
      let gp = predictionNode?.accumulator()
      let gt = targetNode?.accumulator()
      guard n > 0 else { return }
      let (p, t) = (kept.pointer, keptTarget.pointer)
      let scale = g / Float(n)
      Parallel.forChunks(count: n, minimumPerThread: 1 << 14) { range in
        for i in range {
          let derivatives = term(p[i], t[i])
          if let gp { gp[i] += scale * derivatives.dp }
          if let gt { gt[i] += scale * derivatives.dt }
        }
      }
    }
  }

  /// A rank-0 result whose pullback receives the upstream gradient as one Float.
  private static func scalarResult(
    _ op: String, _ value: Double, inputs: [Tensor], _ pullback: @escaping (Float) -> Void
  ) -> Tensor {
    let storage = TensorStorage([Float(value)])
    return Tensor.result(op, shape: Shape([]), storage: storage, inputs: inputs) { g in
      pullback(g[0])
    }
  }
}

/// Sums used by the losses: Double accumulation over fixed chunks of `lossChunk` elements (run in
/// parallel), then the chunk sums in order, so the result never depends on the thread count.
private let lossChunk = 4096

private func orderedSum(count: Int, _ chunkSum: (Range<Int>) -> Double) -> Double {
  let chunks = (count + lossChunk - 1) / lossChunk
  var partials = [Double](repeating: 0, count: chunks)
  partials.withUnsafeMutableBufferPointer { buffer in
    let base = buffer.baseAddress
    Parallel.forChunks(count: chunks, minimumPerThread: 4) { range in
      for chunk in range {
        base![chunk] = chunkSum((chunk * lossChunk)..<Swift.min(count, (chunk + 1) * lossChunk))
      }
    }
  }
  return partials.reduce(0, +)
}

private func orderedSum(_ values: UnsafePointer<Float>, count: Int) -> Double {
  orderedSum(count: count) { range in
    var sum = 0.0
    for i in range { sum += Double(values[i]) }
    return sum
  }
}
