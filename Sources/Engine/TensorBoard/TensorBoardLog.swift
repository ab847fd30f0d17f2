import Foundation
import RunLogs

extension SessionFolder {
  /// `tensorboard/`: one event-file folder per variant, so `tensorboard --logdir sessions/NAME`
  /// shows the session's variants as runs.
  public var tensorBoardFolder: URL { url.appendingPathComponent("tensorboard", isDirectory: true) }
}

/// The scalars of a session's logs as TensorBoard tags: `loss/<name>` (`loss/total` too), `lr`,
/// `alpha`, `temperature`, `grad_norm`, `queue`, and `eval/<metric>` for evaluations.
enum TensorBoardScalars {
  static func scalars(_ record: MetricRecord) -> [(tag: String, value: Float)] {
    var scalars = record.losses.map { (tag: "loss/" + $0.name, value: $0.value) }
    scalars += [("lr", record.learningRate), ("alpha", record.alpha)]
    if let temperature = record.temperature { scalars.append(("temperature", temperature)) }
    scalars += [("grad_norm", record.gradientNorm), ("queue", Float(record.queueFill))]
    return scalars
  }

  static func scalars(_ record: EvaluationRecord) -> [(tag: String, value: Float)] {
    record.metrics.map { (tag: "eval/" + $0.name, value: $0.value) }
  }
}

/// A running session's event files, one writer per variant, opened at the first step this
/// process logs. A new file begins with TensorBoard's restart marker (`SessionLog` START at
/// that step): a resumed run replays the steps after its checkpoint, and TensorBoard (and
/// `vlp watch`) then drop the interrupted run's copies of them. Appending a marker, rather
/// than rewriting the earlier files, never touches a file the user already has, and is what
/// TensorBoard's own readers expect of a restarted writer.
final class TensorBoardLog {
  let folder: URL
  /// The first step this process trains (the marker's step): the step resumed from, plus one.
  var firstStep = 1
  private var writers: [String: EventFileWriter] = [:]

  init(folder: URL) { self.folder = folder }

  private func writer(_ variant: String) throws -> EventFileWriter {
    if let writer = writers[variant] { return writer }
    let writer: EventFileWriter
    do {
      writer = try EventFileWriter(folder: folder.appendingPathComponent(variant, isDirectory: true))
    } catch let error as RunLogError {
      throw SessionError.io(path: "\(folder.relativePath)/\(variant)", detail: "\(error)")
    }
    writer.sessionStart(step: firstStep)
    writers[variant] = writer
    return writer
  }

  func add(_ record: MetricRecord) throws {
    try writer(record.variant).add(
      step: record.step, scalars: TensorBoardScalars.scalars(record))
  }

  func add(_ record: EvaluationRecord) throws {
    try writer(record.variant).add(
      step: record.step, scalars: TensorBoardScalars.scalars(record))
  }

  func flush() throws {
    for writer in writers.values {
      do {
        try writer.flush()
      } catch let error as RunLogError {
        throw SessionError.io(path: writer.url.relativePath, detail: "\(error)")
      }
    }
  }
}

/// `vlp export SESSION --tensorboard DIR`: an existing session's logs as event files, one folder
/// per variant. The logs keep training seconds, not clock times: the wall times written count
/// back from the metrics log's last change.
public enum TensorBoardExport {
  /// Writes the files; returns how many points were written.
  public static func write(_ folder: SessionFolder, to destination: URL) throws -> Int {
    let metrics = try MetricRecord.records(of: folder)
    let evaluations = try SessionLog.records(of: folder.evaluationFile, as: EvaluationRecord.self)
    let modified = (try? FileManager.default.attributesOfItem(atPath: folder.metricsFile.path)[.modificationDate] as? Date)
      ?? Date()
    let start = modified.timeIntervalSince1970 - (metrics.last?.time ?? 0)
    var writers: [String: EventFileWriter] = [:]
    func writer(_ variant: String) throws -> EventFileWriter {
      if let writer = writers[variant] { return writer }
      do {
        let writer = try EventFileWriter(
          folder: destination.appendingPathComponent(variant, isDirectory: true), wallTime: start)
        writers[variant] = writer
        return writer
      } catch let error as RunLogError {
        throw SessionError.io(path: destination.relativePath, detail: "\(error)")
      }
    }
    var points = 0
    for record in metrics {
      let scalars = TensorBoardScalars.scalars(record)
      try writer(record.variant).add(step: record.step, wallTime: start + record.time, scalars: scalars)
      points += scalars.count
    }
    for record in evaluations {
      let scalars = TensorBoardScalars.scalars(record)
      try writer(record.variant).add(step: record.step, wallTime: start + record.time, scalars: scalars)
      points += scalars.count
    }
    for writer in writers.values {
      do { try writer.flush() } catch let error as RunLogError {
        throw SessionError.io(path: writer.url.relativePath, detail: "\(error)")
      }
    }
    return points
  }
}
