import Foundation
import Imaging
import Tensor

/// An attention map drawn over its image, as ALBEF's notebook draws it (`getAttMap`): the
/// weights scaled to 0...1, a jet colour per weight, mixed over the image with opacity w^0.7.
/// Patches colour their square; for regions each pixel takes the largest scaled weight of the
/// boxes that cover it (outside every box the image shows through).
public enum AttentionOverlay {
  /// Matplotlib's `jet` at t in 0...1: blue, cyan, yellow, red.
  public static func heatColor(_ t: Float) -> (red: Float, green: Float, blue: Float) {
    let t = min(max(t.isNaN ? 0 : t, 0), 1)
    func ramp(_ x: Float) -> Float { min(max(1.5 - abs(4 * t - x), 0), 1) }
    return (ramp(3), ramp(2), ramp(1))
  }

  /// The weights scaled to 0...1: patches by min and max (the notebook's `attMap -= min;
  /// attMap /= max`), boxes by the largest (so a box with no weight stays untinted).
  public static func scaled(_ weights: [Float], layout: ImageTokenLayout) -> [Float] {
    let finite = weights.map { $0.isFinite ? $0 : 0 }
    guard let high = finite.max() else { return [] }
    let low: Float
    switch layout {
    case .patches: low = finite.min() ?? 0
    case .regions: low = min(0, finite.min() ?? 0)
    }
    return finite.map { high > low ? ($0 - low) / (high - low) : 0 }
  }

  /// Each pixel's scaled weight for an image of `width` x `height`, row-major.
  public static func pixelWeights(
    _ weights: [Float], layout: ImageTokenLayout, width: Int, height: Int
  ) -> [Float] {
    let scaled = scaled(weights, layout: layout)
    var result = [Float](repeating: 0, count: width * height)
    guard !scaled.isEmpty, width > 0, height > 0 else { return result }
    switch layout {
    case .patches(let columns, let rows):
      for y in 0..<height {
        for x in 0..<width {
          let token = (y * rows / height) * columns + x * columns / width
          result[y * width + x] = scaled[safeIndex: token]
        }
      }
    case .regions(let boxes):
      for (token, box) in boxes.enumerated() where token < scaled.count {
        let x1 = Int((box.x1 * Float(width)).rounded(.down))
        let x2 = Int((box.x2 * Float(width)).rounded(.up))
        let y1 = Int((box.y1 * Float(height)).rounded(.down))
        let y2 = Int((box.y2 * Float(height)).rounded(.up))
        for y in max(0, y1)..<min(height, max(y1, y2)) {
          for x in max(0, x1)..<min(width, max(x1, x2)) {
            result[y * width + x] = max(result[y * width + x], scaled[token])
          }
        }
      }
    }
    return result
  }

  /// The image with the map over it.
  public static func blend(_ image: RGBImage, weights: [Float], layout: ImageTokenLayout) -> RGBImage {
    let perPixel = pixelWeights(weights, layout: layout, width: image.width, height: image.height)
    var pixels = image.pixels
    for (index, weight) in perPixel.enumerated() {
      let alpha = Float(Foundation.pow(Double(weight), 0.7))
      let heat = heatColor(weight)
      let offset = index * 3
      pixels[offset] = (1 - alpha) * pixels[offset] + alpha * heat.red
      pixels[offset + 1] = (1 - alpha) * pixels[offset + 1] + alpha * heat.green
      pixels[offset + 2] = (1 - alpha) * pixels[offset + 2] + alpha * heat.blue
    }
    return RGBImage(width: image.width, height: image.height, pixels: pixels)
  }

  /// The blended picture as SVG written by hand: one rect per run of equal pixels in a row,
  /// `scale` user units per pixel, the boxes outlined for regions, and a caption line.
  public static func svg(_ picture: RGBImage, layout: ImageTokenLayout, title: String, scale: Int = 4)
    -> String
  {
    let (width, height) = (picture.width * scale, picture.height * scale)
    var lines = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height + 24)\" "
        + "viewBox=\"0 0 \(width) \(height + 24)\" shape-rendering=\"crispEdges\">",
      "<rect width=\"\(width)\" height=\"\(height + 24)\" fill=\"#ffffff\"/>",
    ]
    let bytes = picture.bytes
    func hex(_ x: Int, _ y: Int) -> String {
      let offset = (y * picture.width + x) * 3
      return "#" + bytes[offset..<offset + 3].map { String(format: "%02x", $0) }.joined()
    }
    for y in 0..<picture.height {
      var x = 0
      while x < picture.width {
        let colour = hex(x, y)
        var end = x + 1
        while end < picture.width, hex(end, y) == colour { end += 1 }
        lines.append(
          "<rect x=\"\(x * scale)\" y=\"\(y * scale)\" width=\"\((end - x) * scale)\" "
            + "height=\"\(scale)\" fill=\"\(colour)\"/>")
        x = end
      }
    }
    if case .regions(let boxes) = layout {
      for box in boxes {
        lines.append(
          "<rect x=\"\(box.x1 * Float(width))\" y=\"\(box.y1 * Float(height))\" "
            + "width=\"\((box.x2 - box.x1) * Float(width))\" height=\"\((box.y2 - box.y1) * Float(height))\" "
            + "fill=\"none\" stroke=\"#ffffff\" stroke-opacity=\"0.6\" stroke-width=\"1\"/>")
      }
    }
    lines.append(
      "<text x=\"4\" y=\"\(height + 16)\" font-family=\"monospace\" font-size=\"12\">"
        + escaped(title) + "</text>")
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }

  static func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}

extension Array where Element == Float {
  fileprivate subscript(safeIndex index: Int) -> Float { indices.contains(index) ? self[index] : 0 }
}

extension AttentionMapProbe {
  /// Pair `index`'s image at `size` x `size` as the model sees it (nil when the corpus has no
  /// pixels, as for region features alone: the overlay is then drawn on grey).
  public func image(_ index: Int, size: Int) -> RGBImage? {
    var noAugmentation: RandomGenerator?
    return try? data.corpus.image(index, size: size, augmentation: &noAugmentation)
  }
}
