import Foundation

/// `vlp data inspect` of the caption files training reads besides COCO's: Karpathy's
/// dataset_coco.json and ALBEF / BLIP / LAVIS lists, told apart by their shape, with the same
/// problems the loader reports (file and JSON path).
extension DataInspector {
  /// The JSON caption file's kind by its first bytes and keys: a list, Karpathy's (images with
  /// `sentences`), or nil for COCO's.
  static func captionListKind(_ path: String) -> DataSource? {
    guard let data = try? TextFile.read(path),
      let root = try? JSONSerialization.jsonObject(with: data)
    else { return nil }
    if root is [Any] { return .json }
    let first = ((root as? [String: Any])?["images"] as? [Any])?.first as? [String: Any]
    return first?["sentences"] != nil ? .karpathy : nil
  }

  static func inspectCaptionList(
    _ path: String, kind: DataSource, _ inspection: inout DataInspection, _ log: inout ProblemLog,
    _ exampleCount: Int
  ) throws {
    let name = (path as NSString).lastPathComponent
    let records: [CaptionRecord]
    if kind == .karpathy {
      inspection.format = "karpathy (dataset_coco.json)"
      records = try CaptionFiles.karpathy(path, log: &log)
    } else {
      inspection.format = "json (ALBEF / BLIP annotation list)"
      records = try CaptionFiles.jsonList(path, split: .train, log: &log)
    }
    let splits = kind == .karpathy ? DataSplit.allCases : [.train]
    for split in splits {
      let inSplit = records.filter { $0.split == split }
      guard !inSplit.isEmpty else { continue }
      inspection.parts.append(
        .init(
          name: kind == .karpathy ? split.rawValue : name, pairs: inSplit.count,
          images: Set(inSplit.map(\.image)).count))
    }
    for record in records.prefix(exampleCount) {
      inspection.examples.append("\(record.image)  \"\(record.caption)\"")
    }
    var words = Set<String>()
    for record in records { words.formUnion(BasicTokenizer.tokenize(record.caption)) }
    inspection.vocabulary = "\(words.count) distinct caption words (no vocab.txt)"
  }
}
