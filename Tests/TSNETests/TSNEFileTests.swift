import Foundation
import Testing
import TestSupport

@testable import TSNE

@Suite("t-SNE input and output files")
struct TSNEFileTests {
  /// A .npy file from a header dict and raw data bytes (version 1 or 2).
  func npy(_ header: String, _ data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var text = header
    let prefix = version == 1 ? 10 : 12
    text += String(repeating: " ", count: (64 - (prefix + text.utf8.count + 1) % 64) % 64) + "\n"
    let length = text.utf8.count
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    bytes +=
      version == 1
      ? [UInt8(length & 0xFF), UInt8(length >> 8)]
      : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
    return bytes + Array(text.utf8) + data
  }

  func littleEndian(_ values: [Double]) -> [UInt8] {
    values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
  }

  @Test func float32RoundTrip() throws {
    let values: [Float] = [1, -2.5, 3e-8, .greatestFiniteMagnitude, 0, 7]
    let encoded = NumpyFile.encode(shape: [3, 2], values: values)
    #expect(encoded.count % 64 == 24)  // header padded to 64 bytes, then 24 data bytes
    let array = try NumpyFile.parse(Array(encoded), path: "a.npy")
    #expect(array.shape == [3, 2] && array.values == values)
  }

  @Test func readsFloat64VersionTwoFortranAndBigEndian() throws {
    let v2 = npy(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
      littleEndian([1, 2, 3, 4]), version: 2)
    #expect(try NumpyFile.parse(v2, path: "b.npy").values == [1, 2, 3, 4])
    // Column-major on disk: columns (1, 3) and (2, 4).
    let fortran = npy(
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", littleEndian([1, 3, 2, 4]))
    #expect(try NumpyFile.parse(fortran, path: "c.npy").values == [1, 2, 3, 4])
    let big = npy(
      "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
      [0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0])
    #expect(try NumpyFile.parse(big, path: "d.npy").values == [1, -2])
    let labels = npy(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
      [5, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(try NumpyFile.parse(labels, path: "e.npy").values == [5, -1])
  }

  @Test func malformedFilesNameTheFileAndTheProblem() throws {
    func message(_ bytes: [UInt8]) -> String {
      do {
        _ = try NumpyFile.parse(bytes, path: "bad.npy")
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    #expect(message(Array("hello, world".utf8)).contains("bad.npy: not a .npy file"))
    let truncated = npy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", [0, 0, 0x80, 0x3F])
    #expect(message(truncated).contains("truncated"))
    let complex = npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [])
    #expect(message(complex).contains("'<c8' is not supported"))
    let noShape = npy("{'descr': '<f4', 'fortran_order': False, }", [])
    #expect(message(noShape).contains("no 'shape'"))
    var future = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0])
    future[6] = 9
    #expect(message(future).contains("version 9"))
    let header = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [])
    #expect(message(Array(header.prefix(20))).contains("runs past the end"))

    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try NumpyFile.encode(shape: [2, 2, 2], values: [Float](repeating: 0, count: 8))
      .write(to: URL(fileURLWithPath: folder.child("cube.npy")))
    #expect(
      throws: TSNEError.unreadableFile(
        path: folder.child("cube.npy"),
        reason: "expected a 2-D array (points x dimensions), got shape [2, 2, 2]")
    ) {
      _ = try NumpyFile.readMatrix(path: folder.child("cube.npy"))
    }
    #expect(throws: TSNEError.self) { _ = try NumpyFile.read(path: folder.child("missing.npy")) }
  }

  @Test func csvMatricesAndLabels() throws {
    let folder = try TemporaryDirectory()
    defer { folder.remove() }
    try folder.write("points.csv", "a,b,c\n1,2,3\n4, 5, 6\n\n7;8;9\n")
    let matrix = try MatrixFile.read(path: folder.child("points.csv"))
    #expect(
      matrix.rows == 3 && matrix.columns == 3 && matrix.values == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    try folder.write("ragged.csv", "1,2\n3\n")
    #expect(
      throws: TSNEError.unreadableFile(
        path: folder.child("ragged.csv") + ":2", reason: "1 values, expected 2")
    ) {
      _ = try MatrixFile.read(path: folder.child("ragged.csv"))
    }
    try folder.write("word.csv", "1,2\n3,x\n")
    #expect(
      throws: TSNEError.unreadableFile(
        path: folder.child("word.csv") + ":2", reason: "'x' is not a number")
    ) {
      _ = try MatrixFile.read(path: folder.child("word.csv"))
    }
    try folder.write("labels.txt", "label\ncat\ndog\n\n\"big, dog\"\n")
    #expect(
      try MatrixFile.readLabels(path: folder.child("labels.txt")) == ["cat", "dog", "big, dog"])
    try folder.write("labels.csv", "id,label\n1,cat\n2,dog\n")
    #expect(try MatrixFile.readLabels(path: folder.child("labels.csv")) == ["cat", "dog"])
  }

  @Test func writesCSVAndSVG() {
    let embedding: [Float] = [0, 0, 1, 2, -1, 0.5]
    #expect(EmbeddingPlot.csv(embedding: embedding) == "x,y\n0.0,0.0\n1.0,2.0\n-1.0,0.5\n")
    #expect(
      EmbeddingPlot.csv(embedding: embedding, labels: ["a", "b,c", "a"])
        == "x,y,label\n0.0,0.0,a\n1.0,2.0,\"b,c\"\n-1.0,0.5,a\n")
    let svg = EmbeddingPlot.svg(embedding: embedding, labels: ["a", "<b>", "a"], title: "demo")
    #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
    #expect(svg.components(separatedBy: "<circle").count - 1 == 3 + 2)  // points + legend
    #expect(svg.contains("&lt;b&gt;") && svg.contains("demo"))
  }
}
