import Foundation
import Testing

@testable import Engine
@testable import VLP

@Suite struct SessionFilesTests {
  @Test func sessionNamesMayNotEscapeTheSessionsFolder() throws {
    for name in ["../etc", "a/b", ".hidden", "", "..", "x y", "/abs"] {
      #expect(throws: SessionError.invalidName(name)) { try SessionFolder(name: name) }
    }
    let folder = try SessionFolder(name: "oscar-tags_2.b", root: URL(fileURLWithPath: "/tmp/s"))
    #expect(folder.sessionFile.path == "/tmp/s/oscar-tags_2.b/session.json")
  }

  @Test func aMissingSessionListsTheAvailableOnes() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    try sessions.make("alpha")
    try sessions.make("beta")
    #expect(SessionFolder.list(root: sessions.root) == ["alpha", "beta"])
    do {
      _ = try SessionFolder.existing("gamma", root: sessions.root)
      Issue.record("expected an error")
    } catch let error as SessionError {
      #expect("\(error)".contains("no session 'gamma'"))
      #expect("\(error)".contains("alpha, beta"))
    }
  }

  /// A SESSION argument is a name under the sessions folder or the path of a session folder,
  /// with or without a trailing slash; a path that is not one names the path and what is missing.
  @Test func aSessionIsGivenByNameOrByTheFoldersPath() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let alpha = try sessions.make("alpha")
    #expect(try SessionFolder.resolve("alpha", root: sessions.root) == alpha)
    for path in [alpha.url.path, alpha.url.path + "/", alpha.url.path + "/../alpha"] {
      let folder = try SessionFolder.resolve(path, root: URL(fileURLWithPath: "/nonexistent"))
      #expect(folder.name == "alpha", "\(path)")
      #expect(folder.sessionFile.standardizedFileURL == alpha.sessionFile.standardizedFileURL)
      #expect(folder.root.standardizedFileURL.path == sessions.root.standardizedFileURL.path)
      #expect(try folder.definition().variants.map(\.name) == ["main"])
    }
    func problem(_ path: String) -> String {
      do {
        _ = try SessionFolder.resolve(path, root: sessions.root)
        return "no error"
      } catch { return "\(error)" }
    }
    let missing = sessions.root.appendingPathComponent("nosuch").path + "/"
    #expect(
      problem(missing) == "\(sessions.root.path)/nosuch: not a session folder: no such folder; "
        + "a SESSION is a name under sessions/ or the path of a folder holding session.json")
    #expect(problem(alpha.sessionFile.path).hasPrefix(
      "\(alpha.sessionFile.path): not a session folder: a file, not a folder"))
    #expect(problem(sessions.root.path + "/").hasPrefix(
      "\(sessions.root.path): not a session folder: no session.json in it (sessions in it: alpha)"))
    #expect(problem("gamma").contains("no session 'gamma'"), "a name is still looked up by name")
  }

  @Test func configurationErrorsNameTheKeyAndTheAllowedValues() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let unknown = try sessions.make("unknown", extra: [#""checkpoints": {"every": 5, "kept": 2}"#])
    #expect(throws: (any Error).self) { try TrainingEngine(folder: unknown) }
    do { _ = try TrainingEngine(folder: unknown) } catch {
      #expect("\(error)".contains("checkpoints.kept"), "\(error)")
      #expect("\(error)".contains("every") && "\(error)".contains("keep"), "\(error)")
    }
    let badValue = try sessions.make("bad", extra: [#""checkpoints": {"keep": 0}"#])
    do {
      _ = try TrainingEngine(folder: badValue)
      Issue.record("keep 0 accepted")
    } catch { #expect("\(error)".contains("checkpoints.keep"), "\(error)") }
    let family = try sessions.make("family")
    do {
      _ = try TrainingEngine(folder: family, overrides: ["model.family=clip"])
      Issue.record("family clip accepted")
    } catch {
      #expect("\(error)".contains("model.family"), "\(error)")
      #expect("\(error)".contains("albef") && "\(error)".contains("oscar"), "\(error)")
    }
    let policy = try TrainingEngine(
      folder: try sessions.make("policy", extra: [#""checkpoints": {"every": 7, "keep": 2}"#]))
    #expect(policy.definition.checkpoints.every == 7)
    #expect(policy.definition.checkpoints.keep == 2)
  }

  @Test func pruningKeepsTheLatestAndTheProtected() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("prune")
    let store = CheckpointStore(folder: folder, keep: 2)
    let directory = folder.checkpointFolder(variant: "main")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for step in [100, 200, 300, 400, 500] {
      try Data().write(to: store.url(variant: "main", step: step))
    }
    try Data().write(to: directory.appendingPathComponent("notes.txt"))
    #expect(store.steps(variant: "main") == [100, 200, 300, 400, 500])
    #expect(store.prune(variant: "main", protected: [200]) == [100, 300])
    #expect(store.steps(variant: "main") == [200, 400, 500])
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.txt").path))

    for step in [400, 600] { try FileManager.default.createDirectory(at: folder.checkpointFolder(variant: "other"), withIntermediateDirectories: true); try Data().write(to: store.url(variant: "other", step: step)) }
    #expect(store.latestCommonStep(variants: ["main", "other"]) == 400)
    #expect(store.latestCommonStep(variants: ["main", "none"]) == nil)
  }

  @Test func metricLinesRoundTripExactly() throws {
    let report = StepReport(
      step: 120, losses: [NamedValue("itc", 2.1), NamedValue("mlm", 3.3), NamedValue("itm", 0.52)],
      total: 5.92, learningRate: 1e-4, alpha: 0.4, temperature: 0.068, queueFill: 1024,
      gradientNorm: 3.25, pseudoTargets: nil)
    let record = MetricRecord(report: report, variant: "fine \"x\"", time: 31.4)
    let line = record.jsonLine
    #expect(!line.contains("\n"))
    #expect(line.hasPrefix(#"{"step": 120, "variant": "fine \"x\"", "time": 31.400, "lr": 0.0001"#))
    let parsed = try MetricRecord(jsonLine: line, path: "m.jsonl", lineNumber: 3)
    #expect(parsed == record)
    #expect(parsed.losses.map(\.name) == ["itc", "mlm", "itm", "total"])
    do {
      _ = try MetricRecord(jsonLine: #"{"step": 1}"#, path: "m.jsonl", lineNumber: 7)
      Issue.record("expected an error")
    } catch { #expect("\(error)".hasPrefix("m.jsonl:7: no \"variant\""), "\(error)") }
  }

  /// Whole floats are written without ".0" and NaN as null (JSONValue's rules); both read back.
  @Test func metricLinesReadBackWholeAndNonFiniteValues() throws {
    let report = StepReport(
      step: 3, losses: [NamedValue("itc", 2), NamedValue("mlm", .nan)], total: .nan,
      learningRate: 1, alpha: 0, temperature: nil, queueFill: 0, gradientNorm: 4,
      pseudoTargets: nil)
    let line = MetricRecord(report: report, variant: "main", time: 2).jsonLine
    #expect(
      line == #"{"step": 3, "variant": "main", "time": 2.000, "lr": 1, "alpha": 0, "#
        + #""grad_norm": 4, "queue": 0, "losses": {"itc": 2, "mlm": null, "total": null}}"#)
    let parsed = try MetricRecord(jsonLine: line, path: "m.jsonl", lineNumber: 1)
    #expect(parsed.learningRate == 1 && parsed.alpha == 0 && parsed.gradientNorm == 4)
    #expect(parsed.loss("itc") == 2)
    #expect(parsed.loss("mlm")?.isNaN == true && parsed.loss("total")?.isNaN == true)
  }
}
