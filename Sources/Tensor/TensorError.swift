/// Errors thrown at the tensor API boundary. Each message names the op and the shapes involved
/// so that a user can find the offending call, e.g. `matmul: (32, 128) x (64, 128): inner sizes differ`.
public enum TensorError: Error, CustomStringConvertible, Equatable {
  case shapeMismatch(op: String, detail: String)
  case invalidAxis(op: String, axis: Int, shape: Shape)
  case invalidArgument(op: String, detail: String)
  case indexOutOfRange(op: String, index: Int, size: Int)
  case elementCountMismatch(expected: Int, got: Int, shape: Shape)
  case notScalar(op: String, shape: Shape)
  case noGradient(detail: String)

  public var description: String {
    switch self {
    case .shapeMismatch(let op, let detail):
      return "\(op): \(detail)"
    case .invalidAxis(let op, let axis, let shape):
      return "\(op): axis \(axis) is out of range for a tensor of shape \(shape) (rank \(shape.rank))"
    case .invalidArgument(let op, let detail):
      return "\(op): \(detail)"
    case .indexOutOfRange(let op, let index, let size):
      return "\(op): index \(index) is out of range 0..<\(size)"
    case .elementCountMismatch(let expected, let got, let shape):
      return "tensor of shape \(shape) needs \(expected) values, got \(got)"
    case .notScalar(let op, let shape):
      return "\(op): expected a tensor with one element, got shape \(shape)"
    case .noGradient(let detail):
      return "backward: \(detail)"
    }
  }
}
