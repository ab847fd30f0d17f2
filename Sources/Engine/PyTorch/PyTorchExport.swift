import Foundation
import NN
import VLP

/// `vlp export SESSION --pytorch DIR`: the session as a PyTorch run. DIR receives the trainer
/// (trainer/*.py, copied unchanged), session.json, and for each variant
/// `variants/VARIANT/{config.json, init.safetensors, data.safetensors}`: the resolved settings,
/// the starting weights with vlp's names (momentum model and queues included; the latest
/// checkpoint with `fromLatestCheckpoint`, else the initial weights) and the data. A session on
/// caption files gets `vocab.txt` instead of data.safetensors: the trainer reads those files
/// (PyTorchRealData); one on region folders a data.safetensors without the regions, which the
/// trainer reads from the feature TSVs (PyTorchRegionFiles). See docs/scale-out.md.
public enum PyTorchExport {
  public struct Variant: Sendable, Equatable {
    public var name: String
    /// The step the weights come from (0: the initial weights).
    public var step: Int
    public var trainPairs: Int
  }

  public struct Summary: Sendable {
    public var folder: URL
    public var variants: [Variant]

    /// The commands that start the run of `variant` (docs/scale-out.md explains them).
    public func commands(variant: String, processes: Int = 2) -> [(purpose: String, command: String)] {
      let run = "train.py --variant \(variant) --out runs/\(variant)"
      return [
        ("one process", "python \(run)"),
        ("one machine, \(processes) processes (gloo on CPU, NCCL on GPUs)",
         "torchrun --standalone --nproc_per_node=\(processes) \(run)"),
        ("several machines: run on each, HOST being the first machine",
         "torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 "
           + "--rdzv-id=\(variant) \(run)"),
      ]
    }
  }

  public static func write(
    session folder: SessionFolder, to destination: URL, fromLatestCheckpoint: Bool
  ) throws -> Summary {
    let trainer = try PyTorchTrainerFiles.folder()
    let definition = try folder.definition()
    try prepare(destination)
    let files = FileManager.default
    for name in PyTorchTrainerFiles.names {
      try copy(trainer.appendingPathComponent(name), to: destination.appendingPathComponent(name))
    }
    let sessionText: Data
    do {
      sessionText = try Data(contentsOf: folder.sessionFile)
    } catch {
      throw PyTorchExchangeError.io(
        path: folder.sessionFile.path, detail: "cannot read: \(error.localizedDescription)")
    }
    try write(
      PyTorchRealData.exportedSessionText(sessionText, sessionFolder: folder.url),
      to: destination.appendingPathComponent("session.json"))
    let store = CheckpointStore(folder: folder, keep: definition.checkpoints.keep)
    var cache = PretrainingDataCache()
    var written: [Variant] = []
    for variant in definition.variants {
      let data = try cache.data(for: variant.configuration)
      let pretrainer = try Pretrainer(configuration: variant.configuration, data: data)
      if fromLatestCheckpoint {
        guard let (_, saved) = try store.readLatest(variant: variant.name) else {
          throw SessionError.noCheckpoint(session: folder.name, variant: variant.name)
        }
        try saved.checkFinite()
        try pretrainer.restore(from: saved)
      }
      let out = destination.appendingPathComponent("variants/\(variant.name)", isDirectory: true)
      do {
        try files.createDirectory(at: out, withIntermediateDirectories: true)
      } catch {
        throw PyTorchExchangeError.io(path: out.path, detail: "cannot create the folder: \(error)")
      }
      try pretrainer.checkpoint(extra: [SessionRun.variantKey: variant.name])
        .write(to: out.appendingPathComponent("init.safetensors"))
      let ownFiles = PyTorchRealData.readsOwnFiles(variant.configuration.data)
      if ownFiles {
        try write(
          PyTorchRealData.vocabularyText(data.vocabulary),
          to: out.appendingPathComponent(PyTorchRealData.vocabularyFile))
      } else {
        try PyTorchDataExport.file(
          data, objectives: variant.configuration.objectives, seed: variant.configuration.seed,
          variant: variant.name)
          .write(to: out.appendingPathComponent("data.safetensors"))
      }
      var dataFiles: JSONValue?
      if ownFiles {
        dataFiles = PyTorchRealData.section(
          variant.configuration.data, imageSize: variant.configuration.model.imageSize)
      } else if let regions = data.corpus as? RegionCorpus {
        dataFiles = PyTorchRegionFiles.section(variant.configuration.data, corpus: regions)
      }
      let config = PyTorchConfig.json(
        pretrainer,
        derived: .init(
          variant: variant.name, session: folder.name, trainCount: data.trainIndices.count,
          testCount: data.cleanTestIndices.count, dataFiles: dataFiles))
      try write(config.text(.indented(depth: 2)) + "\n", to: out.appendingPathComponent("config.json"))
      written.append(
        Variant(name: variant.name, step: pretrainer.step, trainPairs: data.trainIndices.count))
    }
    return Summary(folder: destination, variants: written)
  }

  /// Whether every variant of the session has a checkpoint (what `--init latest` needs).
  public static func hasCheckpoints(_ folder: SessionFolder) -> Bool {
    guard let definition = try? folder.definition() else { return false }
    let store = CheckpointStore(folder: folder, keep: definition.checkpoints.keep)
    return definition.variants.allSatisfy { !store.steps(variant: $0.name).isEmpty }
  }

  /// DIR may be new, empty, or an earlier export (it holds train.py): nothing else is overwritten.
  static func prepare(_ destination: URL) throws {
    let files = FileManager.default
    var isDirectory: ObjCBool = false
    if files.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw PyTorchExchangeError.destination(
          path: destination.path, detail: "is a file: --pytorch needs a folder")
      }
      let contents = (try? files.contentsOfDirectory(atPath: destination.path)) ?? []
      guard contents.isEmpty || contents.contains("train.py") else {
        throw PyTorchExchangeError.destination(
          path: destination.path,
          detail: "holds files that are not an earlier export (no train.py): choose an empty or "
            + "new folder")
      }
    }
    do {
      try files.createDirectory(at: destination, withIntermediateDirectories: true)
    } catch {
      throw PyTorchExchangeError.io(path: destination.path, detail: "cannot create the folder: \(error)")
    }
  }

  static func copy(_ source: URL, to target: URL) throws {
    let contents: Data
    do {
      contents = try Data(contentsOf: source)
    } catch {
      throw PyTorchExchangeError.io(path: source.path, detail: "cannot read: \(error.localizedDescription)")
    }
    try write(contents, to: target)
  }

  static func write(_ text: String, to target: URL) throws { try write(Data(text.utf8), to: target) }

  static func write(_ contents: Data, to target: URL) throws {
    do {
      try contents.write(to: target, options: .atomic)
    } catch {
      throw PyTorchExchangeError.io(path: target.path, detail: "cannot write: \(error.localizedDescription)")
    }
  }
}
