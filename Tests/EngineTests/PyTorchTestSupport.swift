import Foundation
import NN
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// A Python that imports torch, for the tests that run the exported trainer: `VLP_PYTHON`, else
/// `python3` when it imports torch. Without one those tests are skipped, with one notice.
enum TorchPython {
  static let executable: String? = {
    let environment = ProcessInfo.processInfo.environment
    let candidates = [environment["VLP_PYTHON"], "python3"].compactMap { $0 }.filter { !$0.isEmpty }
    for candidate in candidates where run([candidate, "-c", "import torch"]).status == 0 {
      return candidate
    }
    print("PyTorch tests skipped: no python with torch (set VLP_PYTHON, or `make torch-venv`)")
    return nil
  }()

  static var available: Bool { executable != nil }

  /// Runs `arguments` (a program looked up on PATH, then its arguments) in `directory`; returns
  /// the exit status and stdout and stderr together.
  @discardableResult
  static func run(_ arguments: [String], in directory: URL? = nil) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do {
      try process.run()
    } catch {
      return (-1, "\(error)")
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
  }

  /// `python ARGS...` with the torch python, in `directory`.
  static func python(_ arguments: [String], in directory: URL) -> (status: Int32, output: String) {
    run([executable ?? "python3"] + arguments, in: directory)
  }
}

/// Tiny sessions for the PyTorch tests: ALBEF on the world's regions, 200 pairs, dropout off.
enum PyTorchSessions {
  static func json(
    seed: Int = 5, steps: Int = 50, model extra: String = "", objectives: String = ""
  ) -> String {
    """
    {"seed": \(seed),
     "model": {"family": "albef", "imageInput": "regions", "dimension": 16, "headCount": 2,
               "hiddenSize": 32, "imageLayers": 1, "textLayers": 1, "fusionLayers": 1,
               "embeddingDimension": 8, "dropout": 0\(extra)},
     "objectives": {"itc": 1, "mlm": 1, "itm": 1, "distillation": true, "alphaRampSteps": 10,
                    "queueSize": 32, "mrfr": 1\(objectives)},
     "training": {"batchSize": 8, "steps": \(steps), "learningRate": 0.002, "warmupSteps": 5,
                  "gradientClipNorm": 5},
     "data": {"world": {"pairCount": 200}},
     "evaluation": {"every": 1000, "retrievalPairs": 20, "accuracyPairs": 16, "rerank": 0}}
    """
  }

  /// Oscar on the world's regions and fine tags, 200 pairs, dropout off: masked tokens, polluted
  /// tags with Oscar+'s caption pollution (3 classes) and the three MVM kinds.
  static func oscarJSON(
    seed: Int = 5, steps: Int = 50, model extra: String = "", objectives: String = "",
    tags: String = "fine"
  ) -> String {
    """
    {"seed": \(seed),
     "model": {"family": "oscar", "dimension": 16, "headCount": 2, "hiddenSize": 32, "layers": 2,
               "maximumTextLength": 24, "maximumRegions": 6, "dropout": 0\(extra)},
     "objectives": {"mlm": 1, "pollutedTags": 1, "pollutionProbability": 0.5,
                    "captionPollutionProbability": 0.25, "mrfr": 1, "mrc": 1, "mrcKL": 4\(objectives)},
     "training": {"batchSize": 8, "steps": \(steps), "learningRate": 0.002, "warmupSteps": 5,
                  "gradientClipNorm": 5},
     "data": {"world": {"pairCount": 200}, "tags": "\(tags)"},
     "evaluation": {"every": 1000, "retrievalPairs": 20, "accuracyPairs": 16}}
    """
  }

  static func configuration(_ json: String) throws -> PretrainingConfiguration {
    try SessionDefinition(json: Data(json.utf8), source: "session.json").variants[0].configuration
  }

  /// `root/NAME/session.json` holding `json`.
  static func folder(_ json: String, name: String, root: URL) throws -> SessionFolder {
    try TinySession.write(json, name: name, in: root)
    return try SessionFolder(name: name, root: root)
  }
}

/// log.jsonl of a train.py run: (step, total, losses by metric name) per step line.
func trainerLog(_ url: URL) throws -> [(step: Int, loss: Double, losses: [String: Double])] {
  let text = try String(contentsOf: url, encoding: .utf8)
  return try text.split(separator: "\n").compactMap { line in
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    guard let loss = object["loss"] as? Double else { return nil }
    let losses = object.compactMapValues { $0 as? Double }.filter {
      Objective(metricKey: $0.key) != nil
    }
    return (object["step"] as! Int, loss, losses)
  }
}
