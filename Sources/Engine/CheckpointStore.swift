import Foundation
import NN

/// The checkpoints of one session: `checkpoints/VARIANT/step-00001500.safetensors`, written
/// atomically (a crash mid-save leaves the previous files intact). Pruning keeps the most
/// recent `keep` and any step it is told to protect (the best evaluation).
struct CheckpointStore {
  let folder: SessionFolder
  let keep: Int

  static func fileName(step: Int) -> String { String(format: "step-%08d.safetensors", step) }

  func url(variant: String, step: Int) -> URL {
    folder.checkpointFolder(variant: variant).appendingPathComponent(Self.fileName(step: step))
  }

  /// Steps with a checkpoint for `variant`, ascending.
  func steps(variant: String) -> [Int] {
    let names =
      (try? FileManager.default.contentsOfDirectory(
        atPath: folder.checkpointFolder(variant: variant).path)) ?? []
    return names.compactMap { name -> Int? in
      guard name.hasPrefix("step-"), name.hasSuffix(".safetensors") else { return nil }
      return Int(name.dropFirst(5).dropLast(12))
    }.sorted()
  }

  /// The latest step at which every variant has a checkpoint (variants train in lockstep, so
  /// they resume together), or nil.
  func latestCommonStep(variants: [String]) -> Int? {
    guard let first = variants.first else { return nil }
    var common = Set(steps(variant: first))
    for variant in variants.dropFirst() { common.formIntersection(steps(variant: variant)) }
    return common.max()
  }

  /// The latest checkpoint of `variant`, read, or nil when there is none. Readers never wait
  /// for the writer, which may prune the file between the listing and the open: then the
  /// listing is taken again (an open file stays readable whatever the writer does).
  func readLatest(variant: String) throws -> (url: URL, checkpoint: TrainingCheckpoint)? {
    var attempt = 0
    while let step = steps(variant: variant).last {
      let url = url(variant: variant, step: step)
      do {
        return (url, try TrainingCheckpoint.read(from: url))
      } catch where attempt < 5 && !FileManager.default.fileExists(atPath: url.path) {
        attempt += 1
      }
    }
    return nil
  }

  @discardableResult
  func save(_ checkpoint: TrainingCheckpoint, variant: String) throws -> URL {
    let directory = folder.checkpointFolder(variant: variant)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw SessionError.io(
        path: directory.relativePath, detail: "cannot create the folder: \(systemErrorText(of: error))")
    }
    let url = url(variant: variant, step: checkpoint.step)
    try checkpoint.write(to: url)
    return url
  }

  /// Deletes all but the latest `keep` checkpoints of `variant` and the `protected` steps.
  /// Returns the steps removed.
  @discardableResult
  func prune(variant: String, protected: Set<Int>) -> [Int] {
    let all = steps(variant: variant)
    let kept = Set(all.suffix(keep)).union(protected)
    let removed = all.filter { !kept.contains($0) }
    for step in removed { try? FileManager.default.removeItem(at: url(variant: variant, step: step)) }
    return removed
  }
}
