import Foundation

/// JSON-lines training logs: vlp's `metrics.jsonl` and `eval.jsonl`, ALBEF's and BLIP's
/// `log.txt` (`{"train_lr": "0.000", "train_loss_ita": "5.123", ..., "epoch": 0}`, numbers
/// formatted as strings) and LAVIS's `log.txt` (its configuration pretty-printed over many
/// lines first, then one object per line: `{"train_lr": "0.000", "train_loss": "2.345"}`).
///
/// Each line's numbers become tags (nested objects joined with `/`: `losses/itc`). The x axis
/// is `step`, else `epoch`, else `iteration`, else the count of earlier points of the tag (a
/// LAVIS line has none: one line per epoch). `variant` makes a run of its own (`RUN/variant`).
/// An object spread over several lines is a configuration and is skipped.
public struct JSONLinesParser: Sendable {
  public let run: String
  public let path: String
  private var lineNumber = 0
  private var block: (depth: Int, firstLine: Int)?
  private var ordinals: [String: Int64] = [:]
  public private(set) var skippedConfigurationLines = 0
  /// The rules of a log owned by another module (`LogLineRules`), if any.
  let rules: (any LogLineRules)?
  /// The rules' error on the first line that broke them: the file is read no further.
  public private(set) var refusal: String?

  static let positionKeys = ["step", "epoch", "iteration"]
  static let nonCurveKeys: Set<String> = [
    "step", "epoch", "iteration", "variant", "time", "wall_time", "timestamp", "retrieval_pairs",
  ]

  public init(run: String, path: String, rules: (any LogLineRules)? = nil) {
    self.run = run
    self.path = path
    self.rules = rules
  }

  public mutating func consume(
    _ bytes: UnsafeRawBufferPointer, base: Int, isFinal: Bool, into store: inout CurveStore
  ) -> (consumed: Int, problems: [RecordProblem]) {
    if let rules { return consume(bytes, by: rules, into: &store) }
    let (lines, consumed) = LineBuffer.lines(bytes, isFinal: isFinal)
    var problems: [RecordProblem] = []
    store.position(of: run)
    var offset = base
    for line in lines {
      lineNumber += 1
      defer { offset += line.utf8.count + 1 }
      if var open = block {
        open.depth += Self.braceBalance(line)
        skippedConfigurationLines += 1
        block = open.depth > 0 ? open : nil
        continue
      }
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      if let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] {
        add(object, to: &store)
      } else if trimmed.hasPrefix("{"), Self.braceBalance(line) > 0 {
        block = (Self.braceBalance(line), lineNumber)
        skippedConfigurationLines += 1
      } else {
        problems.append(RecordProblem(offset: offset, detail: "line \(lineNumber): not a JSON object; skipped"))
      }
    }
    return (consumed, problems)
  }

  /// A governed log: whole lines only (a torn last line is never read, even at the end), each
  /// checked by the rules; the first line they refuse ends the reading of this file.
  private mutating func consume(
    _ bytes: UnsafeRawBufferPointer, by rules: any LogLineRules, into store: inout CurveStore
  ) -> (consumed: Int, problems: [RecordProblem]) {
    guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return (0, []) }
    let whole = Array(bytes[...lastNewline])
    store.position(of: run)
    var start = 0
    while start < whole.count, let end = whole[start...].firstIndex(of: UInt8(ascii: "\n")) {
      defer { start = end + 1 }
      lineNumber += 1
      guard refusal == nil else { continue }
      do {
        guard let text = try rules.check(whole[start..<end], number: lineNumber, path: path),
          let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { continue }
        add(object, to: &store)
      } catch {
        refusal = "\(error)"
      }
    }
    return (lastNewline + 1, [])
  }

  private mutating func add(_ object: [String: Any], to store: inout CurveStore) {
    let runName = (object["variant"] as? String).map { "\(run)/\($0)" } ?? run
    let position = Self.positionKeys.lazy.compactMap {
      object[$0].flatMap(LineBuffer.number).flatMap(LineBuffer.step)
    }.first
    let wallTime = ["wall_time", "timestamp", "time"].lazy.compactMap {
      object[$0].flatMap(LineBuffer.number)
    }.first ?? .nan
    var values: [(String, Double)] = []
    Self.flatten(object, prefix: "", into: &values)
    for (tag, value) in values {
      let key = runName + "\u{0}" + tag
      let step = position ?? ordinals[key, default: 0]
      ordinals[key] = step + 1
      store.append(run: runName, tag: tag, step: step, wallTime: wallTime, value: value)
    }
  }

  static func flatten(_ object: [String: Any], prefix: String, into values: inout [(String, Double)]) {
    for key in object.keys.sorted() {
      guard let value = object[key] else { continue }
      if prefix.isEmpty && nonCurveKeys.contains(key) { continue }
      if let nested = value as? [String: Any] {
        flatten(nested, prefix: prefix + key + "/", into: &values)
      } else if let number = LineBuffer.number(value) {
        values.append((prefix + key, number))
      }
    }
  }

  /// Opening minus closing braces outside strings.
  static func braceBalance(_ line: Substring) -> Int {
    var balance = 0
    var inString = false
    var escaped = false
    for byte in line.utf8 {
      if inString {
        if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "{"), UInt8(ascii: "["): balance += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"): balance -= 1
      default: break
      }
    }
    return balance
  }
}
