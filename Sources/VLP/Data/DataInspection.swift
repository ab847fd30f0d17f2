import Foundation

/// What `vlp data inspect` found in a data folder or file: a summary and every problem (up to
/// the limit). `report` is the text the command prints.
public struct DataInspection: Sendable {
  public struct Part: Sendable {
    public var name: String
    public var pairs: Int
    public var images: Int
  }

  public struct Regions: Sendable {
    public var featureDimension: Int
    public var minimumPerImage: Int
    public var maximumPerImage: Int
    public var meanPerImage: Double
  }

  public var path: String
  public var format: String
  public var parts: [Part] = []
  /// e.g. "vocab.txt: 86 tokens", or a count of distinct caption words when there is none.
  public var vocabulary: String?
  public var tagCounts: [String: Int] = [:]
  public var taggedImages = 0
  public var regions: Regions?
  /// The on-demand reader's view of the features: encoding and floats per region as stored
  /// (replaces the `D + 6` line, which assumes the export's layout).
  public var featureLayout: String?
  /// Each split's line indexes: found, written, rebuilt, or absent.
  public var lineIndexes: [String] = []
  /// The world configuration found beside the data (`world.json`), summarized.
  public var origin: String?
  /// How many image files the captions name were found and decoded (nil: no image folder).
  public var imageFilesChecked: Int?
  public var examples: [String] = []
  public var problems: [DataProblem] = []
  public var totalProblems = 0

  public var pairCount: Int { parts.reduce(0) { $0 + $1.pairs } }
  public var imageCount: Int { parts.reduce(0) { $0 + $1.images } }

  mutating func countTags(_ labels: some Sequence<OscarLabel>) {
    for label in labels where !label.objects.isEmpty {
      taggedImages += 1
      for object in label.objects { tagCounts[object.className, default: 0] += 1 }
    }
  }

  mutating func record(_ log: ProblemLog) {
    let room = max(0, log.limit - problems.count)
    problems += log.problems.prefix(room)
    totalProblems += log.total
  }

  public var report: String {
    var lines: [(String, String)] = [("path", path), ("format", format)]
    if let origin { lines.append(("origin", origin)) }
    if !parts.isEmpty {
      var pairs = grouped(pairCount)
      if parts.count > 1 {
        pairs +=
          " (" + parts.map { "\($0.name) \(grouped($0.pairs))" }.joined(separator: " · ") + ")"
      }
      // A label or feature TSV alone has images but no pairs.
      if pairCount > 0 { lines.append(("pairs", pairs)) }
      var images = grouped(imageCount)
      if let imageFilesChecked { images += " (\(grouped(imageFilesChecked)) image files decoded)" }
      lines.append(("images", images))
    }
    if let vocabulary { lines.append(("vocabulary", vocabulary)) }
    if taggedImages > 0 {
      let total = tagCounts.values.reduce(0, +)
      let top = tagCounts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5)
        .map { "\($0.key) \(percent(Double($0.value) / Double(max(1, total))))" }
      let words = tagCounts.keys.map { $0.split(separator: " ").count }
      let kind =
        words.allSatisfy { $0 >= 2 }
        ? "fine: attribute + class" : words.allSatisfy { $0 == 1 } ? "coarse: one word" : "mixed"
      lines.append(
        (
          "tags",
          "\(grouped(tagCounts.count)) distinct (\(kind)), \(fixed(Double(total) / Double(taggedImages))) per tagged image"
        ))
      lines.append(("top tags", top.joined(separator: " · ")))
    }
    if let regions {
      lines.append(
        (
          "features",
          featureLayout
            ?? "D = \(regions.featureDimension) + 6 box values = \(regions.featureDimension + 6) floats per region"
        ))
      lines.append(
        (
          "regions",
          "\(fixed(regions.meanPerImage)) per image (\(regions.minimumPerImage) to \(regions.maximumPerImage))"
        ))
    }
    for index in lineIndexes { lines.append(("line index", index)) }
    let width = lines.map(\.0.count).max() ?? 0
    var text = lines.map {
      $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1
    }
    if !examples.isEmpty {
      text.append("examples")
      text += examples.map { "  " + $0 }
    }
    if totalProblems == 0 {
      text.append("problems".padding(toLength: width, withPad: " ", startingAt: 0) + "  none")
    } else {
      text.append("problems (\(totalProblems))")
      text += problems.map { "  " + $0.description }
      if totalProblems > problems.count {
        text.append("  ... and \(totalProblems - problems.count) more")
      }
    }
    return text.joined(separator: "\n")
  }
}

/// 20000 -> "20,000".
public func grouped(_ value: Int) -> String {
  let digits = String(value.magnitude)
  var result = ""
  for (offset, character) in digits.enumerated() {
    if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
    result.append(character)
  }
  return (value < 0 ? "-" : "") + result
}

/// Two decimals, without Foundation's locale-dependent formatting.
func fixed(_ value: Double, decimals: Int = 2) -> String {
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  let scaled = Int((abs(value) * scale).rounded())
  let whole = scaled / Int(scale)
  let fraction = String(scaled % Int(scale))
  let padded = String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
  return (value < 0 && scaled != 0 ? "-" : "") + String(whole) + (decimals > 0 ? "." + padded : "")
}

func percent(_ fraction: Double) -> String { fixed(100 * fraction, decimals: 1) + "%" }
