import Foundation
import NN
import Tensor

/// `vlp bench layer`: forward and backward of one Transformer layer (self-attention and a GELU
/// feed-forward, post-norm, dropout off) at the sizes of our models: d = 128, 4 heads,
/// sequence 41, batch 32 by default.
public struct LayerBenchmarkResult: Sendable, Codable {
  public let dimension: Int
  public let heads: Int
  public let sequenceLength: Int
  public let batchSize: Int
  public let threads: Int
  public let crossAttention: Bool
  /// Best and median milliseconds per forward + backward.
  public let bestMilliseconds: Double
  public let medianMilliseconds: Double
  public let repetitions: Int
}

public enum LayerBenchmark {
  public static func run(
    dimension: Int = 128, heads: Int = 4, sequenceLength: Int = 41, batchSize: Int = 32,
    crossAttention: Bool = false, threads: Int, minimumSeconds: Double = 1
  ) throws -> LayerBenchmarkResult {
    try ComputeSettings.withThreadCount(threads) {
      var random = RandomGenerator(seed: 1)
      let configuration = TransformerLayerConfiguration(
        dimension: dimension, headCount: heads, dropout: 0, attentionDropout: 0,
        crossAttentionSize: crossAttention ? dimension : nil)
      let layer = try TransformerLayer(configuration, random: &random)
      let input = Tensor.randomNormal([batchSize, sequenceLength, dimension], using: &random)
      let image = Tensor.randomNormal([batchSize, 65, dimension], using: &random)
      let upstream = Tensor.randomNormal([batchSize, sequenceLength, dimension], using: &random)
      let context = ForwardContext.inference()

      func once() throws {
        layer.zeroGradients()
        let output = try layer(input, crossInput: crossAttention ? image : nil, context: context)
        try output.backward(gradient: upstream)
      }
      try once()  // warm-up: buffers, worker thread
      var times: [Double] = []
      let start = DispatchTime.now().uptimeNanoseconds
      while times.count < 5 || Double(DispatchTime.now().uptimeNanoseconds - start) < minimumSeconds * 1e9 {
        let begin = DispatchTime.now().uptimeNanoseconds
        try once()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
      }
      times.sort()
      return LayerBenchmarkResult(
        dimension: dimension, heads: heads, sequenceLength: sequenceLength, batchSize: batchSize,
        threads: threads, crossAttention: crossAttention, bestMilliseconds: times[0],
        medianMilliseconds: times[times.count / 2], repetitions: times.count)
    }
  }

  public static func table(_ results: [LayerBenchmarkResult]) -> String {
    var lines = ["layer (forward + backward)                 threads   best ms   median ms   reps"]
    for r in results {
      let name = "d=\(r.dimension) h=\(r.heads) T=\(r.sequenceLength) B=\(r.batchSize)\(r.crossAttention ? " +cross" : "")"
      lines.append(
        name.padding(toLength: 42, withPad: " ", startingAt: 0)
          + String(format: " %7d  %8.2f  %10.2f  %5d", r.threads, r.bestMilliseconds, r.medianMilliseconds, r.repetitions))
    }
    return lines.joined(separator: "\n")
  }
}
