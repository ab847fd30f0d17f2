import Foundation
import TSNE
import Testing
import TestSupport

/// Seeded mutation fuzzing of `vlp tsne --input` and `--labels` (docs/reliability.md): the
/// readers, and t-SNE itself on whatever they accept, may refuse an input but never crash, hang
/// or allocate past their limit. More cases: `make fuzz`.
@Suite struct TSNEFuzzTests {
  static let csv = (["x,y,z"] + (0..<12).map { "\(Float($0) * 0.5),\(-Float($0)),\(Float($0 % 3))" })
    .joined(separator: "\n") + "\n"
  static let npyCorpus: [[UInt8]] = [
    [UInt8](NumpyFile.encode(shape: [10, 3], values: (0..<30).map { Float($0) / 7 })),
    [UInt8](NumpyFile.encode(shape: [6], values: [1, 2, 3, 4, 5, 6])),
    Array(
      ("\u{93}NUMPY\u{1}\u{0}v\u{0}{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }"
        + String(repeating: " ", count: 53) + "\n").unicodeScalars.map { UInt8($0.value) })
      + [UInt8](repeating: 0x3F, count: 48),
  ]

  /// A short t-SNE of what a reader accepted: the loops were in here, on inputs a reader let by.
  static func project(_ matrix: (rows: Int, columns: Int, values: [Float])) throws {
    guard (4...200).contains(matrix.rows), matrix.columns <= 64 else { return }
    for method in [TSNEOptions.Method.exact, .barnesHut] {
      var options = TSNEOptions()
      options.method = method
      options.iterations = 20
      options.exaggerationIterations = 10
      options.perplexity = Double(min(5, matrix.rows - 1))
      var tsne = try TSNE(
        data: matrix.values, count: matrix.rows, dimensions: matrix.columns, options: options)
      tsne.run()
    }
  }

  /// The reader as `vlp tsne --input` and `--labels` call it, then t-SNE on what it accepted.
  static func fuzz(_ name: String, corpus: [[UInt8]], fileName: String) {
    let fuzzer = Fuzzer(name: name, corpus: corpus, fileName: fileName)
    let run = fuzzer.run(
      cases: Fuzzer.caseCount(default: 3000), seconds: Fuzzer.timeLimit(default: 8)
    ) { path in
      _ = try? MatrixFile.readLabels(path: path)
      try Self.project(try MatrixFile.read(path: path))
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 50)
  }

  @Test func npyReaderAndTSNEHoldOnMutatedFiles() {
    Self.fuzz("npy", corpus: Self.npyCorpus, fileName: "points.npy")
  }

  @Test func csvReaderAndTSNEHoldOnMutatedFiles() {
    Self.fuzz("csv", corpus: [Array(Self.csv.utf8)], fileName: "points.csv")
  }

  @Test func specialFilesAreRefusedByNameNotReadForever() throws {
    let directory = try TemporaryDirectory("tsne-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("tsne --input", in: directory.url) { path in
      _ = try MatrixFile.read(path: path)
    } + Fuzzer.checkSpecialFiles("tsne --labels", in: directory.url) { path in
      _ = try MatrixFile.readLabels(path: path)
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    #expect(throws: TSNEError.unreadableFile(path: "/dev/zero", reason: "is a device, not a file; give the path of a file")) {
      try MatrixFile.read(path: "/dev/zero")
    }
  }

  /// A version-1 .npy with `header` (padded) and `data`.
  static func npy(header: String, data: [UInt8]) -> [UInt8] {
    var text = header
    text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
    let length = text.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
      + Array(text.utf8) + data
  }

  @Test(arguments: [
    "(4611686018427387904, 4)", "(9223372036854775807, 9223372036854775807)",
    "(1000000, 1000000)", "(99999999999999999999, 2)",
  ])
  func aHugeClaimedShapeIsRefusedNotTrapped(shape: String) throws {
    let directory = try TemporaryDirectory("npy-shape")
    defer { directory.remove() }
    let file = directory.file("huge.npy")
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
    try Data(Self.npy(header: header, data: [UInt8](repeating: 0, count: 64))).write(to: file)
    #expect {
      try NumpyFile.read(path: file.path)
    } throws: { error in
      let text = "\(error)"
      return text.hasPrefix(file.path + ": ")
        && (text.contains("data bytes") || text.contains("cannot read the shape"))
    }
  }
}
