import Foundation
import NN
import Testing

@testable import Engine
@testable import VLP

@Suite(.serialized) struct TrainingEngineTests {
  /// Two variants step together, each exactly as a Pretrainer of its configuration would alone.
  @Test func variantsTrainInLockstepAsTheyWouldAlone() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make(
      "lockstep",
      extra: [
        #""variants": [{"name": "mod", "set": {}}, {"name": "plain", "set": {"objectives.distillation": false}}]"#
      ])
    var options = TrainingEngine.Options()
    options.targetStep = 6
    let engine = try TrainingEngine(folder: folder, options: options)
    let final = engine.runToCompletion()
    #expect(final.state == .stopped)
    #expect(final.step == 6)
    let records = try metrics(folder)
    #expect(records.map(\.step) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])
    #expect(records.map(\.variant) == Array(repeating: ["mod", "plain"], count: 6).flatMap { $0 })

    for variant in engine.definition.variants {
      var configuration = variant.configuration
      configuration.training.steps = 12
      let alone = try Pretrainer(configuration: configuration)
      let expected = try (0..<6).map { _ in
        let report = try alone.trainStep()
        return MetricRecord(report: report, variant: variant.name, time: 0).losses.map(\.value.bitPattern)
      }
      #expect(lossBits(records, variant: variant.name) == expected, "variant \(variant.name)")
    }
    // Distillation changes the numbers: the variants really differ.
    #expect(lossBits(records, variant: "mod") != lossBits(records, variant: "plain"))
  }

  /// Paused, single-stepped and resumed: the same numbers as a straight run.
  @Test func pauseStepAndResumeGiveTheSameNumbers() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let straight = try sessions.make("straight")
    var options = TrainingEngine.Options()
    options.targetStep = 8
    _ = try TrainingEngine(folder: straight, options: options).runToCompletion()

    let stepped = try sessions.make("stepped")
    options.startPaused = true
    let engine = try TrainingEngine(folder: stepped, options: options)
    engine.start()
    _ = engine.wait { $0.state == .paused }
    Thread.sleep(forTimeInterval: 0.05)
    #expect(engine.snapshot.step == 0, "a paused engine does not train")
    engine.step(3)
    var snapshot = engine.wait { $0.step == 3 }
    Thread.sleep(forTimeInterval: 0.05)
    #expect(engine.snapshot.step == 3, "single steps stop where asked")
    #expect(snapshot.state == .paused)
    engine.resume()
    snapshot = engine.wait { $0.state == .finished }
    #expect(snapshot.step == 8)
    engine.stop()
    #expect(lossBits(try metrics(stepped), variant: "main") == lossBits(try metrics(straight), variant: "main"))
    #expect(try metrics(stepped).count == 8)
  }

  /// Stopping at step 5 and resuming from the checkpoint continues bit-identically; the
  /// metrics log holds every step once.
  @Test func resumingFromACheckpointContinuesBitIdentically() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let straight = try sessions.make("straight")
    var options = TrainingEngine.Options()
    options.targetStep = 10
    _ = try TrainingEngine(folder: straight, options: options).runToCompletion()

    let resumed = try sessions.make("resumed")
    options.targetStep = 5
    let first = try TrainingEngine(folder: resumed, options: options).runToCompletion()
    #expect(first.lastCheckpointStep == 5)
    // Lines a killed process wrote after the checkpoint, and a half-written last line.
    let handle = try FileHandle(forWritingTo: resumed.metricsFile)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(#"{"step": 6, "variant": "main", "time": 1, "lr": 0.1, "alpha": 0, "losses": {"total": 1.0}}"#.utf8 + [10]))
    try handle.write(contentsOf: Data(#"{"step": 7, "vari"#.utf8))
    try handle.close()

    options.targetStep = 10
    let second = try TrainingEngine(folder: resumed, options: options)
    let final = second.runToCompletion()
    #expect(final.resumedFrom == 5)
    #expect(final.step == 10)
    let records = try metrics(resumed)
    #expect(records.map(\.step) == Array(1...10))
    #expect(lossBits(records, variant: "main") == lossBits(try metrics(straight), variant: "main"))
    #expect(records.map(\.time) == records.map(\.time).sorted(), "time continues across the resume")
    // The line past the checkpoint and the torn one were moved, not deleted, and announced.
    #expect(final.notices.count == 1, "\(final.notices)")
    #expect(final.notices.first?.hasPrefix("set aside 2 lines of metrics.jsonl logged after step 5") == true)
    let aside = try String(contentsOf: SessionLog.setAsideFile(for: resumed.metricsFile), encoding: .utf8)
    #expect(aside.hasPrefix(#"{"step": 6, "variant": "main""#) && aside.hasSuffix(#"{"step": 7, "vari"# + "\n"))
    // Evaluations at 4 and 8 (every 4) and at the end of each run (5, 10), each once.
    let evaluations = try SessionLog.records(of: resumed.evaluationFile, as: EvaluationRecord.self)
    #expect(evaluations.map(\.step) == [4, 5, 8, 10])
  }

  /// A tiny session trained to step 3 whose step-3 checkpoint `edit` then changes; returns the
  /// folder, its checkpoint store and the edited file's URL and bytes.
  static func editedCheckpointSession(
    _ sessions: TemporarySessions, _ name: String, edit: (inout TrainingCheckpoint) -> Void
  ) throws -> (folder: SessionFolder, store: CheckpointStore, checkpoint: URL, bytes: Data) {
    let folder = try sessions.make(name)
    var options = TrainingEngine.Options()
    options.targetStep = 3
    _ = try TrainingEngine(folder: folder, options: options).runToCompletion()
    let store = CheckpointStore(folder: folder, keep: 3)
    let url = store.url(variant: "main", step: 3)
    var checkpoint = try TrainingCheckpoint.read(from: url)
    edit(&checkpoint)
    try checkpoint.write(to: url)
    return (folder, store, url, try Data(contentsOf: url))
  }

  /// Runs `folder` towards `targetStep` until it fails; the failure's message (nil, with an
  /// issue recorded, when it ends otherwise).
  static func failure(
    _ folder: SessionFolder, targetStep: Int, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (TrainingEngine, String?) {
    var options = TrainingEngine.Options()
    options.targetStep = targetStep
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    let failed = engine.wait { $0.state.isTerminal }
    guard case .failed(let message) = failed.state else {
      Issue.record("expected a failure, got \(failed.state)", sourceLocation: sourceLocation)
      engine.stop()
      return (engine, nil)
    }
    return (engine, message)
  }

  /// A checkpoint whose weights hold NaN is refused when the run loads it, naming the tensor and
  /// the count, and changes nothing; the NaN stop (with its advice to lower the learning rate)
  /// is therefore only ever reached when training itself produced the NaN.
  @Test func aCheckpointWithNonFiniteWeightsIsRefusedAtLoad() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let (folder, store, good, before) = try Self.editedCheckpointSession(sessions, "poisoned") {
      for index in $0.model.indices where $0.model[index].name != "temperature" {
        $0.model[index].values = $0.model[index].values.map { _ in .nan }
      }
    }
    let metricsBefore = try Data(contentsOf: folder.metricsFile)

    let (engine, failure) = try Self.failure(folder, targetStep: 6)
    guard let message = failure else { return }
    #expect(message.contains(good.relativePath + ": tensor \"model."), "\(message)")
    #expect(message.contains("non-finite values (NaN or infinity)"), "\(message)")
    #expect(!message.contains("learningRate"), "\(message)")
    engine.stop()
    #expect(store.steps(variant: "main") == [3])
    #expect(try Data(contentsOf: good) == before)
    #expect(try Data(contentsOf: folder.metricsFile) == metricsBefore)
    #expect(throws: CheckpointError.self) { _ = try SessionWeights(folder: folder) }
  }

  /// A NaN that training produces stops the run, names the objective and step, applies
  /// nothing, keeps the last good checkpoint and advises on the learning rate. (Huge first
  /// moments, finite on disk, make step 4's update blow the weights up: step 5's loss is NaN.)
  @Test func aNonFiniteLossFromTrainingStopsTheRunAndKeepsTheLastGoodCheckpoint() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let (folder, store, good, before) = try Self.editedCheckpointSession(sessions, "diverging") {
      for index in $0.optimizerState["exp_avg", default: []].indices {
        $0.optimizerState["exp_avg"]![index].values =
          $0.optimizerState["exp_avg"]![index].values.map { _ in 1e38 }
      }
    }

    let (engine, failure) = try Self.failure(folder, targetStep: 8)
    guard let message = failure else { return }
    #expect(message.contains(" loss is "), "\(message)")
    #expect(message.contains("last good checkpoint is step 3"), "\(message)")
    #expect(message.contains("Lower training.learningRate"), "\(message)")
    engine.stop()
    #expect(store.steps(variant: "main") == [3])
    #expect(try Data(contentsOf: good) == before)
  }

  /// Requests answered between steps: a probe and a projection while paused.
  @Test func probesAndProjectionsAreAnsweredWhilePaused() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("probe")
    var options = TrainingEngine.Options()
    options.startPaused = true
    options.projectionPairs = 12
    options.projectionOptions.iterations = 60
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    _ = engine.wait { $0.state == .paused }
    let request = engine.probe(variant: "main", pairIndex: 0, maskedWords: [1])
    let answered = engine.wait { $0.probe?.request == request }
    let probe = try #require(answered.probe)
    #expect(probe.predictions.count == 1)
    #expect(probe.predictions.first?.candidates.count == 5)
    #expect(probe.words.count > 1)
    #expect(probe.generatedCaption == nil, "no PrefixLM in this session")

    let projection = engine.project(.tokens)
    let done = engine.wait { $0.projection?.request == projection && $0.projection?.isFinished == true }
    let panel = try #require(done.projection?.panels.first)
    #expect(panel.tsne.embedding.count == 2 * panel.labels.count)
    #expect(Set(panel.labels.map(\.modality)) == [.image, .text])
    #expect(done.step == 0, "nothing trained while paused")
    engine.stop()
  }

  /// A session that trains PrefixLM answers probes with the model's caption of the image too.
  @Test func probesOfPrefixLMSessionsCarryAGeneratedCaption() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("caption")
    var options = TrainingEngine.Options()
    options.startPaused = true
    let engine = try TrainingEngine(folder: folder, overrides: ["objectives.prefixLM=1"], options: options)
    engine.start()
    defer { engine.stop() }
    _ = engine.wait { $0.state == .paused }
    let request = engine.probe(variant: "main", pairIndex: 0, maskedWords: [0])
    let answered = engine.wait { $0.probe?.request == request }
    let caption = try #require(answered.probe?.generatedCaption)
    #expect(caption.count <= 24)
    #expect(!caption.contains("[SEP]"))
  }

  /// The evaluation cadence changes while the engine runs, without a restart. (The chart
  /// smoothing is the workbench's state: WorkbenchEngineTests.)
  @Test func evaluationCadenceChangesWhileRunning() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("cadence")
    var options = TrainingEngine.Options()
    options.startPaused = true
    options.targetStep = 20
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    defer { engine.stop() }
    _ = engine.wait { $0.state == .paused }
    engine.setEvaluationEvery(3)
    engine.step(7)
    let snapshot = engine.wait { $0.step == 7 }
    #expect(snapshot.evaluationEvery == 3)
    #expect(snapshot.variants[0].evaluations.map(\.step) == [3, 6], "every 3 instead of the session's 4")
  }
}
