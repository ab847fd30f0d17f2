import Foundation
import Tensor
import Testing
import TestSupport

@testable import NN

/// A two-level module: enough to exercise dotted names (`child.weight`) and several shapes.
private final class TinyChild: Module {
  let weight: Tensor
  init(_ values: [Float]) { weight = try! Tensor(shape: [2, 3], values: values).requiringGrad() }
  var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }
}

private final class TinyModel: Module {
  let embedding: Tensor
  let bias: Tensor
  let child: TinyChild
  init(seed: Float) {
    embedding = try! Tensor(shape: [4, 2], values: (0..<8).map { Float($0) * seed }).requiringGrad()
    bias = Tensor([seed, -seed, 0.5]).requiringGrad()
    child = TinyChild((0..<6).map { Float($0) - seed })
  }
  var ownParameters: [(name: String, tensor: Tensor)] {
    [("embedding", embedding), ("bias", bias)]
  }
  var children: [(name: String, module: any Module)] { [("child", child)] }
}

/// Values that float32 round trips get wrong when anything converts or rounds on the way.
private let awkwardValues: [Float] = [
  -0.0, Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude / 3, .infinity, -.infinity,
  .greatestFiniteMagnitude, 1.0 / 3.0, .nan,
]

private func sampleCheckpoint(step: Int = 100) -> TrainingCheckpoint {
  let model = TinyModel(seed: 0.25)
  _ = model.embedding.storage.buffer.update(fromContentsOf: awkwardValues)
  let adamState = TinyModel(seed: 2)
  return TrainingCheckpoint.capture(
    step: step, config: #"{"model":"tiny","note":"quote \" and \\ and \n ünïcode"}"#,
    model: model, momentum: TinyModel(seed: 0.5),
    optimizerState: [
      "exp_avg": adamState.namedParameters(), "exp_avg_sq": TinyModel(seed: 3).namedParameters(),
    ],
    extra: ["rng.data": "123456789", "optimizer.t": "100"])
}

/// A raw file: the u64 length of `header`, `header`, then `data`, for hand-made corrupt cases.
private func craftedFile(in directory: URL, header: String, data: [UInt8] = []) throws -> URL {
  let url = directory.appendingPathComponent("crafted.safetensors")
  var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
  bytes += Array(header.utf8) + data
  try Data(bytes).write(to: url)
  return url
}

private func readError(_ url: URL) -> String {
  do {
    _ = try SafeTensorsFile.read(from: url)
    return "no error"
  } catch {
    return "\(error)"
  }
}

/// Each test gets its own folder (a fresh instance per test), removed when the test ends.
@Suite final class CheckpointTests {
  let scratch: TemporaryDirectory
  var directory: URL { scratch.url }

  init() throws { scratch = try TemporaryDirectory("checkpoint-tests") }

  deinit { scratch.remove() }

  @Test func roundTripIsBitExact() throws {
    let url = directory.appendingPathComponent("step-100.safetensors")
    var original = sampleCheckpoint()
    original.model.append(NamedArray(name: "empty", shape: [0, 3], values: []))
    original.model.append(NamedArray(name: "scalar", shape: [], values: [-0.0]))
    try original.write(to: url)
    let loaded = try TrainingCheckpoint.read(from: url)
    #expect(loaded == original)
    #expect(loaded.step == 100 && loaded.extra["rng.data"] == "123456789")
    #expect(loaded.source == url.relativePath)
    let embedding = try #require(loaded.model.first { $0.name == "embedding" })
    #expect(embedding.values.map(\.bitPattern) == awkwardValues.map(\.bitPattern))
  }

  @Test func restoreCopiesIntoLiveParameters() throws {
    let url = directory.appendingPathComponent("step-100.safetensors")
    let saved = sampleCheckpoint()
    try saved.write(to: url)
    let (model, momentum, adam) = (TinyModel(seed: 9), TinyModel(seed: 9), TinyModel(seed: 9))
    try TrainingCheckpoint.read(from: url).restore(
      into: model, momentum: momentum, optimizerState: ["exp_avg": adam.namedParameters()])
    let again = TrainingCheckpoint.capture(
      step: 100, config: saved.config, model: model, momentum: momentum,
      optimizerState: ["exp_avg": adam.namedParameters()])
    #expect(again.model == saved.model)
    #expect(again.momentum == saved.momentum)
    #expect(again.optimizerState["exp_avg"] == saved.optimizerState["exp_avg"])
  }

  @Test func identicalInputsGiveIdenticalFiles() throws {
    let first = directory.appendingPathComponent("a.safetensors")
    let second = directory.appendingPathComponent("b.safetensors")
    try sampleCheckpoint().write(to: first)
    try sampleCheckpoint().write(to: second)
    let bytes = try Data(contentsOf: first)
    #expect(bytes == (try Data(contentsOf: second)))
    let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
    #expect(headerLength % 8 == 0, "the data section starts 8-byte aligned")
    #expect(bytes[8] == UInt8(ascii: "{"))
  }

  @Test func failedWriteLeavesTheOldFileAndNoTemporary() throws {
    let url = directory.appendingPathComponent("latest.safetensors")
    let old = sampleCheckpoint(step: 1)
    try old.write(to: url)
    let new = try sampleCheckpoint(step: 2).safeTensorsFile(path: url.relativePath)
    #expect(throws: CheckpointError.self) { try new.write(to: url, fault: .failAfter(bytes: 100)) }
    #expect(try TrainingCheckpoint.read(from: url) == old)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["latest.safetensors"])
  }

  @Test func processDeathMidSaveLeavesTheOldFile() throws {
    let url = directory.appendingPathComponent("latest.safetensors")
    let old = sampleCheckpoint(step: 1)
    try old.write(to: url)
    let new = sampleCheckpoint(step: 2)
    let file = try new.safeTensorsFile(path: url.relativePath)
    #expect(throws: SimulatedDeath.self) { try file.write(to: url, fault: .dieAfter(bytes: 300)) }
    #expect(try TrainingCheckpoint.read(from: url) == old)
    // The next save (same process id) replaces the stale temporary and completes.
    try new.write(to: url)
    #expect(try TrainingCheckpoint.read(from: url) == new)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["latest.safetensors"])
  }

  @Test func failedRenameRemovesTheTemporary() throws {
    let target = directory.appendingPathComponent("occupied.safetensors")
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    try Data([1]).write(to: target.appendingPathComponent("keep"))
    let error = try #require(throws: CheckpointError.self) {
      try sampleCheckpoint().write(to: target)
    }
    #expect(
      error.description.contains("occupied.safetensors: cannot replace the checkpoint (rename)"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path) == [
        "occupied.safetensors"
      ])
    #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["keep"])
  }

  @Test func truncatedFilesAreRejected() throws {
    let url = directory.appendingPathComponent("cut.safetensors")
    try sampleCheckpoint().write(to: url)
    let bytes = try Data(contentsOf: url)
    try bytes.prefix(bytes.count - 10).write(to: url)
    let dataCut = readError(url)
    #expect(dataCut.hasPrefix(url.relativePath + ": tensor \"optimizer.exp_avg_sq."))
    #expect(
      dataCut.contains(
        "the file is truncated (it is \(bytes.count - 10) bytes, the header describes \(bytes.count))"
      ))
    try bytes.prefix(40).write(to: url)
    #expect(readError(url).contains("cut.safetensors: the header length"))
    #expect(readError(url).contains("is larger than the rest of the file (32 bytes)"))
    try bytes.prefix(5).write(to: url)
    #expect(readError(url).contains("cut.safetensors: the file is 5 bytes, too short"))
  }

  @Test func hugeHeaderLengthIsRejectedBeforeAllocating() throws {
    let url = directory.appendingPathComponent("huge.safetensors")
    try Data(withUnsafeBytes(of: (UInt64(1) << 60).littleEndian) { Array($0) } + Array("{}".utf8))
      .write(to: url)
    #expect(
      readError(url).contains(
        "huge.safetensors: the header length 1152921504606846976 is larger than the rest of the file (2 bytes)"
      ))
  }

  @Test(arguments: [
    (#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]"#, "not valid JSON at byte"),
    (#"[1, 2]"#, "the header must be a JSON object, found an array"),
    (String(repeating: "[", count: 200), "nested deeper than 64 levels"),
    (
      #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "w": 1}"#,
      #"key "w" appears twice"#
    ),
    (#"{"w": {"dtype": "F32", "shape": [2]}}"#, #"tensor "w": entry has no "data_offsets""#),
    (
      #"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#,
      #"tensor "w": shape [-2] has a negative dimension"#
    ),
    (
      #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}"#,
      #"tensor "w": shape [4294967296, 4294967296] has a negative dimension or more elements"#
    ),
    (
      #"{"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}"#,
      #"tensor "w": "shape" holds the number 2.5"#
    ),
    (
      #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 99999999999999999999]}}"#,
      "not an integer in range"
    ),
    (
      #"{"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}"#,
      #"tensor "w": unknown dtype "Q4""#
    ),
    (
      #"{"w": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}}"#,
      #"tensor "w": dtype "F16" is not supported"#
    ),
    (
      #"{"w": {"dtype": "F32", "shape": [32, 32], "data_offsets": [0, 8]}}"#,
      #"tensor "w": data_offsets [0, 8] hold 2 floats but shape [32, 32] needs 1024"#
    ),
    (
      #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#,
      #"tensor "b": data_offsets [0, 4] overlap tensor "a" at [0, 4]"#
    ),
    (
      #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#,
      #"tensor "a": data_offsets [4, 8] leave 4 unused bytes at the start"#
    ),
    (
      #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#,
      #"4 unexplained bytes at the end after tensor "w""#
    ),
    (
      #"{"__metadata__": {"step": 3}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#,
      #"metadata "step": must be a string"#
    ),
  ])
  func corruptHeadersAreRejected(header: String, expected: String) throws {
    let url = try craftedFile(in: directory, header: header, data: Array(repeating: 0, count: 8))
    let message = readError(url)
    #expect(message.hasPrefix(url.relativePath + ": "), "\(message)")
    #expect(message.contains(expected), "\(message)")
  }

  @Test func mismatchedCheckpointListsEveryProblemAndLoadsNothing() throws {
    let url = directory.appendingPathComponent("step-7.safetensors")
    var checkpoint = sampleCheckpoint(step: 7)
    checkpoint.model.removeAll { $0.name == "bias" }
    checkpoint.model.append(NamedArray(name: "pooler.weight", shape: [1], values: [1]))
    let index = try #require(checkpoint.model.firstIndex { $0.name == "child.weight" })
    checkpoint.model[index] = NamedArray(
      name: "child.weight", shape: [3, 2], values: Array(repeating: 7, count: 6))
    try checkpoint.write(to: url)
    let model = TinyModel(seed: 9)
    let before = model.namedParameters().map { NamedArray(name: $0.name, tensor: $0.tensor) }
    let error = try #require(throws: CheckpointError.self) {
      try TrainingCheckpoint.read(from: url).restore(into: model)
    }
    let message = error.description
    #expect(
      message.hasPrefix(
        url.relativePath + ": checkpoint does not match the model (3 problems; nothing was loaded)")
    )
    #expect(
      message.contains(#"missing tensor "model.bias": the model has (3), the checkpoint has none"#))
    #expect(
      message.contains(#"tensor "model.child.weight": checkpoint has (3, 2), model has (2, 3)"#))
    #expect(
      message.contains(
        #"unexpected tensor "model.pooler.weight" (1): the model has no parameter "pooler.weight""#)
    )
    #expect(model.namedParameters().map { NamedArray(name: $0.name, tensor: $0.tensor) } == before)
  }

  @Test func missingMomentumAndForeignFilesAreRejected() throws {
    let url = directory.appendingPathComponent("plain.safetensors")
    var checkpoint = sampleCheckpoint()
    checkpoint.momentum = nil
    try checkpoint.write(to: url)
    let error = try #require(throws: CheckpointError.self) {
      try TrainingCheckpoint.read(from: url).restore(
        into: TinyModel(seed: 1), momentum: TinyModel(seed: 1))
    }
    #expect(error.description.contains("no momentum.* tensors"))
    try SafeTensorsFile(tensors: [NamedArray(name: "w", shape: [1], values: [1])]).write(to: url)
    #expect(
      throws: CheckpointError.invalidMetadata(
        path: url.relativePath, key: "format",
        detail:
          "missing: this is not a vlp training checkpoint (SafeTensorsFile.read opens any safetensors file)"
      )
    ) {
      try TrainingCheckpoint.read(from: url)
    }
    try SafeTensorsFile(
      tensors: [NamedArray(name: "w", shape: [1], values: [1])],
      metadata: ["format": TrainingCheckpoint.format, "step": "1", "config": "{}"]
    ).write(to: url)
    #expect(throws: CheckpointError.self) { try TrainingCheckpoint.read(from: url) }
  }

  @Test func invalidInputIsRefusedBeforeWriting() throws {
    let url = directory.appendingPathComponent("bad.safetensors")
    let file = SafeTensorsFile(tensors: [NamedArray(name: "w", shape: [2, 2], values: [1, 2, 3])])
    let error = try #require(throws: CheckpointError.self) { try file.write(to: url) }
    #expect(
      error.description == url.relativePath
        + #": tensor "w": shape [2, 2] does not hold its 3 values"#)
    var checkpoint = sampleCheckpoint()
    checkpoint.extra["step"] = "5"
    #expect(throws: CheckpointError.self) { try checkpoint.write(to: url) }
    #expect(!FileManager.default.fileExists(atPath: url.path))
  }
}

/// Runs `python3` with `arguments`; nil when it cannot be started.
private func runPython(_ arguments: [String]) -> (status: Int32, output: Data)? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3"] + arguments
  let output = Pipe()
  process.standardOutput = output
  process.standardError = FileHandle.nullDevice
  do { try process.run() } catch { return nil }
  let data = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, data)
}

/// The numpy interoperability test needs python3 with numpy; without them it is reported as
/// skipped (with this reason), not failed.
private let pythonHasNumpy: Bool = runPython(["-c", "import numpy"])?.status == 0

private let readerScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("Fixtures/read_safetensors.py").path

extension CheckpointTests {
  @Test(.enabled(if: pythonHasNumpy, "python3 with numpy is not installed: numpy check skipped"))
  func numpyReadsTheSameNamesShapesAndValues() throws {
    let url = directory.appendingPathComponent("step-100.safetensors")
    let checkpoint = sampleCheckpoint()
    try checkpoint.write(to: url)
    let run = try #require(runPython([readerScript, url.path]))
    #expect(run.status == 0)
    guard case .object(let top) = try HeaderJSON.parse(Array(run.output)),
      case .object(let metadata) = top.first(where: { $0.key == "metadata" })?.value,
      case .array(let tensors) = top.first(where: { $0.key == "tensors" })?.value
    else {
      Issue.record("unexpected reader output: \(String(decoding: run.output, as: UTF8.self))")
      return
    }
    let expectedFile = try checkpoint.safeTensorsFile(path: url.path)
    #expect(
      Dictionary(
        uniqueKeysWithValues: metadata.compactMap { member -> (String, String)? in
          guard case .string(let text) = member.value else { return nil }
          return (member.key, text)
        }) == expectedFile.metadata)
    var seen: [NamedArray] = []
    for tensor in tensors {
      guard case .object(let fields) = tensor,
        case .string(let name) = fields.first(where: { $0.key == "name" })?.value,
        case .array(let shape) = fields.first(where: { $0.key == "shape" })?.value,
        case .array(let bits) = fields.first(where: { $0.key == "bits" })?.value
      else {
        Issue.record("unexpected tensor entry \(tensor)")
        return
      }
      seen.append(
        NamedArray(
          name: name, shape: shape.compactMap(\.integerValue),
          values: bits.compactMap { $0.integerValue.map { Float(bitPattern: UInt32($0)) } }))
    }
    let expected = expectedFile.tensors.sorted {
      $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
    }
    #expect(seen == expected)
    #expect(seen.count == 3 * 3 + 3)  // model, momentum, two optimizer states of 3 tensors each

    let bytes = try Data(contentsOf: url)
    try bytes.prefix(bytes.count - 4).write(to: url)
    #expect(
      runPython([readerScript, url.path])?.status == 1, "the reader rejects a truncated file")
  }
}
