/// Fused GELU forward and backward over raw buffers, 16 lanes at a time.
///
/// tanh form (BERT, GPT-2): 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)
/// erf form (exact):        0.5 x (1 + erf(x / sqrt 2))
public enum GELUApproximation: String, Sendable, CaseIterable, Codable {
  case tanh
  case erf
}

/// `value` and `derivative` are `@_transparent` for the reason VectorMath's functions are (a
/// SIMD16 argument of an out-of-line call runs at half width on AVX2).
public enum GELUKernel {
  public typealias Vector = VectorMath.Vector
  static let sqrt2OverPi: Float = 0.7978845608028654

  @_transparent
  static func value(_ x: Vector, _ approximation: GELUApproximation) -> Vector {
    switch approximation {
    case .tanh:
      let u = sqrt2OverPi * x.addingProduct(0.044715 * x * x, x)
      return 0.5 * x * (1 + VectorMath.tanh(u))
    case .erf:
      return x * VectorMath.normalCDF(x)
    }
  }

  /// d GELU / dx.
  @_transparent
  static func derivative(_ x: Vector, _ approximation: GELUApproximation) -> Vector {
    switch approximation {
    case .tanh:
      let x2 = x * x
      let u = sqrt2OverPi * x.addingProduct(0.044715 * x2, x)
      let t = VectorMath.tanh(u)
      let du = sqrt2OverPi * (1 + 3 * 0.044715 * x2)
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    case .erf:
      let (cdf, pdf) = VectorMath.normalCDFAndDensity(x)
      return cdf + x * pdf
    }
  }

  /// `value` and `derivative` together, each with the bits it has alone; the erf form computes
  /// its normal CDF (and the exponential inside) once for both.
  @_transparent
  static func valueAndDerivative(
    _ x: Vector, _ approximation: GELUApproximation
  ) -> (value: Vector, derivative: Vector) {
    switch approximation {
    case .tanh:
      return (value(x, .tanh), derivative(x, .tanh))
    case .erf:
      let (cdf, pdf) = VectorMath.normalCDFAndDensity(x)
      return (x * cdf, cdf + x * pdf)
    }
  }

  public static func forward(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
    approximation: GELUApproximation
  ) {
    Parallel.forChunks(count: count, minimumPerThread: 1 << 14) { range in
      VectorMath.apply(x + range.lowerBound, y + range.lowerBound, count: range.count) {
        value($0, approximation)
      }
    }
  }

  /// gx += g * GELU'(x)
  public static func backward(
    _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ gx: UnsafeMutablePointer<Float>,
    count: Int, approximation: GELUApproximation
  ) {
    Parallel.forChunks(count: count, minimumPerThread: 1 << 14) { range in
      var i = range.lowerBound
      while i + 16 <= range.upperBound {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self)
        let gv = UnsafeRawPointer(g + i).loadUnaligned(as: Vector.self)
        let old = UnsafeRawPointer(gx + i).loadUnaligned(as: Vector.self)
        let updated = old.addingProduct(gv, derivative(xv, approximation))
        UnsafeMutableRawPointer(gx + i).storeBytes(of: updated, as: Vector.self)
        i += 16
      }
      while i < range.upperBound {
        gx[i] += g[i] * derivative(Vector(repeating: x[i]), approximation)[0]
        i += 1
      }
    }
  }
}

extension Tensor {
  /// Gaussian error linear unit; `.tanh` (BERT's approximation) by default, `.erf` exact.
  public func gelu(_ approximation: GELUApproximation = .tanh) -> Tensor {
    let output = TensorStorage(count: count, zeroed: false)
    GELUKernel.forward(storage.pointer, output.pointer, count: count, approximation: approximation)
    let (input, node) = (storage, gradientNode)  // the derivative reads the input only
    return Tensor.result("gelu", shape: shape, storage: output, inputs: [self]) { g in
      GELUKernel.backward(
        input.pointer, g, node.accumulator(), count: input.count, approximation: approximation)
    }
  }
}
