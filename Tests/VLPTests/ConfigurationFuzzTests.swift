import Foundation
import Testing
import TestSupport

@testable import VLP

/// Seeded mutation fuzzing of session.json and of `vlp data inspect` on a COCO captions file
/// (docs/reliability.md): refusals are fine, crashes, hangs and internal messages are not.
@Suite struct ConfigurationFuzzTests {
  static let sessionsFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("sessions")

  static let captions = """
    {"images": [{"id": 1, "file_name": "000001.png", "width": 64, "height": 64},
                {"id": 2, "file_name": "000002.png", "width": 64, "height": 64}],
     "annotations": [{"id": 10, "image_id": 1, "caption": "a small red circle above a blue box"},
                     {"id": 11, "image_id": 2, "caption": "two green triangles"}]}

    """

  @Test func sessionFilesHoldOnMutatedFiles() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.sessionsFolder.path)
    let corpus = try names.sorted().compactMap { name -> [UInt8]? in
      let file = Self.sessionsFolder.appendingPathComponent(name).appendingPathComponent("session.json")
      return FileManager.default.fileExists(atPath: file.path) ? [UInt8](try Data(contentsOf: file)) : nil
    }
    #expect(corpus.count >= 3)
    var fuzzer = Fuzzer(name: "session.json", corpus: corpus, fileName: "session.json")
    fuzzer.tokens += ["\"albef\"", "\"oscar\"", "\"variants\"", "\"set\"", "{\"name\": \"x\"}"]
    let run = fuzzer.run(
      cases: Fuzzer.caseCount(default: 2000), seconds: Fuzzer.timeLimit(default: 6)
    ) { path in
      _ = try SessionDefinition(contentsOf: URL(fileURLWithPath: path), overrides: ["seed=2"])
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 50)
  }

  @Test func cocoCaptionsHoldUnderMutation() {
    let fuzzer = Fuzzer(name: "captions", corpus: [Array(Self.captions.utf8)], fileName: "captions_train.json")
    let run = fuzzer.run(
      cases: Fuzzer.caseCount(default: 2000), seconds: Fuzzer.timeLimit(default: 5)
    ) { path in
      _ = try DataInspector.inspect(path)
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
    #expect(run.casesRun >= 50)
  }

  @Test func specialFilesAreRefusedByName() throws {
    let directory = try TemporaryDirectory("config-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("session.json", in: directory.url) { path in
      _ = try SessionDefinition(contentsOf: URL(fileURLWithPath: path))
    } + Fuzzer.checkSpecialFiles("captions", in: directory.url) { path in
      var log = ProblemLog()
      _ = try COCOCaptions.read(from: path, log: &log)
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }
}
