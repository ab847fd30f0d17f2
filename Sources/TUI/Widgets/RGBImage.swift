public enum RGBImageError: Error, CustomStringConvertible, Equatable {
  case sizeMismatch(width: Int, height: Int, count: Int)

  public var description: String {
    switch self {
    case .sizeMismatch(let width, let height, let count):
      return
        "RGB image \(width)x\(height) needs \(width * height * 3) values (height x width x 3), "
        + "got \(count)"
    }
  }
}

/// An RGB image, row-major, 3 channels per pixel, values in [0, 1] (clamped when shown).
public struct RGBImage: Sendable {
  public let width: Int
  public let height: Int
  public let pixels: [Float]

  public init(width: Int, height: Int, pixels: [Float]) throws(RGBImageError) {
    guard width >= 0, height >= 0, pixels.count == width * height * 3 else {
      throw .sizeMismatch(width: width, height: height, count: pixels.count)
    }
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// From bytes 0-255, row-major, 3 per pixel.
  public init(width: Int, height: Int, bytes: [UInt8]) throws(RGBImageError) {
    try self.init(width: width, height: height, pixels: bytes.map { Float($0) / 255 })
  }

  public func color(x: Int, y: Int) -> TerminalColor {
    let base = (y * width + x) * 3
    return .rgb(red: pixels[base], green: pixels[base + 1], blue: pixels[base + 2])
  }

  /// Relative luminance (Rec. 709 weights) of a pixel, in [0, 1].
  public func luminance(x: Int, y: Int) -> Float {
    let base = (y * width + x) * 3
    let value = 0.2126 * pixels[base] + 0.7152 * pixels[base + 1] + 0.0722 * pixels[base + 2]
    return value.isNaN ? 0 : min(max(value, 0), 1)
  }
}
