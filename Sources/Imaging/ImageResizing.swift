/// How an image that is not square becomes the model's square input.
public enum ImageFit: String, Sendable, CaseIterable, Codable {
  /// The largest centred square (the longer side loses its ends): what CLIP, ALBEF and BLIP
  /// evaluate on.
  case crop
  /// The whole image centred on a white square (nothing lost, white bars on the short side).
  case pad
}

/// A rectangle of source pixels, in pixel units; parts outside the image read as white.
public struct ImageRegion: Sendable, Equatable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }

  /// The centred square an image of width x height becomes under `fit`.
  public static func square(width: Int, height: Int, fit: ImageFit) -> ImageRegion {
    let side = fit == .crop ? min(width, height) : max(width, height)
    return ImageRegion(x: (width - side) / 2, y: (height - side) / 2, width: side, height: side)
  }
}

/// Resizing by exact area averaging (a box filter): output pixel i of n covers source
/// coordinates [i * L / n, (i + 1) * L / n) of a span of L pixels and is the mean of the source
/// pixels over that interval, each weighted by its overlap. Shrinking thus averages every
/// source pixel exactly once (no aliasing); enlarging repeats source pixels and blends the two
/// a boundary falls between. Separable: rows first, then columns.
public enum ImageResizing {
  /// `image` cropped or padded to a centred square (ImageFit) and resized to size x size.
  public static func square(_ image: RGBImage, size: Int, fit: ImageFit) -> RGBImage {
    resize(
      image, region: .square(width: image.width, height: image.height, fit: fit), width: size,
      height: size)
  }

  /// The pixels of `region` (white outside the image) resized to width x height.
  public static func resize(_ image: RGBImage, region: ImageRegion, width: Int, height: Int)
    -> RGBImage
  {
    resample(
      image.pixels, sourceWidth: image.width, sourceHeight: image.height, region: region,
      width: width, height: height)
  }

  static func square(_ image: ByteImage, size: Int, fit: ImageFit) -> RGBImage {
    resample(
      image.bytes, sourceWidth: image.width, sourceHeight: image.height,
      region: .square(width: image.width, height: image.height, fit: fit), width: size,
      height: size)
  }

  /// One output pixel's sources along an axis: (source index, or nil for white padding, and
  /// weight); the weights sum to 1.
  typealias Taps = [(source: Int?, weight: Float)]

  /// The taps of each of `count` outputs over `span` source pixels starting at `origin`, of a
  /// source `sourceCount` long. Overlaps are measured in units of 1 / count pixel, so they are
  /// exact integers.
  static func taps(sourceCount: Int, origin: Int, span: Int, count: Int) -> [Taps] {
    precondition(span > 0 && count > 0, "resizing needs a non-empty region and output")
    return (0..<count).map { output in
      let start = output * span  // output interval in units: [start, end)
      let end = start + span
      var taps: Taps = []
      for pixel in (start / count)...((end - 1) / count) {
        let overlap = min(end, (pixel + 1) * count) - max(start, pixel * count)
        guard overlap > 0 else { continue }
        let source = origin + pixel
        taps.append(
          ((0..<sourceCount).contains(source) ? source : nil, Float(overlap) / Float(span)))
      }
      return taps
    }
  }

  static func resample<Sample: UnitSample>(
    _ samples: [Sample], sourceWidth: Int, sourceHeight: Int, region: ImageRegion, width: Int,
    height: Int
  ) -> RGBImage {
    let columns = taps(sourceCount: sourceWidth, origin: region.x, span: region.width, count: width)
    let rows = taps(sourceCount: sourceHeight, origin: region.y, span: region.height, count: height)
    // Rows first, over only the source rows some output row reads: (rowCount, width, 3).
    let firstRow = max(0, region.y)
    let rowCount = max(0, min(sourceHeight, region.y + region.height) - firstRow)
    var across = [Float](repeating: 0, count: rowCount * width * 3)
    samples.withUnsafeBufferPointer { source in
      for row in 0..<rowCount {
        let sourceRow = (firstRow + row) * sourceWidth * 3
        for (x, columnTaps) in columns.enumerated() {
          var red: Float = 0
          var green: Float = 0
          var blue: Float = 0
          for tap in columnTaps {
            if let column = tap.source {
              let offset = sourceRow + column * 3
              red += tap.weight * source[offset].unit
              green += tap.weight * source[offset + 1].unit
              blue += tap.weight * source[offset + 2].unit
            } else {
              red += tap.weight
              green += tap.weight
              blue += tap.weight
            }
          }
          let target = (row * width + x) * 3
          across[target] = red
          across[target + 1] = green
          across[target + 2] = blue
        }
      }
    }
    var pixels = [Float](repeating: 0, count: width * height * 3)
    for (y, rowTaps) in rows.enumerated() {
      let target = y * width * 3
      for tap in rowTaps {
        if let row = tap.source {
          let base = (row - firstRow) * width * 3
          for index in 0..<(width * 3) { pixels[target + index] += tap.weight * across[base + index] }
        } else {
          for index in 0..<(width * 3) { pixels[target + index] += tap.weight }
        }
      }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
  }
}

/// A stored sample read as a value in 0...1.
protocol UnitSample {
  var unit: Float { get }
}

extension UInt8: UnitSample {
  var unit: Float { Float(self) / 255 }
}

extension Float: UnitSample {
  var unit: Float { self }
}
