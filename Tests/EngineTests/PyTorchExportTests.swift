import Foundation
import NN
import Tensor
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// `vlp export --pytorch` and `vlp import` on the Swift side: no Python needed. The import reads
/// Tests/Fixtures/pytorch/run, a run made by the exported train.py with torch
/// (Tests/Fixtures/pytorch/make_fixture.sh).
@Suite(.serialized)
struct PyTorchExportTests {
  static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/pytorch/run", isDirectory: true)

  @Test func exportWritesTrainerConfigWeightsAndData() throws {
    let directory = try TemporaryDirectory("export")
    defer { directory.remove() }
    let json = PyTorchSessions.json()
    let folder = try PyTorchSessions.folder(json, name: "tiny", root: directory.url)
    let out = directory.file("out")
    let summary = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    #expect(summary.variants == [.init(name: "main", step: 0, trainPairs: summary.variants[0].trainPairs)])
    for name in PyTorchTrainerFiles.names + ["session.json"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
    }
    let commands = summary.commands(variant: "main").map(\.command)
    #expect(commands.contains { $0.hasPrefix("torchrun --standalone --nproc_per_node=2 train.py") })
    #expect(commands.contains { $0.contains("--nnodes=2 ") })
    #expect(commands.contains { $0.contains("--rdzv-endpoint=HOST:29500 ") })

    let variant = out.appendingPathComponent("variants/main")
    let config = try JSONSerialization.jsonObject(
      with: Data(contentsOf: variant.appendingPathComponent("config.json"))) as! [String: Any]
    let model = config["model"] as! [String: Any]
    let objectives = config["objectives"] as! [String: Any]
    let training = config["training"] as! [String: Any]
    let derived = config["derived"] as! [String: Any]
    #expect(config["seed"] as? String == "5")
    #expect(model["dimension"] as? Int == 16)
    #expect(model["normalization"] as? String == "pre")
    #expect(model["tieMLMHead"] as? Int == 1)
    #expect(model["dropout"] as? Int == 0)
    #expect(objectives["mrfr"] as? Int == 1)
    #expect(objectives["queueSize"] as? Int == 32)
    #expect(objectives["momentum"] as? Double == 0.995)
    #expect(training["gradientClipNorm"] as? Int == 5)
    #expect(training["warmupSteps"] as? Int == 5)

    // The weights are a fresh run's, with vlp's names, the momentum copy and the queues.
    let reference = try Pretrainer(configuration: PyTorchSessions.configuration(json))
    let saved = try TrainingCheckpoint.read(from: variant.appendingPathComponent("init.safetensors"))
    // The file lists tensors sorted by name; the module in its own order.
    let savedValues = Dictionary(uniqueKeysWithValues: saved.model.map { ($0.name, $0.values) })
    let referenceValues = Dictionary(
      uniqueKeysWithValues: reference.model.namedParameters().map { ($0.name, $0.tensor.scalars) })
    #expect(savedValues == referenceValues)
    #expect(saved.momentum?.count == saved.model.count)
    #expect(saved.buffers.map(\.name).sorted() == ["queue.image", "queue.text"])
    #expect(config["vlpConfiguration"] as? String == saved.config)
    #expect(derived["trainCount"] as? Int == reference.data.trainIndices.count)
    #expect(derived["vocabularySize"] as? Int == reference.data.vocabularySize)

    let data = try SafeTensorsFile.read(from: variant.appendingPathComponent("data.safetensors"))
    let rows = reference.data.trainIndices.count + reference.data.cleanTestIndices.count
    let ids = try #require(data.tensors.first { $0.name == "text_ids" })
    let values = try #require(data.tensors.first { $0.name == "image_values" })
    #expect(ids.shape[0] == rows)
    #expect(values.shape == [rows, 10, reference.data.regionInputSize])
    // Row 0 is the first training pair, tokenised as vlp does it.
    let first = reference.data.captionSequences([reference.data.trainIndices[0]])[0]
    #expect(Array(ids.values.prefix(first.count)) == first.map(Float.init))
  }

  /// Oscar: no momentum copy or queues; the regions (whatever model.imageInput says), the texts
  /// the trainer pollutes and masks itself, and the detector's distributions for MRC-kl.
  @Test func exportWritesOscarTextsRegionsAndDistributions() throws {
    let directory = try TemporaryDirectory("export-oscar")
    defer { directory.remove() }
    let json = PyTorchSessions.oscarJSON()
    let folder = try PyTorchSessions.folder(json, name: "oscar", root: directory.url)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let variant = out.appendingPathComponent("variants/main")
    let config = try JSONSerialization.jsonObject(
      with: Data(contentsOf: variant.appendingPathComponent("config.json"))) as! [String: Any]
    let model = config["model"] as! [String: Any]
    let objectives = config["objectives"] as! [String: Any]
    let derived = config["derived"] as! [String: Any]
    #expect(model["family"] as? String == "oscar")
    #expect(model["imageInput"] as? String == "regions")
    #expect(model["layers"] as? Int == 2)
    #expect(objectives["pollutionClasses"] as? Int == 3)
    #expect(objectives["untaggedPollution"] as? String == "caption")
    #expect(objectives["captionPollutionProbability"] as? Double == 0.25)

    let reference = try Pretrainer(configuration: PyTorchSessions.configuration(json))
    #expect(derived["separatorID"] as? Int == reference.data.vocabulary.separatorID)
    let saved = try TrainingCheckpoint.read(from: variant.appendingPathComponent("init.safetensors"))
    #expect(saved.momentum == nil)
    #expect(saved.buffers.isEmpty)
    #expect(saved.model.contains { $0.name == "contrastiveHead.classifier.weight" && $0.shape == [3, 16] })

    let data = try SafeTensorsFile.read(from: variant.appendingPathComponent("data.safetensors"))
    func tensor(_ name: String) throws -> NamedArray { try #require(data.tensors.first { $0.name == name }) }
    let rows = reference.data.trainIndices.count + reference.data.cleanTestIndices.count
    let first = reference.data.trainIndices[0]
    let captions = try tensor("caption_ids")
    let captionCount = Int(try tensor("caption_count").values[0])
    #expect(captions.shape[0] == rows)
    #expect(Array(captions.values.prefix(captionCount))
      == reference.data.tokenizer.encode(reference.data.captionText(first)).map(Float.init))
    let tags = try tensor("tag_ids")
    let tagCount = Int(try tensor("tag_count").values[0])
    #expect(Array(tags.values.prefix(tagCount))
      == reference.data.tokenizer.encode(reference.data.tagText(first)).map(Float.init))
    #expect(try tensor("has_tags").values[0] == (reference.data.tagText(first).isEmpty ? 0 : 1))
    #expect(try tensor("image_values").shape == [rows, 6, reference.data.regionInputSize])
    #expect(try tensor("image_mask").shape == [rows, 6])
    let classes = reference.data.corpus.classNames.count
    #expect(try tensor("region_distributions").shape == [rows, 6, classes])
  }

  /// CMCL: per training pair, 4 draws of vlp's own rewrites (paraphrase, retrieved caption,
  /// hard negative), tokenised as vlp tokenises them, with their positive flags.
  @Test func exportWritesCMCLRewrites() throws {
    let directory = try TemporaryDirectory("export-cmcl")
    defer { directory.remove() }
    let json = PyTorchSessions.json(objectives: #", "cmcl": 1"#)
    let folder = try PyTorchSessions.folder(json, name: "cmcl", root: directory.url)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let data = try SafeTensorsFile.read(
      from: out.appendingPathComponent("variants/main/data.safetensors"))
    let ids = try #require(data["rewrite_ids"])
    let counts = try #require(data["rewrite_count"]).values.map(Int.init)
    let positive = try #require(data["rewrite_positive"]).values
    let reference = try PretrainingData(configuration: PyTorchSessions.configuration(json))
    let slots = PyTorchRewritesExport.draws * PyTorchRewritesExport.slotsPerDraw
    #expect(ids.shape[0] == reference.trainIndices.count * slots && counts.count == ids.shape[0])
    let width = ids.shape[1]
    let seed = try PyTorchSessions.configuration(json).seed
    for (row, pair) in reference.trainIndices.prefix(5).enumerated() {
      for draw in 0..<PyTorchRewritesExport.draws {
        var random = RandomGenerator(
          seed: StreamSeed.derive(
            StreamSeed.derive(seed, stream: .rewriting, index: pair), stream: .rewriting, index: draw))
        let rewrites = try reference.contrastiveRewrites([pair], random: &random)
        let expected = reference.captionSequences(
          Array(repeating: pair, count: rewrites.texts.count), captions: rewrites.texts)
        #expect(!expected.isEmpty)
        for slot in 0..<3 {
          let n = (row * PyTorchRewritesExport.draws + draw) * 3 + slot
          let written = Array(ids.values[n * width..<(n * width + counts[n])]).map(Int.init)
          #expect(written == (slot < expected.count ? expected[slot] : []))
          #expect((positive[n] == 1) == (slot < expected.count && rewrites.isPositive[slot]))
        }
      }
    }
    #expect(positive.contains(0) && positive.contains(1))
  }

  @Test func exportRefusesForeignFoldersAndMissingCheckpoints() throws {
    let directory = try TemporaryDirectory("export-refusals")
    defer { directory.remove() }
    let tiny = try PyTorchSessions.folder(PyTorchSessions.json(), name: "tiny", root: directory.url)
    _ = try directory.write("foreign/notes.txt", "mine")
    #expect {
      try PyTorchExport.write(session: tiny, to: directory.file("foreign"), fromLatestCheckpoint: false)
    } throws: { "\($0)".contains("not an earlier export") }
    #expect {
      try PyTorchExport.write(session: tiny, to: directory.file("c"), fromLatestCheckpoint: true)
    } throws: { "\($0)".contains("checkpoint") }
    #expect(try directory.read("foreign/notes.txt") == Data("mine".utf8))
  }

  @Test func importMakesASessionFromATorchRun() throws {
    let directory = try TemporaryDirectory("import")
    defer { directory.remove() }
    let summary = try PyTorchImport.run(from: Self.fixture, as: "back", root: directory.url)
    #expect(summary.variants.map(\.name) == ["main"])
    #expect(summary.variants.map(\.steps) == [[2]])
    #expect(summary.variants.map(\.records) == [2])
    let records = try MetricRecord.records(of: summary.folder)
    #expect(records.map(\.step) == [1, 2])
    #expect(records[0].loss("itc") != nil)
    #expect(records[0].loss("total") != nil)
    let weights = try SessionWeights(folder: summary.folder)
    let torch = try TrainingCheckpoint.read(
      from: Self.fixture.appendingPathComponent("runs/main/checkpoints/step-00000002.safetensors"))
    let restored = weights.variants[0].trainer
    #expect(restored.step == 2)
    let restoredValues = Dictionary(
      uniqueKeysWithValues: restored.model.namedParameters().map { ($0.name, $0.tensor.scalars) })
    let torchValues = Dictionary(uniqueKeysWithValues: torch.model.map { ($0.name, $0.values) })
    #expect(restoredValues == torchValues)
    let evaluated = try #require(try weights.evaluate().first)
    #expect(evaluated.report.retrievalPairs > 0)
    #expect {
      try PyTorchImport.run(from: Self.fixture, as: "back", root: directory.url)
    } throws: { "\($0)".contains("exists already") }
  }

  /// Tests/Fixtures/pytorch/run-oscar: an Oscar run (no momentum copy, no queues) imports back
  /// with its weights, and vlp's Oscar evaluation (matching-score retrieval) runs on it.
  @Test func importMakesAnOscarSessionFromATorchRun() throws {
    let directory = try TemporaryDirectory("import-oscar")
    defer { directory.remove() }
    let run = Self.fixture.deletingLastPathComponent().appendingPathComponent("run-oscar")
    let summary = try PyTorchImport.run(from: run, as: "back", root: directory.url)
    #expect(summary.variants.map(\.steps) == [[2]])
    let records = try MetricRecord.records(of: summary.folder)
    #expect(records.map(\.step) == [1, 2])
    #expect(records[0].loss("pollutedTags") != nil)
    #expect(records[0].loss("mlm") != nil)
    #expect(records[0].loss("mrfr") != nil)
    let weights = try SessionWeights(folder: summary.folder)
    let torch = try TrainingCheckpoint.read(
      from: run.appendingPathComponent("runs/main/checkpoints/step-00000002.safetensors"))
    #expect(torch.momentum == nil)
    let restored = weights.variants[0].trainer
    #expect(restored.step == 2)
    let restoredValues = Dictionary(
      uniqueKeysWithValues: restored.model.namedParameters().map { ($0.name, $0.tensor.scalars) })
    #expect(restoredValues == Dictionary(uniqueKeysWithValues: torch.model.map { ($0.name, $0.values) }))
    let evaluated = try #require(try weights.evaluate().first)
    #expect(evaluated.report.retrievalScore == "matching")
    #expect(evaluated.report.pollutedTagAccuracy != nil)
  }

  @Test func importRefusesDamagedRunsNamingTheFile() throws {
    let directory = try TemporaryDirectory("import-damaged")
    defer { directory.remove() }
    let checkpoint = "runs/main/checkpoints/step-00000002.safetensors"
    func copy(_ name: String, damage: (URL) throws -> Void) throws -> URL {
      let run = directory.file(name)
      try FileManager.default.copyItem(at: Self.fixture, to: run)
      try damage(run)
      return run
    }
    let truncated = try copy("truncated") { run in
      let url = run.appendingPathComponent(checkpoint)
      try Data(try Data(contentsOf: url).prefix(5000)).write(to: url)
    }
    #expect {
      try PyTorchImport.run(from: truncated, as: "t", root: directory.url)
    } throws: { "\($0)".contains("step-00000002.safetensors") }
    let badLog = try copy("log") { run in
      try Data("{\"step\": 1, \"loss\": \"x\"}\n".utf8)
        .write(to: run.appendingPathComponent("runs/main/log.jsonl"))
    }
    #expect {
      try PyTorchImport.run(from: badLog, as: "l", root: directory.url)
    } throws: { "\($0)".contains("log.jsonl:1") }
    let otherModel = try copy("other") { run in
      let text = try String(contentsOf: run.appendingPathComponent("session.json"), encoding: .utf8)
      try Data(text.replacingOccurrences(of: "\"dimension\": 16", with: "\"dimension\": 32").utf8)
        .write(to: run.appendingPathComponent("session.json"))
    }
    #expect {
      try PyTorchImport.run(from: otherModel, as: "o", root: directory.url)
    } throws: { "\($0)".contains("step-00000002.safetensors") }
    let empty = try copy("empty") { run in
      try FileManager.default.removeItem(at: run.appendingPathComponent(checkpoint))
    }
    #expect {
      try PyTorchImport.run(from: empty, as: "e", root: directory.url)
    } throws: { "\($0)".contains("holds no step-*.safetensors") }
    for name in ["t", "l", "o", "e"] {
      #expect(!FileManager.default.fileExists(atPath: directory.file("\(name)/session.json").path))
    }
  }
}

/// The import's reader of train.py's log.jsonl under seeded mutations and special files
/// (docs/reliability.md): refused with its line, never a trap or a hang.
struct PyTorchTrainerLogFuzzTests {
  static let validLog = """
    {"step": 1, "loss": 17.4, "itc": 9.8, "itm": 0.71, "mlm": 4.97, "mrfr": 1.9, "lr": 1e-05, "alpha": 0.0, "temperature": 0.07, "grad_norm": 766.4, "queue": 8, "seconds": 0.12}
    {"step": 2, "loss": 19.3, "itc": 11.8, "itm": 0.71, "mlm": 4.98, "mrfr": 1.7, "lr": 0.0004, "alpha": 0.04, "temperature": 0.0704, "grad_norm": 713.3, "queue": 16, "seconds": 0.12}
    {"step": 2, "eval/i2t_r1": 0.125, "eval/t2i_r1": 0.125}

    """

  @Test func trainerLogHoldsOnMutatedFiles() {
    let fuzzer = Fuzzer(name: "pytorch-log", corpus: [Array(Self.validLog.utf8)], fileName: "log.jsonl")
    let run = fuzzer.run(cases: Fuzzer.caseCount(default: 1500), seconds: Fuzzer.timeLimit(default: 4)) {
      path in
      _ = try PyTorchImport.metricRecords(URL(fileURLWithPath: path), variant: "main")
    }
    #expect(run.failures.isEmpty, "\(run.failures.joined(separator: "\n"))")
  }

  @Test func trainerLogRefusesSpecialFiles() throws {
    let directory = try TemporaryDirectory("pytorch-log-special")
    defer { directory.remove() }
    let failures = Fuzzer.checkSpecialFiles("pytorch-log", in: directory.url) { path in
      _ = try PyTorchImport.metricRecords(URL(fileURLWithPath: path), variant: "main")
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }
}
