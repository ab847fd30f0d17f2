import Foundation
import TestSupport

@testable import Imaging

/// Test images and files written by the project itself through libjpeg and libpng.
enum TestImages {
  /// A smooth colour ramp (JPEG keeps it within a few levels): red across, green down.
  static func ramp(width: Int, height: Int) -> RGBImage {
    var pixels: [Float] = []
    for y in 0..<height {
      for x in 0..<width {
        pixels += [
          Float(x) / Float(max(1, width - 1)), Float(y) / Float(max(1, height - 1)), 0.5,
        ]
      }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
  }

  /// Busy detail that compresses poorly, so that most of a file is pixel data.
  static func textured(width: Int, height: Int) -> RGBImage {
    let pixels = (0..<(width * height * 3)).map { index in
      Float(((index &* 2_654_435_761) >> 7) & 0xFF) / 255
    }
    return RGBImage(width: width, height: height, pixels: pixels)
  }

  static func jpeg(
    _ samples: [UInt8], width: Int, height: Int, colorSpace: JPEGCodec.ColorSpace,
    progressive: Bool = false, adobeMarker: Bool = true
  ) throws -> [UInt8] {
    try JPEGCodec.encode(
      samples: samples, width: width, height: height, colorSpace: colorSpace, quality: 95,
      progressive: progressive, adobeMarker: adobeMarker, path: "test")
  }

  static func png(_ samples: [UInt8], width: Int, height: Int, layout: PNGCodec.Layout) throws
    -> [UInt8]
  {
    try samples.withUnsafeBytes { buffer in
      try PNGCodec.encode(samples: buffer, width: width, height: height, layout: layout, path: "t")
    }
  }

  static func png16(_ samples: [UInt16], width: Int, height: Int) throws -> [UInt8] {
    try samples.withUnsafeBytes { buffer in
      try PNGCodec.encode(
        samples: buffer, width: width, height: height, layout: .linearRGB16, path: "t")
    }
  }

  /// Writes `bytes` to `name` in `directory` and returns the path.
  @discardableResult
  static func write(_ bytes: [UInt8], _ name: String, in directory: TemporaryDirectory) throws
    -> String
  {
    let path = directory.child(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The offset of the first byte after JPEG marker 0xFF `code` (the SOF's length field).
  static func markerOffset(_ jpeg: [UInt8], _ code: UInt8) -> Int? {
    for index in 0..<(jpeg.count - 1) where jpeg[index] == 0xFF && jpeg[index + 1] == code {
      return index + 2
    }
    return nil
  }

  /// `jpeg` with its frame header (SOF0 or SOF2) claiming width x height.
  static func withJPEGSize(_ jpeg: [UInt8], width: Int, height: Int) -> [UInt8] {
    var patched = jpeg
    guard let offset = markerOffset(jpeg, 0xC0) ?? markerOffset(jpeg, 0xC2) else { return jpeg }
    // length (2), precision (1), height (2), width (2)
    patched[offset + 3] = UInt8(height >> 8)
    patched[offset + 4] = UInt8(height & 0xFF)
    patched[offset + 5] = UInt8(width >> 8)
    patched[offset + 6] = UInt8(width & 0xFF)
    return patched
  }

  /// `png` with its IHDR claiming width x height, the chunk's CRC recomputed.
  static func withPNGSize(_ png: [UInt8], width: Int, height: Int) -> [UInt8] {
    var patched = png
    for (index, value) in [width, height].enumerated() {
      for byte in 0..<4 { patched[16 + 4 * index + byte] = UInt8((value >> (24 - 8 * byte)) & 0xFF) }
    }
    let crc = crc32(Array(patched[12..<29]))  // chunk type and data
    for byte in 0..<4 { patched[29 + byte] = UInt8((crc >> (24 - 8 * UInt32(byte))) & 0xFF) }
    return patched
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
  }
}

/// Mean and largest absolute difference between two images' values.
func differences(_ a: RGBImage, _ b: RGBImage) -> (mean: Float, largest: Float) {
  let deltas = zip(a.pixels, b.pixels).map { abs($0 - $1) }
  return (deltas.reduce(0, +) / Float(max(1, deltas.count)), deltas.max() ?? 0)
}
