/// An RGB image as the model sees it: `pixels` row-major (y, x, channel R G B), each value in
/// 0...1. Decoded images, resized squares and scene renderings all use it. (The cache stores
/// 8 bits per channel on disk and hands out this Float form.)
public struct RGBImage: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public var pixels: [Float]

  public init(width: Int, height: Int, pixels: [Float]) {
    precondition(pixels.count == width * height * 3, "pixels must hold (height, width, 3) values")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// A width x height image of one colour.
  public init(width: Int, height: Int, filledWith color: (Float, Float, Float)) {
    var pixels = [Float](repeating: 0, count: width * height * 3)
    for offset in stride(from: 0, to: pixels.count, by: 3) {
      pixels[offset] = color.0
      pixels[offset + 1] = color.1
      pixels[offset + 2] = color.2
    }
    self.init(width: width, height: height, pixels: pixels)
  }

  /// The (red, green, blue) of pixel (x, y).
  public func pixel(x: Int, y: Int) -> (Float, Float, Float) {
    let offset = (y * width + x) * 3
    return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
  }

  /// The pixels as 8-bit samples (clamped to 0...1, rounded), row-major RGB.
  public var bytes: [UInt8] {
    pixels.map { UInt8((Swift.min(1, Swift.max(0, $0)) * 255).rounded()) }
  }

  /// An image from 8-bit samples, row-major RGB.
  public init(width: Int, height: Int, bytes: [UInt8]) {
    self.init(width: width, height: height, pixels: bytes.map { Float($0) / 255 })
  }
}
