import Foundation
import TestSupport
import Testing

@testable import Engine

/// `vlp data show` through the real binary: an exported scene image and a session's pair.
@Suite(.serialized) struct DataShowCommandTests {
  /// Width and height from a PNG's IHDR, nil when the bytes are not a PNG.
  func pngSize(_ url: URL) throws -> (Int, Int)? {
    let bytes = [UInt8](try Data(contentsOf: url))
    guard bytes.count > 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
    let number = { (offset: Int) in bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (number(16), number(20))
  }

  @Test func anImageFileIsDrawnAndWrittenAtTheRequestedSize() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let exported = try CommandLineTests.vlp(
      ["data", "export", "--format", "coco-json", "--images", "--out", "export", "--pairs", "20"],
      in: sessions.root)
    #expect(exported.status == 0, "\(exported.error)")
    let folder = sessions.root.appendingPathComponent("export/images/train")
    let image = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().first)
    let path = "export/images/train/" + image
    let shown = try CommandLineTests.vlp(
      ["data", "show", path, "--size", "8", "--fit", "pad", "--out", "shown.png"], in: sessions.root)
    #expect(shown.status == 0, "\(shown.error)")
    let lines = shown.output.split(separator: "\n")
    #expect(lines.count == 4 + 2, "8 pixel rows in 4 text rows, then two notes: \(shown.output)")
    #expect(lines.prefix(4).allSatisfy { $0.count == 8 || $0.contains("▀") })
    #expect(shown.output.contains("\(path) at 8x8 (pad)"))
    #expect(shown.output.contains("wrote shown.png (8x8 PNG)"))
    #expect(try pngSize(sessions.root.appendingPathComponent("shown.png")) ?? (0, 0) == (8, 8))
  }

  @Test func aSessionPairIsShownAtTheModelsImageSize() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    try sessions.make("tiny")
    let shown = try CommandLineTests.vlp(
      ["data", "show", "./tiny", "--pair", "3", "--out", "pair.png"], in: sessions.root)
    #expect(shown.status == 0, "\(shown.error)")
    let size = try #require(try pngSize(sessions.root.appendingPathComponent("pair.png")))
    #expect(size.0 == size.1 && size.0 >= 4)
    #expect(shown.output.contains("tiny pair 3 (main) at \(size.0)x\(size.0): "), "\(shown.output)")
  }

  @Test func badArgumentsAndFilesAreNamed() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    try sessions.make("tiny")
    let missing = try CommandLineTests.vlp(["data", "show", "nope.jpg"], in: sessions.root)
    #expect(missing.status == 2 && missing.error.contains("nope.jpg: no such image file"), "\(missing.error)")
    try Data("hello".utf8).write(to: sessions.root.appendingPathComponent("text.png"))
    let text = try CommandLineTests.vlp(["data", "show", "text.png"], in: sessions.root)
    #expect(text.status == 2 && text.error.contains("text.png: not a JPEG or PNG"), "\(text.error)")
    for (arguments, message) in [
      (["data", "show", "./tiny", "--pair", "100000"], "--pair expects a pair number from 0 to"),
      (["data", "show", "x.png", "--fit", "wide"], "--fit expects crop or pad"),
      (["data", "show", "x.png", "--size", "0"], "--size expects a side"),
      (["data", "show", "./tiny", "--pair", "1", "--fit", "pad"], "--fit applies to image files"),
      (["data", "show"], "data show needs one IMAGE"),
    ] {
      let result = try CommandLineTests.vlp(arguments, in: sessions.root)
      #expect(result.status == 64 && result.error.contains(message), "\(arguments): \(result.error)")
    }
  }
}
