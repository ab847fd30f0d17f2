import Foundation
import TSNE
import Tensor

/// `vlp bench tsne --phases`, after the preparation: every `every` iterations, their wall and
/// CPU seconds, how many of their gradient evaluations used the FFT, and the map's extent
/// (which the per-evaluation choice between Barnes-Hut and the FFT reads), on stderr.
struct TSNEIterationTrace {
  var every = 50
  private var iteration: Int
  private var wall: UInt64
  private var cpu: Double
  private var interpolated: Int

  init(_ tsne: TSNE) {
    (iteration, interpolated) = (tsne.iteration, tsne.interpolatedEvaluations)
    (wall, cpu) = (DispatchTime.now().uptimeNanoseconds, ProcessCPUTime.seconds())
  }

  /// Call after each step: prints a line once `every` iterations have passed or the run ended.
  mutating func after(_ tsne: TSNE) {
    guard tsne.iteration - iteration >= every || tsne.isFinished,
      tsne.iteration > iteration
    else { return }
    let (now, nowCPU) = (DispatchTime.now().uptimeNanoseconds, ProcessCPUTime.seconds())
    let embedding = tsne.embedding
    var (lowX, highX, lowY, highY) = (Float.infinity, -Float.infinity, Float.infinity, -Float.infinity)
    for i in 0..<(embedding.count / 2) {
      (lowX, highX) = (min(lowX, embedding[2 * i]), max(highX, embedding[2 * i]))
      (lowY, highY) = (min(lowY, embedding[2 * i + 1]), max(highY, embedding[2 * i + 1]))
    }
    let steps = tsne.iteration - iteration
    let line = String(
      format: "optimise: iterations %d-%d%@: %.2f s wall, %.1f ms CPU each, FFT in %d, map %.1f x %.1f\n",
      iteration, tsne.iteration - 1, tsne.isExaggerating ? " (exaggerated)" : "",
      Double(now - wall) * 1e-9, 1000 * (nowCPU - cpu) / Double(steps),
      tsne.interpolatedEvaluations - interpolated, highX - lowX, highY - lowY)
    FileHandle.standardError.write(Data(line.utf8))
    (iteration, interpolated, wall) = (tsne.iteration, tsne.interpolatedEvaluations, now)
    // The extent's pass is not the run's: the next interval's CPU starts after it.
    cpu = ProcessCPUTime.seconds()
  }
}
