import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Imaging

@Suite("Image cache")
struct ImageCacheTests {
  /// Three images of different formats and shapes in a fresh folder.
  func sources(_ directory: TemporaryDirectory) throws -> [String] {
    let paths = ["wide.jpg", "tall.png", "square.jpg"].map { directory.child($0) }
    try JPEGEncoding.write(TestImages.ramp(width: 60, height: 40), to: paths[0])
    try PNGEncoding.write(TestImages.ramp(width: 20, height: 50), to: paths[1])
    try JPEGEncoding.write(TestImages.ramp(width: 33, height: 33), to: paths[2], progressive: true)
    return paths
  }

  @Test func buildStoresWhatDecodingGivesAndReportsProgress() throws {
    let directory = try TemporaryDirectory("imaging-cache")
    defer { directory.remove() }
    let files = try sources(directory)
    let calls = Mutex<[Int]>([])
    let cache = try ImageCache.open(
      path: directory.child("images.cache"), files: files, size: 16, fit: .pad,
      progress: { done, total in
        #expect(total == 3)
        calls.withLock { $0.append(done) }
      })
    #expect(calls.withLock { $0 } == [1, 2, 3])
    #expect(cache.rebuildReason == "no cache file yet")
    #expect(cache.count == 3 && cache.size == 16 && cache.fit == .pad && cache.failures.isEmpty)
    for (index, file) in files.enumerated() {
      let expected = try ImageDecoding.square(file: file, size: 16, fit: .pad)
      #expect(cache.bytes(at: index) == expected.bytes)
      #expect(cache.image(at: index) == RGBImage(width: 16, height: 16, bytes: expected.bytes))
    }
    let reopened = try ImageCache.open(
      path: directory.child("images.cache"), files: files, size: 16, fit: .pad,
      progress: { _, _ in Issue.record("a reused cache decodes nothing") })
    #expect(reopened.rebuildReason == nil)
    #expect(reopened.bytes(at: 2) == cache.bytes(at: 2))
  }

  @Test func changedFileOrSettingsRebuild() throws {
    let directory = try TemporaryDirectory("imaging-cache")
    defer { directory.remove() }
    let files = try sources(directory)
    let path = directory.child("images.cache")
    _ = try ImageCache.open(path: path, files: files, size: 8, fit: .crop)
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: files[1])
    let afterTouch = try ImageCache.open(path: path, files: files, size: 8, fit: .crop)
    #expect(afterTouch.rebuildReason == "the image files or settings changed")
    #expect(try ImageCache.open(path: path, files: files, size: 8, fit: .crop).rebuildReason == nil)
    let otherFit = try ImageCache.open(path: path, files: files, size: 8, fit: .pad)
    #expect(otherFit.rebuildReason == "the image files or settings changed")
    let otherSize = try ImageCache.open(path: path, files: files, size: 9, fit: .pad)
    #expect(otherSize.rebuildReason != nil && otherSize.size == 9)
    let fewer = try ImageCache.open(path: path, files: Array(files.prefix(2)), size: 9, fit: .pad)
    #expect(fewer.rebuildReason != nil && fewer.count == 2)
  }

  @Test func damagedCacheFilesAreRebuilt() throws {
    let directory = try TemporaryDirectory("imaging-cache")
    defer { directory.remove() }
    let files = try sources(directory)
    let path = directory.child("images.cache")
    _ = try ImageCache.open(path: path, files: files, size: 8, fit: .crop)
    let good = try Data(contentsOf: URL(fileURLWithPath: path))
    var claimsMore = [UInt8](good)
    claimsMore[24] = 200  // count: 200 images in a file that holds 3
    var hugeSide = [UInt8](good)
    hugeSide[12...15] = [0xFF, 0xFF, 0xFF, 0x7F]
    let cases: [(bytes: [UInt8], reason: String)] = [
      (Array(good.dropLast(10)), "bytes but the file holds"),
      (Array("not a cache at all, just text that is long enough to hold a header ....".utf8),
        "not an image cache"),
      (claimsMore, "bytes but the file holds"),
      (hugeSide, "out of range"),
      ([], "shorter than its header"),
    ]
    for (bytes, reason) in cases {
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let cache = try ImageCache.open(path: path, files: files, size: 8, fit: .crop)
      #expect(cache.rebuildReason?.contains(reason) == true, "\(cache.rebuildReason ?? "reused")")
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == good)
    }
  }

  @Test func theBytesDoNotDependOnTheThreadCount() throws {
    let directory = try TemporaryDirectory("imaging-cache")
    defer { directory.remove() }
    let files = try sources(directory) + sources(directory)
    _ = try ImageCache.open(path: directory.child("one"), files: files, size: 12, fit: .crop, threads: 1)
    _ = try ImageCache.open(path: directory.child("two"), files: files, size: 12, fit: .crop, threads: 2)
    #expect(try directory.read("one") == directory.read("two"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
      $0.contains(".tmp")
    }.isEmpty, "no temporary file left behind")
  }

  @Test func undecodableImagesStopTheBuildUnlessSkipped() throws {
    let directory = try TemporaryDirectory("imaging-cache")
    defer { directory.remove() }
    var files = try sources(directory)
    files.insert(directory.child("gone.jpg"), at: 1)
    let path = directory.child("images.cache")
    #expect(throws: ImageError.missing(path: files[1])) {
      try ImageCache.open(path: path, files: files, size: 8, fit: .crop)
    }
    #expect(!FileManager.default.fileExists(atPath: path))
    let cache = try ImageCache.open(path: path, files: files, size: 8, fit: .crop, skipInvalid: true)
    #expect(cache.failures == [1: ImageError.missing(path: files[1]).description])
    #expect(cache.image(at: 1) == nil && cache.image(at: 2) != nil)
    let reopened = try ImageCache.open(path: path, files: files, size: 8, fit: .crop, skipInvalid: true)
    #expect(reopened.rebuildReason == nil && reopened.failures == cache.failures)
  }
}
