import Foundation
import NN
import VLP

/// One line of metrics.jsonl: what one variant's step produced.
///
///     {"step": 120, "variant": "fine", "time": 31.4, "lr": 0.0001, "alpha": 0.4,
///      "temperature": 0.068, "grad_norm": 3.2, "queue": 1024,
///      "losses": {"itc": 2.1, "mlm": 3.3, "itm": 0.52, "total": 5.92}}
///
/// `time` is seconds of training since the session's first step (pauses excluded, resumes
/// continue it). Losses are unweighted; `total` is the weighted sum that was optimised.
public struct MetricRecord: Sendable, Equatable {
  public var step: Int
  public var variant: String
  public var time: Double
  public var learningRate: Float
  public var alpha: Float
  public var temperature: Float?
  public var gradientNorm: Float
  public var queueFill: Int
  /// In display order, `total` last.
  public var losses: [NamedValue]

  public init(report: StepReport, variant: String, time: Double) {
    step = report.step
    self.variant = variant
    self.time = time
    learningRate = report.learningRate
    alpha = report.alpha
    temperature = report.temperature
    gradientNorm = report.gradientNorm
    queueFill = report.queueFill
    let all = report.losses + [NamedValue("total", report.total)]
    losses = JSONLine.ordered(names: all.map(\.name), order: LossOrder.names).map { name in
      all.first { $0.name == name }!
    }
  }

  public func loss(_ name: String) -> Float? { losses.first { $0.name == name }?.value }

  public var jsonLine: String {
    var members: [(key: String, value: JSONValue)] = [
      ("step", .integer(step)), ("variant", .string(variant)), ("time", JSONLine.seconds(time)),
      ("lr", .float(learningRate)), ("alpha", .float(alpha)),
    ]
    if let temperature { members.append(("temperature", .float(temperature))) }
    members.append(("grad_norm", .float(gradientNorm)))
    members.append(("queue", .integer(queueFill)))
    members.append(("losses", JSONLine.object(losses)))
    return JSONValue.object(members).text()
  }

  /// Parses a line written by `jsonLine`; errors name the file and line.
  public init(jsonLine line: String, path: String, lineNumber: Int) throws {
    let object = try JSONLine.parse(line, path: path, lineNumber: lineNumber)
    func field<T>(_ key: String, _ type: T.Type) throws -> T {
      guard let value = object[key] as? T else {
        throw SessionError.corruptLog(
          path: path, line: lineNumber, detail: "missing or invalid \"\(key)\"")
      }
      return value
    }
    step = try field("step", Int.self)
    variant = try field("variant", String.self)
    time = try field("time", Double.self)
    learningRate = Float(try field("lr", Double.self))
    alpha = Float(try field("alpha", Double.self))
    temperature = (object["temperature"] as? Double).map(Float.init)
    gradientNorm = Float(object["grad_norm"] as? Double ?? 0)
    queueFill = object["queue"] as? Int ?? 0
    losses = JSONLine.ordered(try field("losses", [String: Any].self), order: LossOrder.names)
  }
}

/// One line of eval.jsonl: an evaluation of one variant on the held-out split.
///
///     {"step": 500, "variant": "main", "time": 52.1, "retrieval_pairs": 200,
///      "metrics": {"i2t_r1": 0.62, "i2t_r5": 0.9, ..., "mlm_top1": 0.41}}
public struct EvaluationRecord: Sendable, Equatable {
  public var step: Int
  public var variant: String
  public var time: Double
  public var retrievalPairs: Int
  /// In `EvaluationReport.metrics` order.
  public var metrics: [NamedValue]

  public init(report: EvaluationReport, variant: String, time: Double) {
    step = report.step
    self.variant = variant
    self.time = time
    retrievalPairs = report.retrievalPairs
    metrics = report.metrics
  }

  public func metric(_ name: String) -> Float? { metrics.first { $0.name == name }?.value }

  /// The number "best" refers to: mean recall over R@1/5/10 both ways.
  public var meanRecall: Float? {
    let recalls = metrics.filter { $0.name.hasPrefix("i2t_r") || $0.name.hasPrefix("t2i_r") }
    return recalls.isEmpty ? nil : recalls.map(\.value).reduce(0, +) / Float(recalls.count)
  }

  public var jsonLine: String {
    JSONValue.object([
      ("step", .integer(step)), ("variant", .string(variant)), ("time", JSONLine.seconds(time)),
      ("retrieval_pairs", .integer(retrievalPairs)), ("metrics", JSONLine.object(metrics)),
    ]).text()
  }

  public init(jsonLine line: String, path: String, lineNumber: Int) throws {
    let object = try JSONLine.parse(line, path: path, lineNumber: lineNumber)
    guard let step = object["step"] as? Int, let variant = object["variant"] as? String,
      let metrics = object["metrics"] as? [String: Any]
    else {
      throw SessionError.corruptLog(
        path: path, line: lineNumber, detail: "expected step, variant and metrics")
    }
    self.step = step
    self.variant = variant
    time = object["time"] as? Double ?? 0
    retrievalPairs = object["retrieval_pairs"] as? Int ?? 0
    self.metrics = JSONLine.ordered(metrics, order: LossOrder.metricNames)
  }
}

/// The order curves and tables show losses and metrics in; unknown names follow, sorted.
enum LossOrder {
  /// The objectives' display order (VLP's `Objective` table), `total` last.
  static let names = Objective.metricKeysInDisplayOrder + ["total"]
  static let metricNames = [
    "i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10", "mlm_top1", "mlm_top5",
    "itm_accuracy", "polluted_accuracy",
  ]
}

/// The logs' JSON: written by `JSONValue` (NaN and infinity, never logged by a healthy run,
/// become null; a loss or metric read back from null is NaN), read by Foundation.
enum JSONLine {
  /// Training time, to the millisecond.
  static func seconds(_ value: Double) -> JSONValue { .fixed(value, fractionDigits: 3) }

  /// Named losses or metrics; each float reads back as the float written.
  static func object(_ values: [NamedValue]) -> JSONValue {
    .object(values.map { ($0.name, .float($0.value)) })
  }

  static func parse(_ line: String, path: String, lineNumber: Int) throws -> [String: Any] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else {
      throw SessionError.corruptLog(path: path, line: lineNumber, detail: "not a JSON object")
    }
    return object
  }

  static func ordered(_ object: [String: Any], order: [String]) -> [NamedValue] {
    ordered(names: Array(object.keys), order: order).map {
      NamedValue($0, Float((object[$0] as? Double) ?? .nan))
    }
  }

  /// `names` in `order`, unknown ones (sorted) before `total`.
  static func ordered(names: [String], order: [String]) -> [String] {
    let known = order.filter(names.contains)
    let others = names.filter { !order.contains($0) }.sorted()
    return known.filter { $0 != "total" } + others + known.filter { $0 == "total" }
  }
}
