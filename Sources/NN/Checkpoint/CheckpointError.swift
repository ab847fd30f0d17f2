/// Why a checkpoint could not be read, written or restored. Every message starts with the file
/// (as the caller named it) and, where one is to blame, the tensor, then says what is wrong and
/// what to do, e.g.
/// `checkpoints/step-100.safetensors: tensor "model.text.layers.0.attention.query.weight":
/// data_offsets [0, 400] hold 100 floats but shape [32, 32] needs 1024`.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The operating system refused an open, read, write, fsync or rename.
  case io(path: String, operation: String, detail: String)
  /// The file as a whole is not a valid safetensors file (truncated, header length, JSON, layout).
  case malformed(path: String, detail: String)
  /// One tensor entry of the header, or its data, is invalid.
  case invalidTensor(path: String, tensor: String, detail: String)
  /// The metadata is missing an entry or holds a value of the wrong form.
  case invalidMetadata(path: String, key: String, detail: String)
  /// What the caller asked to write cannot be represented (shape and values disagree, bad name).
  case invalidInput(path: String, detail: String)
  /// The checkpoint's tensors do not fit the model: every problem found, up to a limit.
  case mismatch(path: String, problems: [String], totalProblems: Int)

  public var description: String {
    switch self {
    case .io(let path, let operation, let detail):
      return "\(path): cannot \(operation): \(detail)"
    case .malformed(let path, let detail):
      return "\(path): \(detail)"
    case .invalidTensor(let path, let tensor, let detail):
      return "\(path): tensor \"\(tensor)\": \(detail)"
    case .invalidMetadata(let path, let key, let detail):
      return "\(path): metadata \"\(key)\": \(detail)"
    case .invalidInput(let path, let detail):
      return "\(path): \(detail)"
    case .mismatch(let path, let problems, let totalProblems):
      var lines = [
        "\(path): checkpoint does not match the model (\(totalProblems) "
          + "problem\(totalProblems == 1 ? "" : "s"); nothing was loaded):"
      ]
      lines += problems.map { "  " + $0 }
      if totalProblems > problems.count {
        lines.append("  ... and \(totalProblems - problems.count) more")
      }
      lines.append(
        "  check that the session's config builds the same model as the one that saved it")
      return lines.joined(separator: "\n")
    }
  }
}
