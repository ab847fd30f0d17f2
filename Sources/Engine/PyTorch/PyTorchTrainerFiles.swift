import Foundation

/// The PyTorch trainer's Python files (Sources/Engine/PyTorch/trainer, shipped as the Engine
/// target's resources): found next to the `vlp` binary (SwiftPM's `vlp_Engine.resources`), in
/// `VLP_PYTORCH_TRAINER`, or in the source tree this binary was built from.
public enum PyTorchTrainerFiles {
  /// Every file the export copies; a folder missing one of them is not used.
  public static let names = [
    "model.py", "objectives.py", "data.py", "realdata.py", "regionfiles.py", "tokenizer.py",
    "evaluation.py", "checkpoint.py", "train.py", "parity.py", "README.md",
  ]

  /// The folder that holds them, or an error that names every place looked at.
  public static func folder(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> URL {
    var candidates: [URL] = []
    if let override = environment["VLP_PYTORCH_TRAINER"], !override.isEmpty {
      candidates.append(URL(fileURLWithPath: override, isDirectory: true))
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "vlp")
      .resolvingSymlinksInPath().deletingLastPathComponent()
    for base in [executable, Bundle.main.bundleURL, Bundle.main.resourceURL].compactMap({ $0 }) {
      candidates.append(
        base.appendingPathComponent("vlp_Engine.resources/trainer", isDirectory: true))
    }
    candidates.append(
      URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("trainer", isDirectory: true))
    for candidate in candidates where isComplete(candidate) { return candidate }
    throw PyTorchExchangeError.trainerMissing(searched: candidates.map(\.path))
  }

  static func isComplete(_ folder: URL) -> Bool {
    names.allSatisfy {
      FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
    }
  }
}
