import Testing

@testable import Imaging

@Suite("Random resized crop and flip")
struct AugmentationTests {
  let augmentation = ImageAugmentation.albef

  @Test func sameSeedSameCropAndDifferentSeedsDiffer() {
    let image = TestImages.ramp(width: 64, height: 48)
    let first = augmentation.apply(image, size: 16, seed: 42)
    #expect(first == augmentation.apply(image, size: 16, seed: 42))
    #expect(first.width == 16 && first.height == 16)
    let choices = Set((0..<50).map { seed in
      let choice = augmentation.choice(width: 64, height: 48, seed: UInt64(seed))
      return [choice.region.x, choice.region.y, choice.region.width, choice.region.height,
        choice.flipped ? 1 : 0]
    })
    #expect(choices.count > 40, "50 seeds gave \(choices.count) different crops")
  }

  /// Every crop lies inside the image with area share in 0.5...1 and aspect ratio in
  /// 3/4...4/3 (up to the rounding of its sides), and about half are flipped.
  @Test func cropsRespectScaleRatioAndBounds() {
    var flips = 0
    for seed in 0..<2000 {
      let choice = augmentation.choice(width: 200, height: 150, seed: UInt64(seed))
      let region = choice.region
      #expect(region.x >= 0 && region.y >= 0 && region.x + region.width <= 200
        && region.y + region.height <= 150)
      let share = Double(region.width * region.height) / Double(200 * 150)
      #expect(share > 0.49 && share < 1.01, "share \(share)")
      let ratio = Double(region.width) / Double(region.height)
      #expect(ratio > 0.74 && ratio < 1.35, "ratio \(ratio)")
      if choice.flipped { flips += 1 }
    }
    #expect((900...1100).contains(flips), "\(flips) of 2000 flipped")
  }

  /// A strip far wider than 4:3 never fits a crop of half its area and that ratio after
  /// ten tries: the fallback takes the centred crop at ratio 4/3, as torchvision does.
  @Test func narrowImagesFallBackToTheCentreCrop() {
    let choice = augmentation.choice(width: 1000, height: 10, seed: 7)
    #expect(choice.region == ImageRegion(x: 493, y: 0, width: 13, height: 10))
    let tall = augmentation.choice(width: 10, height: 1000, seed: 7)
    #expect(tall.region == ImageRegion(x: 0, y: 493, width: 10, height: 13))
  }

  @Test func flippingMirrorsAndNoFlipKeepsTheCrop() {
    let image = TestImages.ramp(width: 32, height: 32)
    let unflipped = ImageAugmentation(scale: 1...1, aspectRatio: 1...1, flipProbability: 0)
    #expect(unflipped.apply(image, size: 32, seed: 3) == image)
    let flipped = ImageAugmentation(scale: 1...1, aspectRatio: 1...1, flipProbability: 1)
    let mirrored = flipped.apply(image, size: 32, seed: 3)
    #expect(mirrored == image.mirrored() && mirrored.pixel(x: 0, y: 5) == image.pixel(x: 31, y: 5))
    #expect(mirrored.mirrored() == image)
  }

  @Test func itemSeedsDifferByEpochAndItemAndRepeat() {
    let seeds = Set((0..<10).flatMap { epoch in
      (0..<100).map { ImageAugmentation.seed(run: 1, epoch: epoch, item: $0) }
    })
    #expect(seeds.count == 1000)
    #expect(ImageAugmentation.seed(run: 1, epoch: 2, item: 3)
      == ImageAugmentation.seed(run: 1, epoch: 2, item: 3))
    #expect(ImageAugmentation.seed(run: 1, epoch: 2, item: 3)
      != ImageAugmentation.seed(run: 2, epoch: 2, item: 3))
  }
}
