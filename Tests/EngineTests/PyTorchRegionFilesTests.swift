import Foundation
import NN
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// A session on Oscar / VinVL region folders (data.source oscar-tsv) handed to PyTorch: the
/// export writes the texts and where each pair's feature row is, not the regions; the trainer
/// (trainer/regionfiles.py) reads the feature TSVs itself. The Python checks are skipped without
/// torch (with the one notice of TorchPython).
@Suite(.serialized)
struct PyTorchRegionFilesTests {
  /// Oscar (MLM, polluted tags, MRFR) on the scene world exported as Oscar folders: 120
  /// pairs of 1 to 5 objects, at most 3 regions a pair (so the cap applies).
  /// `jsonColumn` rewrites the feature TSVs in VinVL's captioning form
  /// (`image_id \t {"num_boxes", "features"}`).
  static func session(root: URL, steps: Int = 12, jsonColumn: Bool = false) throws -> SessionFolder {
    let data = root.appendingPathComponent("vinvl/data", isDirectory: true)
    var world = SceneWorldConfiguration()
    world.pairCount = 120
    world.maximumObjects = 5
    try DataExporter.export(try SceneWorld(configuration: world), format: .oscarTSV, to: data.path)
    if jsonColumn {
      for split in ["train", "test"] {
        let file = data.appendingPathComponent("\(split)/features.tsv")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        let rewritten = lines.map { line -> String in
          let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
          return "\(columns[0])\t{\"num_boxes\": \(columns[1]), \"features\": \"\(columns[2])\"}"
        }
        try Data((rewritten.joined(separator: "\n") + "\n").utf8).write(to: file)
      }
    }
    let json = """
      {"seed": 4,
       "model": {"family": "oscar", "dimension": 16, "headCount": 2, "hiddenSize": 32, "layers": 2,
                 "maximumTextLength": 24, "maximumRegions": 3, "dropout": 0},
       "objectives": {"mlm": 1, "pollutedTags": 1, "pollutionProbability": 0.5, "mrfr": 1},
       "training": {"batchSize": 8, "steps": \(steps), "learningRate": 0.002, "warmupSteps": 3,
                    "gradientClipNorm": 5},
       "data": {"source": "oscar-tsv", "train": "data/train", "test": "data/test"},
       "evaluation": {"every": 1000, "retrievalPairs": 8, "accuracyPairs": 8}}
      """
    return try PyTorchSessions.folder(json, name: "vinvl", root: root)
  }

  /// config.json names every feature TSV (absolute path, rows, width, line index);
  /// data.safetensors has the texts and each pair's feature row, and no region values.
  @Test func exportRecordsTheFeatureFilesAndRows() throws {
    let directory = try TemporaryDirectory("regionfiles-export")
    defer { directory.remove() }
    let folder = try Self.session(root: directory.url)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let variant = out.appendingPathComponent("variants/main")
    let config = try JSONSerialization.jsonObject(
      with: Data(contentsOf: variant.appendingPathComponent("config.json"))) as! [String: Any]
    let data = try #require(config["data"] as? [String: Any])
    let session = folder.sessionFile.deletingLastPathComponent().standardizedFileURL.path
    #expect(data["source"] as? String == "oscar-tsv")
    #expect(data["train"] as? String == session + "/data/train")
    #expect(data["test"] as? String == session + "/data/test")
    let files = try #require(data["featureFiles"] as? [[String: Any]])
    #expect(files.map { $0["path"] as? String } == [
      session + "/data/train/features.tsv", session + "/data/test/features.tsv",
    ])

    let pretraining = try PretrainingData(configuration: folder.definition().variants[0].configuration)
    let corpus = try #require(pretraining.corpus as? RegionCorpus)
    #expect(files.map { $0["rows"] as? Int } == corpus.featureFiles.map(\.rowCount))
    #expect(files.allSatisfy { $0["width"] as? Int == pretraining.regionInputSize })
    for file in files {
      let index = try #require(file["lineIndex"] as? String)
      #expect(FileManager.default.fileExists(atPath: index))
    }

    let tensors = try SafeTensorsFile.read(from: variant.appendingPathComponent("data.safetensors"))
    #expect(tensors["image_values"] == nil && tensors["image_mask"] == nil)
    let rows = pretraining.trainIndices + pretraining.cleanTestIndices
    let featureFile = try #require(tensors["feature_file"]).values.map(Int.init)
    let featureRow = try #require(tensors["feature_row"]).values.map(Int.init)
    #expect(featureFile.count == rows.count)
    for (n, pair) in rows.enumerated() {
      let found = try #require(corpus.featureRow(pair))
      #expect(featureFile[n] == found.file && featureRow[n] == found.row)
    }
    #expect(Set(featureFile) == [0, 1])
    let counts = try #require(tensors["region_count"]).values
    #expect(counts.contains(3) && counts.allSatisfy { $0 <= 3 })
  }
}

/// The trainer on region folders, against vlp (needs torch).
@Suite(.serialized, .enabled(if: TorchPython.available))
struct PyTorchRegionFilesTrainerTests {
  /// What regionfiles.py reads, next to vlp: for every row, the regions and mask equal vlp's
  /// (the same float32 bits), and the caption and tag word pieces; for both row layouts, through
  /// vlp's line index and (json) through a scan of the file after the index is deleted.
  @Test(arguments: [false, true])
  func trainerReadsTheFeatureRowsAsVlp(jsonColumn: Bool) throws {
    let directory = try TemporaryDirectory("regionfiles-read")
    defer { directory.remove() }
    let folder = try Self.exported(root: directory.url, jsonColumn: jsonColumn)
    let out = directory.file("out")
    if jsonColumn {
      let config = try JSONSerialization.jsonObject(
        with: Data(contentsOf: out.appendingPathComponent("variants/main/config.json"))) as! [String: Any]
      for file in (config["data"] as! [String: Any])["featureFiles"] as! [[String: Any]] {
        try FileManager.default.removeItem(atPath: file["lineIndex"] as! String)
      }
    }
    let script = """
      import json, sys
      sys.path.insert(0, ".")
      from data import load_config, load_data
      data = load_data("variants/main", load_config("variants/main"))
      rows = list(range(len(data.pair_list)))
      values, mask = data.image_inputs(rows)
      print(json.dumps({"pairs": data.pair_list, "captions": data.captions, "tags": data.tags,
                        "values": values.flatten().tolist(), "mask": mask.flatten().tolist()}))
      """
    let run = TorchPython.python(["-c", script], in: out)
    try #require(run.status == 0, "\(run.output)")
    let line = try #require(run.output.split(separator: "\n").last)
    let python = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]

    let data = try PretrainingData(configuration: folder.definition().variants[0].configuration)
    let rows = data.trainIndices + data.cleanTestIndices
    #expect(python["pairs"] as? [Int] == rows)
    #expect(python["captions"] as? [[Int]] == rows.map { data.tokenizer.encode(data.captionText($0)) })
    #expect(python["tags"] as? [[Int]] == rows.map { data.tokenizer.encode(data.tagText($0)) })
    let (values, mask) = try data.regions(rows)
    #expect((python["values"] as? [Double])?.map(Float.init) == values.scalars)
    #expect((python["mask"] as? [Double])?.map(Float.init) == mask.scalars)
  }

  /// From the same initial weights, dropout off: train.py reads the regions from the TSVs and
  /// follows vlp's totals step for step (the same batches, pollution and masks); finite, and
  /// the checkpoint imports back.
  @Test func trainerFollowsVlpOnRegionFolders() throws {
    let directory = try TemporaryDirectory("regionfiles-train")
    defer { directory.remove() }
    let folder = try Self.exported(root: directory.url, jsonColumn: false)
    let out = directory.file("out")
    let vlp = try Pretrainer(configuration: folder.definition().variants[0].configuration)
    let reports = try (0..<12).map { _ in try vlp.trainStep() }
    let run = TorchPython.python(
      ["train.py", "--out", "runs/main", "--steps", "12", "--threads", "1"], in: out)
    try #require(run.status == 0, "\(run.output)")
    let log = try trainerLog(out.appendingPathComponent("runs/main/log.jsonl"))
    try #require(log.count == 12)
    var worst = 0.0
    for (report, line) in zip(reports, log) {
      #expect(line.loss.isFinite)
      worst = max(worst, abs(line.loss - Double(report.total)) / Double(report.total))
    }
    print("region folders, 12 steps: worst relative difference of the total \(worst); vlp \(reports.first!.total) → \(reports.last!.total), pytorch \(log.first!.loss) → \(log.last!.loss)")
    #expect(worst < 1e-3)
    let imported = try PyTorchImport.run(from: out, as: "back", root: directory.file("sessions"))
    #expect(imported.variants.first?.steps == [12])
  }

  static func exported(root: URL, jsonColumn: Bool) throws -> SessionFolder {
    let folder = try PyTorchRegionFilesTests.session(root: root, jsonColumn: jsonColumn)
    _ = try PyTorchExport.write(
      session: folder, to: root.appendingPathComponent("out"), fromLatestCheckpoint: false)
    return folder
  }
}
