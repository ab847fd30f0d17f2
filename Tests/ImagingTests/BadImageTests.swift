import Foundation
import Testing
import TestSupport

@testable import Imaging

@Suite("Broken and unreadable image files")
struct BadImageTests {
  func decodeError(_ bytes: [UInt8], _ name: String) throws -> ImageError? {
    let directory = try TemporaryDirectory("imaging")
    defer { directory.remove() }
    let path = try TestImages.write(bytes, name, in: directory)
    do {
      _ = try ImageDecoding.decode(file: path)
      return nil
    } catch {
      #expect(error.description.hasPrefix(path), "the message names the file")
      return error
    }
  }

  /// Cut inside the entropy-coded data (past the tables): libjpeg warns "Premature end of JPEG
  /// file" and would fill the rest with grey.
  @Test func truncatedJPEGIsCorrupt() throws {
    let jpeg = try JPEGEncoding.encode(TestImages.textured(width: 128, height: 128))
    #expect(jpeg.count > 4000)
    let error = try decodeError(Array(jpeg.prefix(jpeg.count / 2)), "cut.jpg")
    guard case .corrupt(_, .jpeg, let reason) = error else {
      Issue.record("expected corrupt JPEG, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("Premature end"), "\(reason)")
  }

  @Test func truncatedProgressiveJPEGIsCorrupt() throws {
    let jpeg = try JPEGEncoding.encode(TestImages.textured(width: 128, height: 128), progressive: true)
    let error = try decodeError(Array(jpeg.prefix(jpeg.count * 2 / 3)), "cut.jpg")
    guard case .corrupt(_, .jpeg, _) = error else {
      Issue.record("expected corrupt JPEG, got \(String(describing: error))")
      return
    }
  }

  @Test func truncatedPNGIsCorrupt() throws {
    let png = try PNGEncoding.encode(TestImages.textured(width: 64, height: 64))
    let error = try decodeError(Array(png.prefix(png.count * 2 / 3)), "cut.png")
    guard case .corrupt(_, .png, _) = error else {
      Issue.record("expected corrupt PNG, got \(String(describing: error))")
      return
    }
  }

  @Test func garbageIsNotAnImage() throws {
    let garbage = (0..<500).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
    for (bytes, name) in [(garbage, "noise.jpg"), ([], "empty.png"), ([0xFF, 0xD8], "two.jpg")] {
      guard case .notAnImage? = try decodeError(bytes, name)
      else { Issue.record("\(name) should not be an image"); continue }
    }
  }

  @Test func garbageAfterASignatureIsCorrupt() throws {
    let noise = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    guard case .corrupt(_, .jpeg, _)? = try decodeError([0xFF, 0xD8, 0xFF] + noise, "bad.jpg")
    else { Issue.record("JPEG signature then noise should be corrupt"); return }
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard case .corrupt(_, .png, _)? = try decodeError(signature + noise, "bad.png")
    else { Issue.record("PNG signature then noise should be corrupt"); return }
  }

  @Test func zeroSizeIsRefused() throws {
    let image = TestImages.ramp(width: 4, height: 4)
    let jpeg = TestImages.withJPEGSize(try JPEGEncoding.encode(image), width: 4, height: 0)
    guard case .zeroSize(_, .jpeg)? = try decodeError(jpeg, "flat.jpg")
    else { Issue.record("a zero-height JPEG should be refused as zero size"); return }
    let png = TestImages.withPNGSize(try PNGEncoding.encode(image), width: 0, height: 4)
    guard case .zeroSize(_, .png)? = try decodeError(png, "flat.png")
    else { Issue.record("a zero-width PNG should be refused as zero size"); return }
  }

  /// 30,000 x 20,000 = 600 megapixels: refused from the header, before allocating.
  @Test func hugeDimensionsAreRefusedBeforeAllocating() throws {
    let image = TestImages.ramp(width: 4, height: 4)
    let jpeg = TestImages.withJPEGSize(try JPEGEncoding.encode(image), width: 30_000, height: 20_000)
    guard case .tooLarge(_, 30_000, 20_000, 100_000_000)? = try decodeError(jpeg, "huge.jpg")
    else { Issue.record("a 600-megapixel JPEG should be refused"); return }
    let png = TestImages.withPNGSize(try PNGEncoding.encode(image), width: 30_000, height: 20_000)
    let error = try decodeError(png, "huge.png")
    guard case .tooLarge(_, 30_000, 20_000, _)? = error
    else { Issue.record("expected tooLarge, got \(String(describing: error))"); return }
  }

  @Test func missingFilesAndFoldersAreNamed() throws {
    let directory = try TemporaryDirectory("imaging")
    defer { directory.remove() }
    let missing = directory.child("nope.jpg")
    #expect(throws: ImageError.missing(path: missing)) { try ImageDecoding.decode(file: missing) }
    do {
      _ = try ImageDecoding.decode(file: directory.path)
      Issue.record("a folder decoded")
    } catch {
      #expect(error == .unreadable(path: directory.path, reason: "a folder, not an image file"))
    }
  }
}
