import Foundation

/// Writes a 2-D embedding as CSV (`x,y[,label]`) or as a standalone SVG scatter plot coloured by
/// label with a legend.
public enum EmbeddingPlot {
  /// Tableau's 10 categorical colours; labels beyond ten reuse them in order.
  static let palette = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  ]

  public static func csv(embedding: [Float], labels: [String]? = nil) -> String {
    var lines = [labels == nil ? "x,y" : "x,y,label"]
    for i in 0..<(embedding.count / 2) {
      var line = "\(embedding[2 * i]),\(embedding[2 * i + 1])"
      if let labels { line += "," + quoted(labels[i]) }
      lines.append(line)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// An SVG of `size` x `size` pixels (plus a legend column when there are labels). `markers`
  /// names a second property shown by shape (Oscar's Fig. 4: regions filled, words hollow):
  /// points whose marker is `hollowMarker` are drawn as rings.
  public static func svg(
    embedding: [Float], labels: [String]? = nil, title: String = "t-SNE", size: Int = 640,
    markers: [String]? = nil, hollowMarker: String? = nil
  ) -> String {
    let count = embedding.count / 2
    var minX = Float.infinity
    var maxX = -Float.infinity
    var minY = Float.infinity
    var maxY = -Float.infinity
    for i in 0..<count {
      minX = min(minX, embedding[2 * i])
      maxX = max(maxX, embedding[2 * i])
      minY = min(minY, embedding[2 * i + 1])
      maxY = max(maxY, embedding[2 * i + 1])
    }
    let span = max(maxX - minX, maxY - minY, 1e-12)
    let margin = 20.0
    let plot = Double(size) - 2 * margin
    // Order of first appearance keeps colours stable for a given file.
    var classes: [String] = []
    var classIndex: [String: Int] = [:]
    for label in labels ?? [] where classIndex[label] == nil {
      classIndex[label] = classes.count
      classes.append(label)
    }
    let legendWidth = classes.isEmpty ? 0 : 160
    let radius = count > 2000 ? 1.5 : 2.5
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(size + legendWidth)" height="\(size + 30)" \
      viewBox="0 0 \(size + legendWidth) \(size + 30)">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(margin)" y="20" font-family="sans-serif" font-size="14">\(escaped(title))</text>
      <g transform="translate(0,30)">

      """
    for i in 0..<count {
      // Centred on the larger span so the aspect ratio is kept; y grows upwards.
      let x = margin + plot * (0.5 + Double(embedding[2 * i] - (minX + maxX) / 2) / Double(span))
      let y =
        margin + plot * (0.5 - Double(embedding[2 * i + 1] - (minY + maxY) / 2) / Double(span))
      let colour = labels.map { palette[classIndex[$0[i]]! % palette.count] } ?? palette[0]
      let paint =
        markers?[i] == hollowMarker && hollowMarker != nil
        ? "fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.2\""
        : "fill=\"\(colour)\" fill-opacity=\"0.8\""
      svg +=
        String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" ", x, y, radius) + paint + "/>\n"
    }
    var kinds: [String] = []
    for marker in markers ?? [] where !kinds.contains(marker) { kinds.append(marker) }
    for (index, label) in classes.enumerated() {
      let y = 20 + 18 * index
      let colour = palette[index % palette.count]
      svg += """
        <circle cx="\(size + 12)" cy="\(y - 4)" r="5" fill="\(colour)"/>
        <text x="\(size + 24)" y="\(y)" font-family="sans-serif" font-size="12">\
        \(escaped(label))</text>

        """
    }
    for (index, kind) in kinds.enumerated() {
      let y = 20 + 18 * (classes.count + 1 + index)
      let paint = kind == hollowMarker ? "fill=\"none\" stroke=\"#555\"" : "fill=\"#555\""
      svg += """
        <circle cx="\(size + 12)" cy="\(y - 4)" r="5" \(paint)/>
        <text x="\(size + 24)" y="\(y)" font-family="sans-serif" font-size="12">\
        \(escaped(kind))</text>

        """
    }
    return svg + "</g>\n</svg>\n"
  }

  /// Text for SVG/XML content and attributes: `& < > "` escaped.
  public static func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  static func quoted(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
