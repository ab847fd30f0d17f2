import Foundation

/// `vlp data inspect` on Oscar/VinVL splits. The export's own layout keeps the whole-file
/// reader (`OscarDataset`) and its messages; every other layout (release names, split yamls,
/// the JSON feature column) is checked by the on-demand reader that training uses.
extension DataInspector {
  /// A split folder or split yaml the readers recognize (`nil` when neither does).
  static func isOscarSplit(_ path: String) -> Bool {
    FileManager.default.fileExists(
      atPath: (path as NSString).appendingPathComponent(OscarDataset.corpusFile))
      || (try? OscarFolderFiles.locate(path)) != nil
  }

  /// The split yamls of a VinVL folder (`train.yaml`, `test.yaml`: those naming a `feature:`).
  static func splitYAMLs(in folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map {
      (folder as NSString).appendingPathComponent($0)
    }.filter { (try? OscarFolderFiles.readYAML($0))?["feature"] != nil }
  }

  /// What `vlp data export --format oscar-tsv` writes: corpus.tsv, a label TSV of the export's
  /// names, and features.tsv in the three-column encoding.
  static func isExportLayout(_ path: String) -> Bool {
    func child(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    let manager = FileManager.default
    guard manager.fileExists(atPath: child(OscarDataset.corpusFile)),
      OscarDataset.labelFiles.contains(where: { manager.fileExists(atPath: child($0)) }),
      let file = try? ReadOnlyFile(path: child(OscarDataset.featureFile)),
      let head = try? file.read(4096, at: 0)
    else { return false }
    let fields = head.split(separator: 0x09, maxSplits: 2, omittingEmptySubsequences: false)
    return file.size == 0
      || (fields.count == 3 && Int(String(decoding: fields[1], as: UTF8.self)) != nil)
  }

  /// The line index of the export's feature TSV, as the on-demand reader will find it.
  static func exportLineIndex(_ path: String, name: String) -> String {
    let index = LineIndex.besidePath(
      for: (path as NSString).appendingPathComponent(OscarDataset.featureFile))
    return FileManager.default.fileExists(atPath: index)
      ? "\(name): features.lineidx (found)"
      : "\(name): features.lineidx absent (the on-demand reader writes it on first use)"
  }

  /// Checks one split with the on-demand reader and adds it to the summary.
  static func inspectOscarSplit(
    _ path: String, name: String, _ inspection: inout DataInspection, _ log: inout ProblemLog,
    _ exampleCount: Int, _ summary: inout (dimension: Int?, boxCounts: [Int])
  ) {
    let oscar: OscarFolder
    do {
      oscar = try OscarFolder(path)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return
    } catch {
      log.report(file: path, "\(error)")
      return
    }
    summary.boxCounts += oscar.validate(log: &log)
    inspection.parts.append(
      .init(name: name, pairs: oscar.captions.count, images: oscar.features.rowCount))
    let features = oscar.features
    if let found = features.dimension {
      if let dimension = summary.dimension, dimension != found {
        log.report(
          file: features.path,
          "features have \(found) floats per region, but an earlier split has \(dimension)")
      }
      summary.dimension = summary.dimension ?? found
      let vinvl = found == 2054 ? " (VinVL: 2,048 pooled + 6 box values)" : ""
      inspection.featureLayout =
        "\(grouped(found)) floats per region as stored\(vinvl); rows: \(features.encoding.rawValue)"
    }
    var indexes =
      "\(name): \((features.path as NSString).lastPathComponent) → \(features.table.indexStatus)"
    if let labels = oscar.labels {
      indexes += " · \((labels.path as NSString).lastPathComponent) → \(labels.table.indexStatus)"
      inspection.countTags((0..<labels.table.rowCount).compactMap { try? labels.label(row: $0) })
    }
    inspection.lineIndexes.append(indexes)
    for caption in oscar.captions.prefix(max(0, exampleCount - inspection.examples.count)) {
      let tags = ((try? oscar.tags(of: caption.imageID)) ?? []).map(\.className)
      let boxes = (try? oscar.regionFeatures(of: caption.imageID))?.boxCount ?? 0
      let place =
        (caption.file as NSString).lastPathComponent
        + (caption.line.map { ":\($0)" } ?? caption.field.map { " \($0)" } ?? "")
      inspection.examples.append(
        "\(name)/\(place)  image \(caption.imageID)  \"\(caption.text)\"  tags: "
          + (tags.isEmpty ? "none" : tags.joined(separator: " · ")) + "  regions: \(boxes)")
    }
  }
}
