import Foundation
import RunLogs
import TestSupport
import Testing

/// TensorBoard's own reader (EventAccumulator) reads vlp's event files, when a Python with the
/// `tensorboard` package is at hand (/work/venv-torch, or python3); skipped otherwise.
struct TensorBoardReaderTests {
  static let python: String? = {
    for candidate in ["/work/venv-torch/bin/python", "/usr/bin/python3"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
      if system("'\(candidate)' -c 'import tensorboard' > /dev/null 2>&1") == 0 { return candidate }
    }
    print("note: no Python with tensorboard; TensorBoardReaderTests skipped")
    return nil
  }()

  @Test(.enabled(if: python != nil)) func eventAccumulatorReadsVlpsFile() throws {
    let directory = try TemporaryDirectory("tb")
    defer { directory.remove() }
    _ = try EventFramingTests.writeRun(directory.file("run"), steps: 1...10)
    _ = try EventFramingTests.writeRun(directory.file("run"), steps: 6...8, start: 6)
    let script = """
      from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
      acc = EventAccumulator('\(directory.file("run").path)'); acc.Reload()
      print(' '.join('%d:%g' % (e.step, e.value) for e in acc.Scalars('loss/itc')))
      """
    try script.write(to: directory.file("read.py"), atomically: true, encoding: .utf8)
    let output = directory.file("out.txt")
    let status = system("'\(Self.python!)' '\(directory.file("read.py").path)' > '\(output.path)' 2>&1")
    let text = try String(contentsOf: output, encoding: .utf8)
    #expect(status == 0, "\(text)")
    let expected = (1...8).map { "\($0):\(Self.shortest(Double(Float($0) * 0.5)))" }.joined(separator: " ")
    #expect(text.split(separator: "\n").last.map(String.init) == expected)
  }

  static func shortest(_ value: Double) -> String { String(format: "%g", value) }
}
