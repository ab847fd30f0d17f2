import Foundation
import TestSupport
import Testing

@testable import Imaging

/// Seeded mutation fuzzing of image decoding and of the image cache file (docs/reliability.md,
/// "Fuzzing"): JPEG and PNG files written by the project's own encoders are mutated and decoded
/// through libjpeg and libpng; a damaged cache file must be rebuilt or refused. A decoder's
/// error must come back through the C shims as an `ImageError`, never a longjmp past Swift
/// frames, an abort or a trap.
@Suite struct ImageFuzzTests {
  static func corpus(_ encode: (RGBImage) throws -> [UInt8]) throws -> [[UInt8]] {
    [
      try encode(TestImages.ramp(width: 24, height: 16)),
      try encode(TestImages.textured(width: 9, height: 13)),
      try encode(RGBImage(width: 1, height: 1, filledWith: (1, 0, 0))),
    ]
  }

  static func decodeEveryWay(_ path: String) throws {
    _ = try ImageDecoding.decode(file: path)
    _ = try ImageDecoding.decode(file: path, reducedTo: 4)
  }

  @Test func jpegFilesHoldOnMutatedFiles() throws {
    let corpus =
      try Self.corpus { try JPEGEncoding.encode($0) }
      + Self.corpus { try JPEGEncoding.encode($0, quality: 50, progressive: true) }
    let fuzzer = Fuzzer(name: "jpeg", corpus: corpus, fileName: "image.jpg")
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 1500), seconds: Fuzzer.timeLimit(default: 4)) {
      try Self.decodeEveryWay($0)
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 50)
  }

  @Test func pngFilesHoldOnMutatedFiles() throws {
    let fuzzer = Fuzzer(name: "png", corpus: try Self.corpus { try PNGEncoding.encode($0) }, fileName: "image.png")
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 1500), seconds: Fuzzer.timeLimit(default: 4)) {
      try Self.decodeEveryWay($0)
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 50)
  }

  /// A mutated cache file for valid images: opening rebuilds it (or refuses it), and every stored
  /// image reads back at the cache's size.
  @Test func imageCacheFilesHoldOnMutatedFiles() throws {
    let directory = try TemporaryDirectory("image-cache-fuzz")
    defer { directory.remove() }
    let files = ["wide.jpg", "tall.png"].map { directory.child($0) }
    try JPEGEncoding.write(TestImages.ramp(width: 30, height: 20), to: files[0])
    try PNGEncoding.write(TestImages.ramp(width: 10, height: 25), to: files[1])
    let built = directory.child("built.cache")
    _ = try ImageCache.open(path: built, files: files, size: 8, fit: .crop)
    let fuzzer = Fuzzer(
      name: "image cache", corpus: [[UInt8](try Data(contentsOf: URL(fileURLWithPath: built)))],
      fileName: "images.cache")
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 400), seconds: Fuzzer.timeLimit(default: 4)) { path in
      let cache = try ImageCache.open(path: path, files: files, size: 8, fit: .crop, threads: 1)
      for index in 0..<cache.count { _ = cache.image(at: index) }
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 20)
  }

  @Test func specialFilesAreRefusedByName() throws {
    let directory = try TemporaryDirectory("image-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("image", in: directory.url) { path in
      _ = try ImageDecoding.decode(file: path)
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }
}
