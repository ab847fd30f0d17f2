import Foundation
import NN
import Tensor
import VLP

/// `vlp import DIR --as NAME`: a PyTorch run of an exported session (`vlp export --pytorch`)
/// back as the vlp session `sessions/NAME`: its session.json, the checkpoints the run wrote
/// (`runs/VARIANT/checkpoints/step-*.safetensors`: weights, momentum model, optimizer moments,
/// queues) and its `log.jsonl` as metrics.jsonl, so that `vlp eval`, `vlp tui` and `vlp tsne`
/// open it. Everything in DIR is untrusted: files are read with a size limit, each checkpoint
/// is loaded into the session's model (names, shapes, queues and optimizer state checked, every
/// value finite) and written again by vlp, and nothing is written until every file has passed.
public enum PyTorchImport {
  public struct Summary: Sendable {
    public var folder: SessionFolder
    /// Per variant: the steps imported and the metric records taken from log.jsonl.
    public var variants: [(name: String, steps: [Int], records: Int)]
  }

  /// Limits on what the run folder may hand in.
  static let sessionFileLimit = 1 << 20
  static let logLimit = 256 << 20

  public static func run(
    from directory: URL, as name: String, root: URL = SessionFolder.defaultRoot
  ) throws -> Summary {
    let sessionText = try readText(directory.appendingPathComponent("session.json"), limit: sessionFileLimit)
    let folder = try SessionFolder(name: name, root: root)
    if FileManager.default.fileExists(atPath: folder.sessionFile.path) {
      throw PyTorchExchangeError.destination(
        path: folder.url.relativePath,
        detail: "session '\(name)' exists already: import under another --as NAME")
    }
    let definition = try SessionDefinition(
      json: Data(sessionText.utf8), source: directory.appendingPathComponent("session.json").path)
    var cache = PretrainingDataCache()
    var checked: [(variant: String, checkpoints: [TrainingCheckpoint], records: [MetricRecord])] = []
    for variant in definition.variants {
      let run = directory.appendingPathComponent("runs/\(variant.name)", isDirectory: true)
      let files = checkpointFiles(in: run.appendingPathComponent("checkpoints", isDirectory: true))
      guard !files.isEmpty else {
        throw PyTorchExchangeError.damaged(
          path: run.appendingPathComponent("checkpoints").path,
          detail: "holds no step-*.safetensors for variant '\(variant.name)': train it with "
            + "train.py --variant \(variant.name) --out runs/\(variant.name) first")
      }
      let trainer = try Pretrainer(
        configuration: variant.configuration, data: cache.data(for: variant.configuration))
      var checkpoints: [TrainingCheckpoint] = []
      for file in files {
        var checkpoint = try TrainingCheckpoint.read(from: file)
        try checkpoint.checkFinite()
        try trainer.restore(from: checkpoint)  // names, shapes, queues, optimizer state
        checkpoint.config = trainer.configurationJSON
        checkpoint.extra[SessionRun.variantKey] = variant.name
        checkpoints.append(checkpoint)
      }
      let records = try metricRecords(run.appendingPathComponent("log.jsonl"), variant: variant.name)
      checked.append((variant.name, checkpoints, records))
    }
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    let lock = try SessionLock(folder: folder)
    defer { lock.release() }
    let store = CheckpointStore(folder: folder, keep: .max)
    for (variant, checkpoints, _) in checked {
      for checkpoint in checkpoints { try store.save(checkpoint, variant: variant) }
    }
    let lines = checked.flatMap(\.records).sorted { ($0.step, $0.variant) < ($1.step, $1.variant) }
      .map(\.jsonLine)
    if !lines.isEmpty {
      try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.metricsFile, options: .atomic)
    }
    try Data(sessionText.utf8).write(to: folder.sessionFile, options: .atomic)
    return Summary(
      folder: folder,
      variants: checked.map { ($0.variant, $0.checkpoints.map(\.step), $0.records.count) })
  }

  static func checkpointFiles(in folder: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.compactMap { name -> (Int, URL)? in
      guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
        let step = Int(name.dropFirst(5).dropLast(12))
      else { return nil }
      return (step, folder.appendingPathComponent(name))
    }.sorted { $0.0 < $1.0 }.map(\.1)
  }

  static func readText(_ url: URL, limit: Int) throws -> String {
    let bytes: [UInt8]
    do {
      bytes = try UserFile.read(url.path, limit: limit)
    } catch {
      throw PyTorchExchangeError.damaged(path: url.path, detail: "\(error)")
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw PyTorchExchangeError.damaged(path: url.path, detail: "is not UTF-8 text")
    }
    return text
  }

  /// train.py's log.jsonl lines as metrics.jsonl records (steps only; evaluation lines, which
  /// carry `eval/` keys, are left out). A step logged twice (a killed run resumed from an earlier
  /// checkpoint logs the steps after it again) keeps its last line. A missing log gives no
  /// records; a damaged line is an error naming its line.
  static func metricRecords(_ url: URL, variant: String) throws -> [MetricRecord] {
    guard FileManager.default.fileExists(atPath: url.path) else { return [] }
    let text = try readText(url, limit: logLimit)
    var records: [MetricRecord] = []
    var time = 0.0
    for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      let lineNumber = offset + 1
      guard let data = line.data(using: .utf8),
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
      else {
        throw PyTorchExchangeError.damaged(path: "\(url.path):\(lineNumber)", detail: "is not a JSON object")
      }
      guard object["loss"] != nil else { continue }  // an evaluation line
      func field(_ key: String) throws -> Double {
        guard let value = object[key] as? Double ?? (object[key] as? Int).map(Double.init) else {
          throw PyTorchExchangeError.damaged(
            path: "\(url.path):\(lineNumber)", detail: "\"\(key)\" is missing or not a number")
        }
        return value
      }
      func integer(_ key: String) throws -> Int {
        guard let value = Int(exactly: try field(key)), value >= 0 else {
          throw PyTorchExchangeError.damaged(
            path: "\(url.path):\(lineNumber)", detail: "\"\(key)\" must be a whole number ≥ 0")
        }
        return value
      }
      let step = try integer("step")
      time += (try? field("seconds")) ?? 0
      var losses: [(key: String, value: JSONValue)] = Objective.allCases.compactMap { objective in
        (object[objective.metricKey] as? Double).map { (objective.metricKey, .float(Float($0))) }
      }
      losses.append(("total", .float(Float(try field("loss")))))
      var members: [(key: String, value: JSONValue)] = [
        ("step", .integer(step)), ("variant", .string(variant)), ("time", .fixed(time, fractionDigits: 3)),
        ("lr", .float(Float(try field("lr")))), ("alpha", .float(Float(try field("alpha")))),
      ]
      if let temperature = object["temperature"] as? Double {
        members.append(("temperature", .float(Float(temperature))))
      }
      members += [
        ("grad_norm", .float(Float(try field("grad_norm")))),
        ("queue", .integer(try integer("queue"))), ("losses", .object(losses)),
      ]
      records.append(
        try MetricRecord(jsonLine: JSONValue.object(members).text(), path: url.path, lineNumber: lineNumber))
    }
    var last: [Int: Int] = [:]
    for (index, record) in records.enumerated() { last[record.step] = index }
    return last.values.sorted().map { records[$0] }.sorted { $0.step < $1.step }
  }
}
