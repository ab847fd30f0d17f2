import Tensor

/// The masked vision modelling pass of one batch (UNITER's data/mrm.py): which regions (or
/// patches) are masked, the constant multiplier that zeroes their features, and the targets
/// the heads predict at them. Text is not touched: MVM conditions on the whole caption.
public struct MaskedVision: Sendable {
  /// Flat positions b·N + n of the masked items among N slots per image, in order.
  public var positions: [Int]
  /// Slots per image (R regions or P patches).
  public var slots: Int
  /// (B, N, W): 0 on the feature part of a masked item, 1 elsewhere (the box stays visible).
  public var keep: Tensor
  /// (B, N, 1): 1 at masked items, where the learned mask vector is added.
  public var indicator: Tensor
  /// (M, F) the original features (regions) or pixels (patches) of the M masked items.
  public var features: Tensor
  /// (M) the detector's argmax at each masked region; empty for patches.
  public var labels: [Int]
  /// (M, C) the detector's class distribution at each masked region; nil for patches.
  public var distributions: Tensor?
}

/// How items are chosen: each available item independently with probability p, and when that
/// picks none in an image, one uniformly at random (UNITER's `_get_img_mask`: at least one).
/// Two draws per available item and one per image, always, so the stream does not depend on
/// the outcomes.
public enum VisionMasking {
  /// available[b]: how many of image b's slots hold a real item (0: nothing to mask).
  /// → the chosen slot indices of each image, sorted.
  public static func choose(
    available: [Int], probability: Float, random: inout RandomGenerator
  ) -> [[Int]] {
    available.map { count in
      var chosen = (0..<count).filter { _ in random.nextFloat() < probability }
      let fallback = random.nextInt(below: max(count, 1))
      if chosen.isEmpty && count > 0 { chosen = [fallback] }
      return chosen
    }
  }
}

extension PretrainingData {
  /// Masks the image inputs of `indices` (as `imageInputs` builds them) for the MVM pass.
  public func maskedVision(
    _ indices: [Int], probability: Float, random: inout RandomGenerator
  ) throws -> MaskedVision {
    let regions = model.family == .oscar || model.imageInput == .regions
    let slots = regions ? model.maximumRegions : model.patchCount
    let width = regions ? regionInputSize : model.patchValues
    let featureWidth = regions ? corpus.regionFeatureDimension : width
    // Read once per pair (the world runs its detector for them), and only for region inputs.
    let wantsDistributions = corpus.features.contains(.detectorDistributions)
    let regionSets = regions
      ? try indices.map { try corpus.regions($0, distributions: wantsDistributions) } : []
    let available = regions ? regionSets.map { min(slots, $0.count) } : indices.map { _ in slots }
    let chosen = VisionMasking.choose(
      available: available, probability: probability, random: &random)
    let pixels = regions ? nil : try patches(indices).scalars
    var keep = [Float](repeating: 1, count: indices.count * slots * width)
    var indicator = [Float](repeating: 0, count: indices.count * slots)
    var positions: [Int] = []
    var features: [Float] = []
    var labels: [Int] = []
    var distributions: [Float] = []
    let classes = corpus.classNames.count
    for b in indices.indices {
      for n in chosen[b] {
        let slot = b * slots + n
        positions.append(slot)
        indicator[slot] = 1
        for k in 0..<featureWidth { keep[slot * width + k] = 0 }
        if let pixels {
          features += pixels[slot * width..<(slot + 1) * width]
        } else {
          let set = regionSets[b]
          let row = n * (featureWidth + 6)
          features += set.inputs[row..<row + featureWidth]
          labels.append(max(0, set.labels[n]))
          if let soft = set.distributions {
            distributions += soft[n * classes..<(n + 1) * classes]
          }
        }
      }
    }
    let m = positions.count
    return MaskedVision(
      positions: positions, slots: slots,
      keep: try Tensor(shape: [indices.count, slots, width], values: keep),
      indicator: try Tensor(shape: [indices.count, slots, 1], values: indicator),
      features: try Tensor(shape: [m, featureWidth], values: features), labels: labels,
      distributions: regions && wantsDistributions
        ? try Tensor(shape: [m, classes], values: distributions) : nil)
  }
}
