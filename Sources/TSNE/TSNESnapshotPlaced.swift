/// A public way to build a `TSNESnapshot` outside this module: the workbench shows points that
/// `TSNETransform` placed into a finished map with the same panel type as a running t-SNE.
/// (Added by the projection screen's work, in a file of its own beside the engine's files.)
extension TSNESnapshot {
  /// Positions that no optimisation produced here (placed points): no iterations, no KL.
  public static func placed(embedding: [Float], isFinished: Bool) -> TSNESnapshot {
    TSNESnapshot(
      iteration: 0, totalIterations: 0, method: .fft, embedding: embedding, klDivergence: nil,
      klDivergenceIteration: nil, isExaggerating: false, isFinished: isFinished)
  }
}
