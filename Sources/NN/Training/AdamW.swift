import Tensor

/// AdamW (Loshchilov & Hutter) as in PyTorch: decoupled weight decay p ← p − lr·λ·p, then the
/// bias-corrected Adam step p ← p − lr · m̂ / (√v̂ + ε).
///
/// Parameters are tracked by their hierarchical names, so the state can be saved and restored
/// with a checkpoint. By default biases and LayerNorm scales (every rank-1 parameter) get no
/// weight decay, as in BERT's `no_decay = ["bias", "LayerNorm.weight"]`.
public final class AdamW {
  public struct Configuration: Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.01
    /// Names (or suffixes) of parameters never decayed, besides rank-1 ones when
    /// `decayRankOneParameters` is false.
    public var noDecayNames: [String] = []
    public var decayRankOneParameters = false

    public init(weightDecay: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
      self.weightDecay = weightDecay
      self.beta1 = beta1
      self.beta2 = beta2
      self.epsilon = epsilon
    }
  }

  public let configuration: Configuration
  public let parameters: [(name: String, tensor: Tensor)]
  /// Steps taken so far (t in the bias correction).
  public private(set) var stepCount: Int = 0
  /// First and second moments by parameter, allocated zeroed.
  let firstMoments: [TensorStorage]
  let secondMoments: [TensorStorage]
  let decays: [Bool]

  public init(parameters: [(name: String, tensor: Tensor)], configuration: Configuration = Configuration()) {
    self.parameters = parameters
    self.configuration = configuration
    firstMoments = parameters.map { TensorStorage(count: $0.tensor.count) }
    secondMoments = parameters.map { TensorStorage(count: $0.tensor.count) }
    decays = parameters.map { name, tensor in
      if configuration.noDecayNames.contains(where: { name == $0 || name.hasSuffix("." + $0) }) { return false }
      return tensor.rank >= 2 || configuration.decayRankOneParameters
    }
  }

  public convenience init(module: any Module, configuration: Configuration = Configuration()) {
    self.init(parameters: module.namedParameters(), configuration: configuration)
  }

  public func decays(_ name: String) -> Bool {
    parameters.firstIndex { $0.name == name }.map { decays[$0] } ?? false
  }

  /// One update with the gradients currently accumulated; parameters without a gradient (unused
  /// in this step) are skipped, as PyTorch does.
  public func step(learningRate: Float) {
    stepCount += 1
    let c = configuration
    let correction1 = 1 - Float(Double(c.beta1).power(stepCount))
    let correction2 = 1 - Float(Double(c.beta2).power(stepCount))
    // One fused loop over every parameter that has a gradient, split across threads by
    // element: each element's update is independent, so any thread count gives the same bits.
    let updated = parameters.indices.filter { parameters[$0].tensor.gradStorage != nil }
    let buffers = updated.map { index in
      let parameter = parameters[index].tensor
      return (
        p: parameter.storage.pointer, g: parameter.gradStorage!.pointer,
        m: firstMoments[index].pointer, v: secondMoments[index].pointer,
        decayFactor: decays[index] ? 1 - learningRate * c.weightDecay : Float(1))
    }
    Parallel.forSegments(counts: updated.map { parameters[$0].tensor.count }) { segment, elements in
      let (p, g, m, v, decayFactor) = buffers[segment]
      // Eight lanes at a time, then the rest one by one: the same IEEE operations in the same
      // order per element either way (the compiler kept the scalar loop scalar: the four
      // buffers might alias).
      typealias Lanes = SIMD8<Float>
      @inline(__always) func load(_ x: UnsafeMutablePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self)
      }
      @inline(__always) func store(_ value: Lanes, _ x: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(x + i).storeBytes(of: value, as: Lanes.self)
      }
      var i = elements.lowerBound
      while i + 8 <= elements.upperBound {
        let gradient = load(g, i)
        let first = c.beta1 * load(m, i) + (1 - c.beta1) * gradient
        let second = c.beta2 * load(v, i) + (1 - c.beta2) * gradient * gradient
        store(first, m, i)
        store(second, v, i)
        let (mHat, vHat) = (first / correction1, second / correction2)
        let decayed = load(p, i) * decayFactor
        store(decayed - learningRate * mHat / (vHat.squareRoot() + c.epsilon), p, i)
        i += 8
      }
      for i in i..<elements.upperBound {
        p[i] *= decayFactor
        m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i]
        v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i]
        let mHat = m[i] / correction1
        let vHat = v[i] / correction2
        p[i] -= learningRate * mHat / (vHat.squareRoot() + c.epsilon)
      }
    }
  }

  public func zeroGradients() {
    for (_, parameter) in parameters { parameter.zeroGrad() }
  }

  /// The moments as tensors sharing the optimizer's buffers, by PyTorch's state names
  /// ("exp_avg", "exp_avg_sq") and parameter name: `TrainingCheckpoint.capture` saves them and
  /// `restore(optimizerState:)` writes into them. The step count travels as `stepCountKey`.
  public var stateTensors: [String: [(name: String, tensor: Tensor)]] {
    func views(_ storages: [TensorStorage]) -> [(name: String, tensor: Tensor)] {
      zip(parameters, storages).map { ($0.name, Tensor(shape: $0.tensor.shape, storage: $1)) }
    }
    return ["exp_avg": views(firstMoments), "exp_avg_sq": views(secondMoments)]
  }

  /// Metadata key under which checkpoints keep `stepCount`.
  public static let stepCountKey = "optimizer.step"

  /// Sets the step count after the moments were restored from a checkpoint.
  public func restoreStepCount(_ count: Int) throws {
    guard count >= 0 else { throw OptimizerStateError(detail: "step count \(count) is negative") }
    stepCount = count
  }
}

public struct OptimizerStateError: Error, CustomStringConvertible {
  public let detail: String
  public var description: String { "AdamW: \(detail)" }
}

extension Double {
  /// x^n by repeated squaring: exact-order arithmetic, no libm, so identical everywhere.
  func power(_ n: Int) -> Double {
    var (result, base, exponent) = (1.0, self, n)
    while exponent > 0 {
      if exponent & 1 == 1 { result *= base }
      base *= base
      exponent >>= 1
    }
    return result
  }
}
