import Foundation

/// Training-time augmentation as ALBEF's pretraining transform does it (torchvision's
/// RandomResizedCrop(scale: 0.5...1) then RandomHorizontalFlip), seeded: the same seed always
/// picks the same crop and flip. Nothing is augmented unless a caller applies it; evaluation
/// uses the plain square.
///
/// The crop is resized with Imaging's area filter rather than ALBEF's bicubic: the two differ
/// only in sharpness, and the area filter never rings on edges.
public struct ImageAugmentation: Sendable, Equatable {
  /// The crop's share of the source area.
  public var scale: ClosedRange<Double>
  /// The crop's width / height before resizing.
  public var aspectRatio: ClosedRange<Double>
  /// The chance of a left-right mirror.
  public var flipProbability: Double

  public init(
    scale: ClosedRange<Double> = 0.5...1, aspectRatio: ClosedRange<Double> = 0.75...(4.0 / 3),
    flipProbability: Double = 0.5
  ) {
    self.scale = scale
    self.aspectRatio = aspectRatio
    self.flipProbability = flipProbability
  }

  /// ALBEF's pretraining settings.
  public static let albef = ImageAugmentation()

  /// What one seed chose: a region of the source and whether to mirror it.
  public struct Choice: Sendable, Equatable {
    public let region: ImageRegion
    public let flipped: Bool
  }

  /// torchvision's RandomResizedCrop.get_params: up to 10 tries of a random area share and
  /// log-uniform aspect ratio that fit inside the image, then the centre crop of the whole
  /// image clamped to the aspect range.
  public func choice(width: Int, height: Int, seed: UInt64) -> Choice {
    var random = SplitMix64(seed: seed)
    let area = Double(width * height)
    let logRatio = log(aspectRatio.lowerBound)...log(aspectRatio.upperBound)
    for _ in 0..<10 {
      let targetArea = area * random.uniform(in: scale)
      let ratio = exp(random.uniform(in: logRatio))
      let cropWidth = Int((targetArea * ratio).squareRoot().rounded())
      let cropHeight = Int((targetArea / ratio).squareRoot().rounded())
      if 0 < cropWidth && cropWidth <= width && 0 < cropHeight && cropHeight <= height {
        let y = random.integer(below: height - cropHeight + 1)
        let x = random.integer(below: width - cropWidth + 1)
        return Choice(
          region: ImageRegion(x: x, y: y, width: cropWidth, height: cropHeight),
          flipped: random.uniform(in: 0...1) < flipProbability)
      }
    }
    let inputRatio = Double(width) / Double(height)
    var cropWidth = width
    var cropHeight = height
    if inputRatio < aspectRatio.lowerBound {
      cropHeight = Int((Double(width) / aspectRatio.lowerBound).rounded())
    } else if inputRatio > aspectRatio.upperBound {
      cropWidth = Int((Double(height) * aspectRatio.upperBound).rounded())
    }
    return Choice(
      region: ImageRegion(
        x: (width - cropWidth) / 2, y: (height - cropHeight) / 2, width: cropWidth,
        height: cropHeight),
      flipped: random.uniform(in: 0...1) < flipProbability)
  }

  /// `image` cropped as `seed` chooses, resized to size x size, mirrored if chosen.
  public func apply(_ image: RGBImage, size: Int, seed: UInt64) -> RGBImage {
    let choice = choice(width: image.width, height: image.height, seed: seed)
    let resized = ImageResizing.resize(image, region: choice.region, width: size, height: size)
    return choice.flipped ? resized.mirrored() : resized
  }

  /// A seed for one item in one epoch from a run's seed, so that every epoch sees a new crop
  /// and a resumed run the same ones.
  public static func seed(run: UInt64, epoch: Int, item: Int) -> UInt64 {
    var mix = SplitMix64(seed: run ^ (UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15))
    var mixed = SplitMix64(seed: mix.next() ^ UInt64(truncatingIfNeeded: item))
    return mixed.next()
  }
}

extension RGBImage {
  /// The image mirrored left to right.
  public func mirrored() -> RGBImage {
    var flipped = pixels
    for y in 0..<height {
      for x in 0..<width {
        let source = (y * width + x) * 3
        let target = (y * width + width - 1 - x) * 3
        flipped[target] = pixels[source]
        flipped[target + 1] = pixels[source + 1]
        flipped[target + 2] = pixels[source + 2]
      }
    }
    return RGBImage(width: width, height: height, pixels: flipped)
  }
}

/// Steele, Lea and Flood's SplitMix64: a small, fast generator whose stream depends only on
/// the seed (Imaging does not depend on Tensor's generator).
struct SplitMix64 {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in the range (53 random bits).
  mutating func uniform(in range: ClosedRange<Double>) -> Double {
    range.lowerBound + Double(next() >> 11) * 0x1p-53 * (range.upperBound - range.lowerBound)
  }

  /// Uniform in 0..<bound (bound > 0), by rejection so that no value is favoured.
  mutating func integer(below bound: Int) -> Int {
    let limit = UInt64(bound)
    let threshold = (0 &- limit) % limit
    while true {
      let value = next()
      if value >= threshold { return Int(value % limit) }
    }
  }
}
