import Foundation
import Imaging
import NN
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// A session on caption files (data.source json) handed to PyTorch: the export records the
/// files' absolute paths and the vocabulary instead of copying the data; the trainer
/// (trainer/realdata.py) reads them, tokenises as vlp does, draws the same crops and flips, and
/// trains. The last three need a Python with torch and Pillow (skipped with one notice otherwise).
@Suite(.serialized)
struct PyTorchRealDataTests {
  /// A tiny ALBEF session on 16 PNG images of different shapes, 2 captions each: 12 training
  /// images, 4 test images.
  static func session(root: URL, steps: Int = 30, augmentation: Bool = true) throws -> SessionFolder {
    let folder = root.appendingPathComponent("captions", isDirectory: true)
    let images = folder.appendingPathComponent("data/images", isDirectory: true)
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    let colours = ["red", "green", "blue", "yellow"]
    let shapes = ["square", "stripe", "corner", "frame"]
    var train: [String] = []
    var test: [String] = []
    for n in 0..<16 {
      let (colour, shape) = (n % 4, n / 4)
      let (width, height) = (24 + 4 * (n % 3), 20 + 6 * (n % 2))
      var pixels = [Float](repeating: 1, count: width * height * 3)
      for y in 0..<height {
        for x in 0..<width where Self.inside(shape, x, y, width, height) {
          let rgb: [Float] = [[1, 0, 0], [0, 0.8, 0], [0, 0, 1], [1, 0.9, 0]][colour]
          for c in 0..<3 { pixels[(y * width + x) * 3 + c] = rgb[c] * Float(0.6 + 0.02 * Double(x)) }
        }
      }
      try PNGEncoding.write(
        RGBImage(width: width, height: height, pixels: pixels),
        to: images.appendingPathComponent("image-\(n).png").path)
      let captions = [
        "A \(colours[colour]) \(shapes[shape]) on white.",
        "Picture: the \(shapes[shape]) is \(colours[colour])!",
      ]
      let entry = #"{"image": "image-\#(n).png", "caption": ["\#(captions[0])", "\#(captions[1])"]}"#
      if n < 12 { train.append(entry) } else { test.append(entry) }
    }
    try Data(("[" + train.joined(separator: ",\n") + "]").utf8)
      .write(to: folder.appendingPathComponent("data/train.json"))
    try Data(("[" + test.joined(separator: ",\n") + "]").utf8)
      .write(to: folder.appendingPathComponent("data/test.json"))
    let json = """
      {"seed": 3,
       "model": {"family": "albef", "imageInput": "patches", "imageSize": 16, "patchSize": 8,
                 "dimension": 16, "headCount": 2, "hiddenSize": 32, "imageLayers": 1,
                 "textLayers": 1, "fusionLayers": 1, "embeddingDimension": 8,
                 "maximumTextLength": 12, "dropout": 0},
       "objectives": {"itc": 1, "mlm": 1, "itm": 1, "distillation": true, "queueSize": 16},
       "training": {"batchSize": 8, "steps": \(steps), "learningRate": 0.002, "warmupSteps": 3,
                    "gradientClipNorm": 5},
       "data": {"source": "json", "images": "data/images", "train": "data/train.json",
                "test": "data/test.json", "augmentation": \(augmentation)},
       "evaluation": {"every": 1000, "retrievalPairs": 4, "rerank": 0}}
      """
    return try PyTorchSessions.folder(json, name: "captions", root: root)
  }

  static func inside(_ shape: Int, _ x: Int, _ y: Int, _ width: Int, _ height: Int) -> Bool {
    switch shape {
    case 0: return abs(2 * x - width) < width / 2 && abs(2 * y - height) < height / 2
    case 1: return y % 6 < 3
    case 2: return x < width / 2 && y < height / 2
    default: return x < 3 || y < 3 || x >= width - 3 || y >= height - 3
    }
  }

  @Test func exportRecordsTheFilesAndTheVocabulary() throws {
    let directory = try TemporaryDirectory("realdata-export")
    defer { directory.remove() }
    let folder = try Self.session(root: directory.url)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let variant = out.appendingPathComponent("variants/main")
    #expect(!FileManager.default.fileExists(atPath: variant.appendingPathComponent("data.safetensors").path))
    let config = try JSONSerialization.jsonObject(
      with: Data(contentsOf: variant.appendingPathComponent("config.json"))) as! [String: Any]
    let data = try #require(config["data"] as? [String: Any])
    let session = folder.sessionFile.deletingLastPathComponent().standardizedFileURL.path
    #expect(data["source"] as? String == "json")
    #expect(data["images"] as? String == session + "/data/images")
    #expect(data["train"] as? String == session + "/data/train.json")
    #expect(data["test"] as? String == session + "/data/test.json")
    #expect(data["val"] == nil && data["file"] == nil)
    #expect(data["augmentation"] as? Int == 1 && data["fit"] as? String == "crop")
    #expect(data["imageCacheSide"] as? Int == 32 && data["vocabulary"] as? String == "vocab.txt")
    let derived = try #require(config["derived"] as? [String: Any])
    #expect(derived["trainCount"] as? Int == 24 && derived["testCount"] as? Int == 4)
    let definition = try folder.definition()
    let pretraining = try PretrainingData(configuration: definition.variants[0].configuration)
    let vocabulary = try String(contentsOf: variant.appendingPathComponent("vocab.txt"), encoding: .utf8)
    #expect(vocabulary.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      .map(String.init) == pretraining.vocabulary.tokens)

    // The exported session.json names the same files from anywhere (vlp import moves it).
    let exported = try JSONSerialization.jsonObject(
      with: Data(contentsOf: out.appendingPathComponent("session.json"))) as! [String: Any]
    let exportedData = try #require(exported["data"] as? [String: Any])
    #expect(exportedData["images"] as? String == session + "/data/images")
    #expect(exportedData["train"] as? String == session + "/data/train.json")
    #expect(exportedData["augmentation"] as? Bool == true)
    // ... and is the user's text otherwise, key order and spacing kept.
    var expected = try String(contentsOf: folder.sessionFile, encoding: .utf8)
    for path in ["data/images", "data/train.json", "data/test.json"] {
      expected = expected.replacingOccurrences(of: "\"\(path)\"", with: "\"\(session)/\(path)\"")
    }
    #expect(try String(contentsOf: out.appendingPathComponent("session.json"), encoding: .utf8) == expected)

    // The built-in world still gets data.safetensors, no `data` section, session.json as it was.
    let world = try PyTorchSessions.folder(PyTorchSessions.json(), name: "world", root: directory.url)
    let worldOut = directory.file("world-out")
    _ = try PyTorchExport.write(session: world, to: worldOut, fromLatestCheckpoint: false)
    let worldVariant = worldOut.appendingPathComponent("variants/main")
    #expect(FileManager.default.fileExists(atPath: worldVariant.appendingPathComponent("data.safetensors").path))
    let worldConfig = try JSONSerialization.jsonObject(
      with: Data(contentsOf: worldVariant.appendingPathComponent("config.json"))) as! [String: Any]
    #expect(worldConfig["data"] == nil)
    #expect(try Data(contentsOf: worldOut.appendingPathComponent("session.json"))
      == Data(contentsOf: world.sessionFile))
  }
}

/// The exported trainer on caption files, against vlp (needs torch and Pillow in the python).
@Suite(.serialized, .enabled(if: TorchPython.available))
struct PyTorchRealDataTrainerTests {
  static let seeds: [UInt64] = Array(1...40) + [0xDEAD_BEEF_CAFE_F00D, .max, 1 << 63]
  static let captions = [
    "A man riding a wave on top of a surfboard.", "Café [MASK] naïve — “quoted” text", "東京 don't",
    "  tabs\tand\nnewlines,   multiple   spaces ", "UNAFFABLE running jumped", "Σίσυφος ΣΑΣ",
  ]

  /// What realdata.py reads, next to vlp: each row's `[CLS] caption [SEP]` ids, pair indices and
  /// image keys equal; captions through a BERT vocab.txt token for token; the augmentation's
  /// crops and flips equal for the same seeds; the un-augmented patches of these PNGs equal to
  /// float rounding (a cached byte may round the other way at a tie).
  @Test func trainerReadsTheFilesAsVlp() throws {
    let directory = try TemporaryDirectory("realdata-read")
    defer { directory.remove() }
    let folder = try PyTorchRealDataTests.session(root: directory.url)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let bertVocabulary = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures/bert_small_vocab.txt").path
    let request = try JSONSerialization.data(withJSONObject: [
      "seeds": Self.seeds.map(String.init), "captions": Self.captions, "vocabulary": bertVocabulary,
    ])
    try request.write(to: out.appendingPathComponent("request.json"))
    let script = """
      import json, sys
      sys.path.insert(0, ".")
      from data import load_config, load_data
      from realdata import augmentation_choice
      from tokenizer import WordPieceTokenizer, read_vocabulary
      request = json.load(open("request.json"))
      data = load_data("variants/main", load_config("variants/main"))
      bert = WordPieceTokenizer(read_vocabulary(request["vocabulary"]))
      print(json.dumps({
          "ids": [data.text_ids[r, :int(data.text_length[r])].tolist() for r in range(len(data.pair_list))],
          "pairs": data.pair_list, "keys": data.image_key.tolist(),
          "bert": [bert.encode(c) for c in request["captions"]],
          "crops": [list(b) + [int(f)] for b, f in (augmentation_choice(32, 32, int(s)) for s in request["seeds"])],
          "patches": data.image_batch([0, 1, 2, 3]).flatten().tolist()}))
      """
    let run = TorchPython.python(["-c", script], in: out)
    try #require(run.status == 0, "\(run.output)")
    let line = try #require(run.output.split(separator: "\n").last)
    let python = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]

    let configuration = try folder.definition().variants[0].configuration
    let data = try PretrainingData(configuration: configuration)
    let rows = data.trainIndices + data.cleanTestIndices
    #expect(python["pairs"] as? [Int] == rows)
    #expect(python["keys"] as? [Int] == rows.map(data.corpus.imageKey))
    #expect(python["ids"] as? [[Int]] == data.captionSequences(rows))
    let bert = try Tokenizer.bert(vocabularyFile: bertVocabulary) { [] }
    #expect(python["bert"] as? [[Int]] == Self.captions.map(bert.encode))
    let crops = Self.seeds.map { seed in
      let choice = ImageAugmentation.albef.choice(width: 32, height: 32, seed: seed)
      let r = choice.region
      return [r.x, r.y, r.width, r.height, choice.flipped ? 1 : 0]
    }
    #expect(python["crops"] as? [[Int]] == crops)
    let patches = try data.patches(Array(rows.prefix(4))).scalars
    let theirs = try #require(python["patches"] as? [Double])
    try #require(theirs.count == patches.count)
    let differences = zip(theirs, patches).map { abs($0 - Double($1)) }
    let mean = differences.reduce(0, +) / Double(differences.count)
    print("caption data: patches differ by \(mean) on average, \(differences.max()!) at most")
    #expect(mean < 1e-5 && differences.max()! < 0.005)
  }

  /// The COCO-captions and Karpathy readers of realdata.py against vlp's, on the world exported
  /// as COCO (PNG images in one subfolder per split): the same pairs in the same order, the same
  /// image keys and the same `[CLS] caption [SEP]` ids. Karpathy's file adds restval (trains),
  /// images found through `filepath` or by the subfolder search, several sentences, and a split
  /// vlp does not read (`dev`, skipped with skipInvalid).
  @Test(arguments: ["coco", "karpathy"])
  func captionReadersMatchVlp(source: String) throws {
    let directory = try TemporaryDirectory("realdata-\(source)")
    defer { directory.remove() }
    let data = directory.file("\(source)/data")
    var world = SceneWorldConfiguration()
    world.pairCount = 40
    world.imageSize = 16
    try DataExporter.export(
      try SceneWorld(configuration: world), format: .cocoJSON, to: data.path, images: true)
    var files = #""train": "data/annotations/captions_train.json", "val": "data/annotations/captions_val.json", "test": "data/annotations/captions_test.json""#
    if source == "karpathy" {
      var images: [String] = []
      for split in ["train", "val", "test"] {
        let names = try FileManager.default.contentsOfDirectory(
          atPath: data.appendingPathComponent("images/\(split)").path).sorted()
        for (n, name) in names.enumerated() {
          var (kind, path) = (split, split)
          if split == "train" {
            kind = n % 3 == 2 ? "restval" : "train"
            path = n % 2 == 0 ? "train" : ""  // found by the subfolder search
          } else if split == "val" && n == 0 {
            kind = "dev"
          }
          let sentences = (0...(n % 3)).map { #"{"raw": "Scene \#(n) of \#(split), take \#($0): naïve café!"}"# }
          images.append(
            #"{"filepath": "\#(path)", "filename": "\#(name)", "split": "\#(kind)", "sentences": [\#(sentences.joined(separator: ", "))]}"#)
        }
      }
      try Data(#"{"images": [\#(images.joined(separator: ",\n"))]}"#.utf8)
        .write(to: data.appendingPathComponent("dataset_coco.json"))
      files = #""file": "data/dataset_coco.json""#
    }
    let json = """
      {"seed": 2,
       "model": {"family": "albef", "imageInput": "patches", "imageSize": 16, "patchSize": 8,
                 "dimension": 16, "headCount": 2, "hiddenSize": 32, "imageLayers": 1,
                 "textLayers": 1, "fusionLayers": 1, "embeddingDimension": 8,
                 "maximumTextLength": 12, "dropout": 0},
       "objectives": {"itc": 1, "mlm": 1, "queueSize": 8},
       "training": {"batchSize": 4, "steps": 2, "learningRate": 0.002, "warmupSteps": 1},
       "data": {"source": "\(source)", "images": "data/images", "skipInvalid": true, \(files)},
       "evaluation": {"every": 1000, "retrievalPairs": 4, "rerank": 0}}
      """
    let folder = try PyTorchSessions.folder(json, name: source, root: directory.url)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let script = """
      import json, sys
      sys.path.insert(0, ".")
      from data import load_config, load_data
      data = load_data("variants/main", load_config("variants/main"))
      print(json.dumps({
          "ids": [data.text_ids[r, :int(data.text_length[r])].tolist() for r in range(len(data.pair_list))],
          "pairs": data.pair_list, "keys": data.image_key.tolist(), "train": data.train_count}))
      """
    let run = TorchPython.python(["-c", script], in: out)
    try #require(run.status == 0, "\(run.output)")
    let line = try #require(run.output.split(separator: "\n").last)
    let python = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    let pretraining = try PretrainingData(configuration: folder.definition().variants[0].configuration)
    let rows = pretraining.trainIndices + pretraining.cleanTestIndices
    #expect(rows.count > 30 && pretraining.cleanTestIndices.count >= 2)
    #expect(python["train"] as? Int == pretraining.trainIndices.count)
    #expect(python["pairs"] as? [Int] == rows)
    #expect(python["keys"] as? [Int] == rows.map(pretraining.corpus.imageKey))
    #expect(python["ids"] as? [[Int]] == pretraining.captionSequences(rows))
  }

  /// From the same initial weights, with augmentation: the same batches, masks, crops and flips
  /// and (PNG) the same pixels, so every step's total is vlp's to 1e-3 (measured: 1e-7); it learns.
  @Test func trainerFollowsVlpOnCaptionFiles() throws {
    let directory = try TemporaryDirectory("realdata-train")
    defer { directory.remove() }
    let folder = try PyTorchRealDataTests.session(root: directory.url, steps: 30)
    let out = directory.file("out")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let vlp = try Pretrainer(configuration: folder.definition().variants[0].configuration)
    let reports = try (0..<30).map { _ in try vlp.trainStep() }
    let run = TorchPython.python(
      ["train.py", "--out", "runs/main", "--steps", "30", "--threads", "1"], in: out)
    try #require(run.status == 0, "\(run.output)")
    let log = try trainerLog(out.appendingPathComponent("runs/main/log.jsonl"))
    try #require(log.count == 30)
    var worst = 0.0
    for (report, line) in zip(reports, log) {
      #expect(line.loss.isFinite)
      worst = max(worst, abs(line.loss - Double(report.total)) / Double(report.total))
    }
    print("caption data, 30 steps: worst relative difference of the total \(worst); vlp \(reports.first!.total) → \(reports.last!.total), pytorch \(log.first!.loss) → \(log.last!.loss)")
    #expect(worst < 1e-3)
    let first: Double = log.prefix(5).map(\.loss).reduce(0, +)
    let last: Double = log.suffix(5).map(\.loss).reduce(0, +)
    #expect(last < first)
  }
}
