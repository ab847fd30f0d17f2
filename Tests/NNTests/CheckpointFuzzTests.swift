import Foundation
import Testing
import TestSupport

@testable import NN

/// Seeded mutation fuzzing of the checkpoint reader (docs/reliability.md), and the check that
/// names non-finite weights where a checkpoint is loaded for use.
@Suite struct CheckpointFuzzTests {
  static func corpus() throws -> [[UInt8]] {
    let directory = try TemporaryDirectory("checkpoint-corpus")
    defer { directory.remove() }
    let checkpoint = TrainingCheckpoint(
      step: 7, config: #"{"model": "tiny"}"#,
      model: [
        NamedArray(name: "a.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
        NamedArray(name: "b", shape: [4], values: [0.5, -1, 2, 0]),
      ],
      momentum: nil, optimizerState: ["exp_avg": [NamedArray(name: "a.weight", shape: [2, 3], values: [0, 0, 0, 0, 0, 1])]],
      buffers: [], extra: ["engine.variant": "main"])
    let url = directory.file("step-7.safetensors")
    try checkpoint.write(to: url)
    return [[UInt8](try Data(contentsOf: url))]
  }

  @Test func checkpointReaderHoldsOnMutatedFiles() throws {
    var fuzzer = Fuzzer(name: "safetensors", corpus: try Self.corpus(), fileName: "step-7.safetensors")
    fuzzer.tokens += ["\"F32\"", "\"F64\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\""]
    let run = fuzzer.run(
      cases: Fuzzer.caseCount(default: 2500), seconds: Fuzzer.timeLimit(default: 5)
    ) { path in
      let checkpoint = try TrainingCheckpoint.read(from: URL(fileURLWithPath: path))
      try checkpoint.checkFinite()
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 50)
    let directory = try TemporaryDirectory("checkpoint-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("safetensors", in: directory.url) { path in
      _ = try SafeTensorsFile.read(from: URL(fileURLWithPath: path))
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  @Test func nonFiniteWeightsAreNamedAtLoad() throws {
    var checkpoint = TrainingCheckpoint(
      step: 1, config: "{}",
      model: [
        NamedArray(name: "fine", shape: [2], values: [1, 2]),
        NamedArray(name: "layer.weight", shape: [3], values: [.nan, 1, .infinity]),
        NamedArray(name: "other", shape: [1], values: [.nan]),
      ],
      momentum: nil, optimizerState: [:], buffers: [], extra: [:], source: "c.safetensors")
    #expect {
      try checkpoint.checkFinite()
    } throws: { error in
      "\(error)" == "c.safetensors: tensor \"model.layer.weight\": holds 2 non-finite values (NaN or "
        + "infinity), as do 1 more tensors; the file is damaged (a run never saves after a "
        + "non-finite loss): use an earlier checkpoint or move this one aside"
    }
    checkpoint.model.removeLast(2)
    try checkpoint.checkFinite()
  }
}
