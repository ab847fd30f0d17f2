/// A JSON document to write, built in the order the file shows it: every JSON file vlp writes
/// (safetensors headers, metrics.jsonl and eval.jsonl lines, data exports) is a `JSONValue`
/// written by `text(_:)` (see JSONWriter.swift for the rules), so the same content always gives
/// the same bytes, which Foundation's encoders do not promise.
public indirect enum JSONValue: Sendable {
  /// Members in the order given; keys are not sorted or deduplicated.
  case object([(key: String, value: JSONValue)])
  case array([JSONValue])
  case string(String)
  case integer(Int)
  /// The shortest text that reads back as the same Float; null when not finite.
  case float(Float)
  /// A quantity recorded to a chosen precision (seconds to the millisecond: `31.400`); null
  /// when not finite.
  case fixed(Double, fractionDigits: Int)
}

/// Where a document breaks lines and which separators it uses.
public struct JSONLayout: Sendable {
  /// Between two members or elements on one line, and between a key and its value.
  var comma: String
  var colon: String
  /// Containers nested less deep than this (the document itself is depth 0) are written one
  /// member or element a line, indented by two spaces a level.
  var expandedDepth: Int

  /// `{"a":[1,2]}`: safetensors headers, as the reference implementation writes them.
  public static let compact = JSONLayout(comma: ",", colon: ":", expandedDepth: 0)
  /// `{"a": [1, 2]}`: one line, for JSON Lines logs and embedded JSON.
  public static let spaced = JSONLayout(comma: ", ", colon: ": ", expandedDepth: 0)

  /// Spaced, with the outer `depth` levels one item a line (a COCO file: one image a line).
  public static func indented(depth: Int) -> JSONLayout {
    JSONLayout(comma: ", ", colon: ": ", expandedDepth: depth)
  }
}
