import Foundation
import Testing
import TestSupport

@testable import Imaging

@Suite("Decoding every JPEG and PNG encoding")
struct DecodingTests {
  let width = 40
  let height = 30

  func decode(_ bytes: [UInt8], _ name: String) throws -> RGBImage {
    let directory = try TemporaryDirectory("imaging")
    defer { directory.remove() }
    return try ImageDecoding.decode(file: TestImages.write(bytes, name, in: directory))
  }

  @Test(arguments: [false, true])
  func rgbJPEGRoundTrips(progressive: Bool) throws {
    let image = TestImages.ramp(width: width, height: height)
    let jpeg = try JPEGEncoding.encode(image, quality: 95, progressive: progressive)
    // A progressive file has an SOF2 frame header, a baseline one SOF0.
    #expect(TestImages.markerOffset(jpeg, progressive ? 0xC2 : 0xC0) != nil)
    let decoded = try decode(jpeg, "ramp.jpg")
    #expect(decoded.width == width && decoded.height == height)
    let (mean, largest) = differences(decoded, image)
    #expect(mean < 0.01 && largest < 0.06, "mean \(mean), largest \(largest)")
  }

  @Test func grayscaleJPEGComesOutAsEqualChannels() throws {
    let gray = (0..<(width * height)).map { UInt8(($0 % width) * 255 / (width - 1)) }
    let decoded = try decode(
      TestImages.jpeg(gray, width: width, height: height, colorSpace: .grayscale), "gray.jpg")
    let expected = RGBImage(width: width, height: height, bytes: gray.flatMap { [$0, $0, $0] })
    let (mean, largest) = differences(decoded, expected)
    #expect(mean < 0.01 && largest < 0.06, "mean \(mean), largest \(largest)")
    let equalChannels = (0..<(width * height)).allSatisfy { (index: Int) -> Bool in
      let red = decoded.pixels[3 * index]
      return red == decoded.pixels[3 * index + 1] && red == decoded.pixels[3 * index + 2]
    }
    #expect(equalChannels)
  }

  /// Ink coverage c, m, y, k in 0...1 gives red (1 - c)(1 - k), and so on. With an Adobe
  /// marker the file stores 1 - ink (Photoshop's inverted CMYK); without one, the ink.
  @Test(arguments: [true, false])
  func cmykJPEGConvertsToRGB(adobeMarker: Bool) throws {
    var samples: [UInt8] = []
    var expected: [Float] = []
    for y in 0..<height {
      for x in 0..<width {
        let ink: [Float] = [Float(x) / Float(width - 1), Float(y) / Float(height - 1), 0.3, 0.2]
        let stored = ink.map { UInt8(((adobeMarker ? 1 - $0 : $0) * 255).rounded()) }
        samples += stored
        let k = Float(adobeMarker ? Int(stored[3]) : 255 - Int(stored[3])) / 255
        expected += (0..<3).map { channel in
          Float(adobeMarker ? Int(stored[channel]) : 255 - Int(stored[channel])) / 255 * k
        }
      }
    }
    let jpeg = try TestImages.jpeg(
      samples, width: width, height: height, colorSpace: .cmyk, adobeMarker: adobeMarker)
    #expect((TestImages.markerOffset(jpeg, 0xEE) != nil) == adobeMarker, "APP14 Adobe marker")
    let decoded = try decode(jpeg, "cmyk.jpg")
    let (mean, largest) = differences(
      decoded, RGBImage(width: width, height: height, pixels: expected))
    #expect(mean < 0.01 && largest < 0.06, "mean \(mean), largest \(largest)")
  }

  @Test func eightBitPNGRoundTripsExactly() throws {
    let image = TestImages.ramp(width: width, height: height)
    let decoded = try decode(try PNGEncoding.encode(image), "ramp.png")
    #expect(decoded == RGBImage(width: width, height: height, bytes: image.bytes))
  }

  @Test func grayscalePNGRoundTripsExactly() throws {
    let gray = (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 * 7) }
    let decoded = try decode(
      TestImages.png(gray, width: width, height: height, layout: .gray), "gray.png")
    #expect(decoded == RGBImage(width: width, height: height, bytes: gray.flatMap { [$0, $0, $0] }))
  }

  @Test func palettePNGLooksUpItsColours() throws {
    let colors: [UInt8] = [255, 0, 0, 0, 128, 0, 10, 20, 250, 255, 255, 255]
    let indices = (0..<(width * height)).map { UInt8(($0 / 3 + $0 % 5) % 4) }
    let png = try TestImages.png(indices, width: width, height: height, layout: .palette(colors: colors))
    #expect(png.count > 40 && png[25] == 3, "colour type 3: indexed")
    let decoded = try decode(png, "palette.png")
    let expected = indices.flatMap { Array(colors[(3 * Int($0))..<(3 * Int($0) + 3)]) }
    #expect(decoded == RGBImage(width: width, height: height, bytes: expected))
  }

  /// libpng writes 16-bit linear samples with gAMA 1.0; the decoder converts them to 8-bit
  /// gamma-encoded values.
  @Test func sixteenBitPNGDecodesToSRGB() throws {
    var samples: [UInt16] = []
    var expected: [Float] = []
    for index in 0..<(width * height * 3) {
      let linear = Float(index % 97) / 96
      samples.append(UInt16((linear * 65535).rounded()))
      // libpng converts gamma 1.0 to its sRGB output with the power law 1/2.2.
      expected.append(pow(linear, 1 / 2.2))
    }
    let png = try TestImages.png16(samples, width: width, height: height)
    #expect(png[24] == 16, "bit depth 16")
    let decoded = try decode(png, "deep.png")
    expectClose(decoded.pixels, expected, absolute: 1.51 / 255)
  }

  @Test func transparentPNGIsCompositedOnWhite() throws {
    var rgba: [UInt8] = []
    var expected: [UInt8] = []
    for index in 0..<(width * height) {
      let color: [UInt8] = [UInt8(index % 256), 40, 200]
      let alpha = UInt8((index * 13) % 256)
      rgba += color + [alpha]
      let opacity = Int(alpha)
      for value in color {
        let composited: Int = (Int(value) * opacity + 255 * (255 - opacity) + 127) / 255
        expected.append(UInt8(composited))
      }
    }
    let decoded = try decode(
      TestImages.png(rgba, width: width, height: height, layout: .rgba), "alpha.png")
    let (_, largest) = differences(
      decoded, RGBImage(width: width, height: height, bytes: expected))
    #expect(largest <= 1.01 / 255)
    #expect(decoded.pixel(x: 0, y: 0) == (1, 1, 1), "alpha 0 is white")
  }

  @Test func formatIsDetectedByContentNotExtension() throws {
    let image = TestImages.ramp(width: 8, height: 8)
    let png = try decode(try PNGEncoding.encode(image), "really-a-png.jpg")
    #expect(png.width == 8)
    let jpeg = try decode(try JPEGEncoding.encode(image), "really-a-jpeg.png")
    #expect(jpeg.width == 8)
  }

  @Test func scaledDecodeStopsAtTheSmallestScaleCoveringTheRequest() throws {
    let directory = try TemporaryDirectory("imaging")
    defer { directory.remove() }
    let path = try TestImages.write(
      JPEGEncoding.encode(TestImages.ramp(width: 800, height: 600)), "big.jpg", in: directory)
    for (request, size) in [(100, (200, 150)), (64, (100, 75)), (75, (100, 75)), (76, (200, 150)),
      (599, (800, 600)), (1000, (800, 600))]
    {
      let image = try ImageDecoding.decode(file: path, reducedTo: request)
      #expect((image.width, image.height) == size, "reducedTo \(request)")
    }
    #expect(try ImageDecoding.decode(file: path).width == 800)
    let square = try ImageDecoding.square(file: path, size: 64, fit: .crop)
    #expect(square.width == 64 && square.height == 64)
  }

  @Test func encodersWriteFilesAtomically() throws {
    let directory = try TemporaryDirectory("imaging")
    defer { directory.remove() }
    let image = TestImages.ramp(width: 12, height: 9)
    try PNGEncoding.write(image, to: directory.child("a.png"))
    try JPEGEncoding.write(image, to: directory.child("a.jpg"), quality: 90)
    #expect(try ImageDecoding.format(of: directory.child("a.png")) == .png)
    #expect(try ImageDecoding.format(of: directory.child("a.jpg")) == .jpeg)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
      == ["a.jpg", "a.png"])
    #expect(throws: ImageError.self) {
      try PNGEncoding.write(image, to: directory.child("no/such/folder.png"))
    }
  }
}
