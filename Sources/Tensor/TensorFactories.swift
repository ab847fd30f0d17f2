/// Constructors for common tensors. Random initialisers draw from a caller-owned
/// `RandomGenerator`, so the same seed always gives the same parameters.
extension Tensor {
  public static func zeros(_ shape: Shape) -> Tensor {
    Tensor(shape: shape, storage: TensorStorage(count: shape.count, zeroed: true))
  }

  public static func full(_ shape: Shape, value: Float) -> Tensor {
    let storage = TensorStorage(count: shape.count, zeroed: false)
    storage.pointer.initialize(repeating: value, count: shape.count)
    return Tensor(shape: shape, storage: storage)
  }

  public static func ones(_ shape: Shape) -> Tensor { full(shape, value: 1) }

  /// Normal(mean, std^2) values.
  public static func randomNormal(
    _ shape: Shape, mean: Float = 0, standardDeviation: Float = 1, using rng: inout RandomGenerator
  ) -> Tensor {
    let storage = TensorStorage(count: shape.count, zeroed: false)
    for i in 0..<shape.count {
      storage.pointer[i] = mean + standardDeviation * Float(rng.nextNormal())
    }
    return Tensor(shape: shape, storage: storage)
  }
}
