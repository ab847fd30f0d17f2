/// What goes wrong handing a session to PyTorch and taking a run back; each case names the file
/// or setting and the fix.
public enum PyTorchExchangeError: Error, CustomStringConvertible, Equatable {
  case trainerMissing(searched: [String])
  case unsupported(variant: String, detail: String)
  case destination(path: String, detail: String)
  case damaged(path: String, detail: String)
  case io(path: String, detail: String)

  public var description: String {
    switch self {
    case .trainerMissing(let searched):
      "the PyTorch trainer files (\(PyTorchTrainerFiles.names.joined(separator: ", "))) are in "
        + "none of \(searched.joined(separator: ", ")): keep vlp_Engine.resources next to the vlp "
        + "binary (swift build puts it there) or set VLP_PYTORCH_TRAINER to a copy of "
        + "Sources/Engine/PyTorch/trainer"
    case .unsupported(let variant, let detail): "variant '\(variant)': \(detail)"
    case .destination(let path, let detail): "\(path): \(detail)"
    case .damaged(let path, let detail): "\(path): \(detail)"
    case .io(let path, let detail): "\(path): \(detail)"
    }
  }
}
