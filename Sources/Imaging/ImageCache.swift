import Foundation

/// Every image of a list decoded, cropped or padded and resized once, stored as 8-bit RGB
/// squares in one file that later runs and epochs memory-map: reading an image is a copy out
/// of the page cache, never a decode. Layout and key: ImageCacheLayout.
///
/// Augmentation happens after the cache: the cache holds each image's centred square (at
/// `size`, which may be larger than the model's input to keep detail for zoomed crops) and a
/// random resized crop is cut from that square per epoch. Decoding is what costs; cropping a
/// 224-pixel square is cheap. The price is that crops never reach beyond the centred square
/// (ALBEF crops the whole photo), which for the usual 4:3 photo is its central three quarters.
public final class ImageCache: @unchecked Sendable {
  public let path: String
  public let count: Int
  /// Side of the stored squares.
  public let size: Int
  public let fit: ImageFit
  /// Why this open (re)built the file, nil when it reused it: "no cache file yet", "the image
  /// files or settings changed", or what was damaged.
  public let rebuildReason: String?
  /// Items that could not be decoded (index: the error's text); only with skipInvalid.
  public let failures: [Int: String]

  private let mapping: UnsafeRawBufferPointer  // read-only, shared
  private let layout: ImageCacheLayout

  /// Opens the cache at `path` for `files` (in this order) at size x size, building it when it
  /// is missing, damaged or keyed to other files or settings. Building decodes on `threads`
  /// threads (the result does not depend on how many) and calls `progress(done, total)` from
  /// them, one call at a time, `done` increasing. A file that cannot be decoded stops the
  /// build with its error, unless `skipInvalid` (then it is listed in `failures`).
  public static func open(
    path: String, files: [String], size: Int, fit: ImageFit, skipInvalid: Bool = false,
    threads: Int = 2, progress: (@Sendable (Int, Int) -> Void)? = nil
  ) throws(ImageError) -> ImageCache {
    precondition((1...ImageCacheLayout.maximumSide).contains(size), "cache side out of range")
    let key = ImageCacheLayout.key(files: files, side: size, fit: fit)
    let reason: String
    switch map(path) {
    case .success(let (mapping, layout)):
      if layout.key == key && layout.count == files.count && layout.side == size
        && layout.fit == fit
      {
        return ImageCache(path: path, mapping: mapping, layout: layout, rebuildReason: nil)
      }
      munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count)
      reason = "the image files or settings changed"
    case .failure(let problem):
      reason = problem.reason
    }
    try ImageCacheBuilder.build(
      path: path, files: files, size: size, fit: fit, key: key, skipInvalid: skipInvalid,
      threads: threads, progress: progress)
    switch map(path) {
    case .success(let (mapping, layout)):
      return ImageCache(path: path, mapping: mapping, layout: layout, rebuildReason: reason)
    case .failure(let problem):
      throw .corruptCache(path: path, reason: problem.reason)
    }
  }

  private init(
    path: String, mapping: UnsafeRawBufferPointer, layout: ImageCacheLayout,
    rebuildReason: String?
  ) {
    self.path = path
    self.mapping = mapping
    self.layout = layout
    self.count = layout.count
    self.size = layout.side
    self.fit = layout.fit
    self.rebuildReason = rebuildReason
    self.failures = Self.failures(mapping, layout)
  }

  deinit {
    munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count)
  }

  /// The stored square of item `index` (RGB, 8 bits), nil for an item that failed to decode.
  public func bytes(at index: Int) -> [UInt8]? {
    precondition((0..<count).contains(index), "image \(index) of \(count)")
    guard mapping[ImageCacheLayout.headerBytes + index] == 1 else { return nil }
    let start = layout.pixelOffset + index * layout.imageBytes
    return Array(mapping[start..<(start + layout.imageBytes)])
  }

  /// The stored square of item `index` with values in 0...1, nil for an item that failed.
  public func image(at index: Int) -> RGBImage? {
    bytes(at: index).map { RGBImage(width: size, height: size, bytes: $0) }
  }

  /// The file mapped read-only and its layout, or why it is not a usable cache.
  private static func map(_ path: String) -> Result<
    (UnsafeRawBufferPointer, ImageCacheLayout), ImageCacheLayout.Problem
  > {
    let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      return .failure(.init(errno == ENOENT ? "no cache file yet" : String(cString: strerror(errno))))
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      return .failure(.init("not a regular file"))
    }
    let length = Int(status.st_size)
    guard length >= ImageCacheLayout.headerBytes else {
      return .failure(.init("shorter than its header"))
    }
    guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0),
      base != UnsafeMutableRawPointer(bitPattern: -1)
    else { return .failure(.init("cannot map it: \(String(cString: strerror(errno)))")) }
    let mapping = UnsafeRawBufferPointer(start: base, count: length)
    switch ImageCacheLayout.parse(mapping, fileBytes: length) {
    case .success(let layout):
      return .success((mapping, layout))
    case .failure(let problem):
      munmap(base, length)
      return .failure(problem)
    }
  }

  private static func failures(_ mapping: UnsafeRawBufferPointer, _ layout: ImageCacheLayout)
    -> [Int: String]
  {
    let text = String(
      decoding: mapping[layout.failureOffset..<layout.fileBytes], as: UTF8.self)
    var failures: [Int: String] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: "\t", maxSplits: 1)
      if parts.count == 2, let index = Int(parts[0]) { failures[index] = String(parts[1]) }
    }
    return failures
  }
}
