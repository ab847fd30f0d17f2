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

  /// Parses a line written by `jsonLine`; errors name the file and line. A float written as
  /// null (NaN or infinity) reads back as NaN: the record is complete.
  public init(jsonLine line: String, path: String, lineNumber: Int) throws {
    let fields = try JSONLine.Fields(line, path: path, lineNumber: lineNumber)
    step = try fields.step()
    variant = try fields.string("variant")
    time = try fields.number("time")
    learningRate = Float(try fields.number("lr"))
    alpha = Float(try fields.number("alpha"))
    temperature = try fields.optionalNumber("temperature").map(Float.init)
    gradientNorm = Float(try fields.optionalNumber("grad_norm") ?? 0)
    queueFill = try fields.optionalInteger("queue") ?? 0
    losses = try fields.values("losses", order: LossOrder.names)
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
    let fields = try JSONLine.Fields(line, path: path, lineNumber: lineNumber)
    step = try fields.step()
    variant = try fields.string("variant")
    time = try fields.optionalNumber("time") ?? 0
    retrievalPairs = try fields.optionalInteger("retrieval_pairs") ?? 0
    metrics = try fields.values("metrics", order: LossOrder.metricNames)
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

  /// The members of one log line, read with the logs' rules: numbers are JSON numbers (never
  /// booleans), a float may be null (NaN), and an error names the file, line and key.
  struct Fields {
    let object: [String: Any]
    let path: String
    let lineNumber: Int

    init(_ line: String, path: String, lineNumber: Int) throws {
      (self.path, self.lineNumber) = (path, lineNumber)
      let parsed: Any
      do {
        parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
      } catch {
        throw SessionError.corruptLog(
          path: path, line: lineNumber, detail: "not JSON (\(JSONLine.syntaxDetail(error)))")
      }
      guard let object = parsed as? [String: Any] else {
        throw SessionError.corruptLog(
          path: path, line: lineNumber, detail: "a JSON value that is not an object (a record)")
      }
      self.object = object
    }

    func fail(_ key: String, _ expected: String) -> SessionError {
      .corruptLog(
        path: path, line: lineNumber,
        detail: object[key] == nil ? "no \"\(key)\"" : "\"\(key)\" is not \(expected)")
    }

    func step() throws -> Int {
      guard let step = try optionalInteger("step"), step >= 0 else { throw fail("step", "a step (a whole number, 0 or more)") }
      return step
    }

    func string(_ key: String) throws -> String {
      guard let text = object[key] as? String else { throw fail(key, "a string") }
      return text
    }

    static func number(_ value: Any?) -> Double? {
      if value is NSNull { return .nan }
      guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
      return number.doubleValue
    }

    func number(_ key: String) throws -> Double {
      guard let value = Self.number(object[key]) else { throw fail(key, "a number (or null)") }
      return value
    }

    func optionalNumber(_ key: String) throws -> Double? {
      object[key] == nil ? nil : try number(key)
    }

    func optionalInteger(_ key: String) throws -> Int? {
      guard let value = object[key] else { return nil }
      guard let number = Self.number(value), let integer = Int(exactly: number) else {
        throw fail(key, "a whole number")
      }
      return integer
    }

    /// A `{"name": number, ...}` member (losses, metrics), in display order.
    func values(_ key: String, order: [String]) throws -> [NamedValue] {
      guard let members = object[key] as? [String: Any] else { throw fail(key, "an object of numbers") }
      return try JSONLine.ordered(names: Array(members.keys), order: order).map { name in
        guard let value = Self.number(members[name]) else { throw fail(key, "an object of numbers (\"\(name)\")") }
        return NamedValue(name, Float(value))
      }
    }
  }

  /// Foundation reports "around line L, column C" or "around character N": kept, without its
  /// domain and code.
  static func syntaxDetail(_ error: Error) -> String {
    let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
    return message ?? "invalid JSON"
  }

  /// `names` in `order`, unknown ones (sorted) before `total`.
  static func ordered(names: [String], order: [String]) -> [String] {
    let known = order.filter(names.contains)
    let others = names.filter { !order.contains($0) }.sorted()
    return known.filter { $0 != "total" } + others + known.filter { $0 == "total" }
  }
}
