import Foundation
import Imaging
import Tensor

/// A caption corpus's images through Imaging's memory-mapped cache: every image decoded,
/// squared (`data.fit`) and resized once, into a file beside the session that later runs and
/// epochs read (`image-cache-SIDE-FIT.bin`, rebuilt when the files or settings change).
final class CachedCorpusImages: CorpusImages {
  let cache: ImageCache

  init(cache: ImageCache) { self.cache = cache }

  var count: Int { cache.count }

  /// The stored square at `size`; with `augmentation`, ALBEF's random resized crop and flip of
  /// it, seeded by one draw.
  func image(_ index: Int, size: Int, augmentation: inout RandomGenerator?) throws -> SceneImage {
    guard let square = cache.image(at: index) else {
      throw DataError.invalidData(
        problems: [DataProblem(file: cache.path, reason: "image \(index) could not be decoded")],
        total: 1)
    }
    if var random = augmentation {
      let seed = random.next()
      augmentation = random
      return ImageAugmentation.albef.apply(square, size: size, seed: seed)
    }
    return square.width == size ? square : ImageResizing.square(square, size: size, fit: .crop)
  }
}

enum CorpusImageCache {
  /// The cache is stored at twice the model's side when training crops are drawn from it, so
  /// a zoomed crop keeps detail (at most 512).
  static func side(imageSize: Int, augmentation: Bool) -> Int {
    augmentation ? min(512, max(imageSize, 2 * imageSize)) : imageSize
  }

  /// Opens (building when needed) the cache of `paths`; returns it with the images that could
  /// not be decoded (only with `skipInvalid`; otherwise the first such image is the error).
  static func prepare(
    paths: [String], data: DataConfiguration, imageSize: Int, progress: CorpusProgress?
  ) throws -> (images: CachedCorpusImages, failures: [Int: String]) {
    let side = side(imageSize: imageSize, augmentation: data.augmentation)
    let folder = data.baseFolder ?? FileManager.default.currentDirectoryPath
    let path = (folder as NSString).appendingPathComponent(
      "image-cache-\(side)-\(data.fit.rawValue).bin")
    var report: (@Sendable (Int, Int) -> Void)?
    if let progress {
      report = { done, total in progress(.preparingImages(done: done, total: total)) }
    }
    let cache: ImageCache
    do {
      cache = try ImageCache.open(
        path: path, files: paths, size: side, fit: data.fit, skipInvalid: data.skipInvalid,
        threads: 2, progress: report)
    } catch {
      throw error
    }
    // A cache that was already built reports itself complete at once.
    if cache.rebuildReason == nil {
      progress?(.preparingImages(done: paths.count, total: paths.count))
    }
    return (CachedCorpusImages(cache: cache), cache.failures)
  }
}
