import Foundation
import Testing
import TestSupport

@testable import Imaging

/// Tests/Fixtures/imaging_resize_reference.json, written by
/// Tests/Fixtures/imaging_resize_reference.py (numpy: pixel repetition to a common grid, then
/// block means: exact area averaging computed without overlap weights).
struct ResizeReference: Decodable {
  struct Case: Decodable {
    let name: String
    let width: Int
    let height: Int
    let bytes: [UInt8]
    let fit: String?
    let region: [Int]
    let outWidth: Int
    let outHeight: Int
    let expected: [Double]
  }
  let cases: [Case]

  static func load() throws -> ResizeReference {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures/imaging_resize_reference.json")
    return try JSONDecoder().decode(ResizeReference.self, from: Data(contentsOf: url))
  }
}

@Suite("Area resize against numpy")
struct ResizeReferenceTests {
  @Test func everyCaseMatchesTheReference() throws {
    let reference = try ResizeReference.load()
    #expect(reference.cases.count == 7)
    for test in reference.cases {
      let image = RGBImage(width: test.width, height: test.height, bytes: test.bytes)
      let region = ImageRegion(
        x: test.region[0], y: test.region[1], width: test.region[2], height: test.region[3])
      let resized: RGBImage
      if let fitName = test.fit, let fit = ImageFit(rawValue: fitName) {
        #expect(ImageRegion.square(width: test.width, height: test.height, fit: fit) == region)
        resized = ImageResizing.square(image, size: test.outWidth, fit: fit)
        // The byte path the decoders use gives the same values.
        let fromBytes = ImageResizing.square(
          ByteImage(width: test.width, height: test.height, bytes: test.bytes),
          size: test.outWidth, fit: fit)
        expectClose(fromBytes.pixels, test.expected, absolute: 2e-6, test.name + " (bytes)")
      } else {
        resized = ImageResizing.resize(
          image, region: region, width: test.outWidth, height: test.outHeight)
      }
      #expect(resized.width == test.outWidth && resized.height == test.outHeight)
      expectClose(resized.pixels, test.expected, absolute: 2e-6, test.name)
    }
  }

  /// Hand-computable: a 4x1 strip of 0, 1, 0, 1 halves to two pixels of 0.5; a 2x2 checker
  /// doubles to blocks; a 1x3 column padded to a square puts white on both sides.
  @Test func handComputedCases() {
    let strip = RGBImage(width: 4, height: 1, bytes: [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255])
    let halved = ImageResizing.resize(strip, region: .init(x: 0, y: 0, width: 4, height: 1), width: 2, height: 1)
    #expect(halved.pixels == [Float](repeating: 0.5, count: 6))
    let checker = RGBImage(width: 2, height: 2, bytes: [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0])
    let doubled = ImageResizing.square(checker, size: 4, fit: .crop)
    #expect(doubled.pixel(x: 1, y: 1) == (0, 0, 0) && doubled.pixel(x: 2, y: 1) == (1, 1, 1))
    let column = RGBImage(width: 1, height: 3, filledWith: (0, 0, 0))
    let padded = ImageResizing.square(column, size: 3, fit: .pad)
    #expect(padded.pixel(x: 0, y: 1) == (1, 1, 1) && padded.pixel(x: 1, y: 1) == (0, 0, 0))
    #expect(padded.pixel(x: 2, y: 2) == (1, 1, 1))
    let cropped = ImageResizing.square(column, size: 1, fit: .crop)
    #expect(cropped.pixels == [0, 0, 0])
  }

  @Test func cropAndPadRegionsAreCentred() {
    #expect(ImageRegion.square(width: 640, height: 480, fit: .crop)
      == ImageRegion(x: 80, y: 0, width: 480, height: 480))
    #expect(ImageRegion.square(width: 640, height: 480, fit: .pad)
      == ImageRegion(x: 0, y: -80, width: 640, height: 640))
    #expect(ImageRegion.square(width: 300, height: 301, fit: .crop)
      == ImageRegion(x: 0, y: 0, width: 300, height: 300))
  }
}
