import Foundation

/// The files of one split of Oscar/VinVL data, found by the names real releases use, or named
/// by a split's `.yaml` (VinVL's captioning folders: `feature:`, `label:`, `caption:`, `hw:`).
public struct OscarFolderFiles: Sendable, Equatable {
  public var folder: String
  public var captions: String
  public var features: String
  public var labels: String?
  /// scene_graph_benchmark's `*.hw.tsv` (image sizes), when the labels do not carry them.
  public var imageSizes: String?
  public var yaml: String?

  /// Looked for in this order; `*` is any prefix (`train.feature.tsv`), which must be unique.
  public static let featureNames = ["features.tsv", "feature.tsv", "*.feature.tsv"]
  public static let labelNames = [
    "predictions_gt.tsv", "predictions.tsv", "label.tsv", "labels.tsv", "*.label.tsv",
  ]
  public static let captionNames = [
    "corpus.tsv", "*_caption.json", "*_captions.json", "captions.json", "*.caption.tsv",
  ]
  public static let imageSizeNames = ["hw.tsv", "*.hw.tsv"]

  /// `path` is a split folder or a split's `.yaml`. `labels` replaces the folder's label file
  /// (relative to the folder unless absolute): a variant's detections.
  public static func locate(_ path: String, labels: String? = nil) throws -> OscarFolderFiles {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError.missingFile(
        path: path, hint: "expected an Oscar/VinVL split folder or its .yaml")
    }
    let folder = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
    func resolve(_ name: String) -> String {
      name.hasPrefix("/") ? name : (folder as NSString).appendingPathComponent(name)
    }
    var yaml: String? = isDirectory.boolValue ? nil : path
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    if yaml == nil {
      let yamls = names.filter { $0.hasSuffix(".yaml") }
      if yamls.count == 1 { yaml = resolve(yamls[0]) }
    }
    var keys: [String: String] = [:]
    if let yaml { keys = try readYAML(yaml) }
    func find(_ key: String, _ patterns: [String], required: Bool) throws -> String? {
      if let named = keys[key] {
        let file = resolve(named)
        guard FileManager.default.fileExists(atPath: file) else {
          throw DataError.missingFile(path: file, hint: "named by '\(key):' in \(yaml ?? "")")
        }
        return file
      }
      for pattern in patterns {
        let matches =
          pattern.hasPrefix("*")
          ? names.filter { $0.hasSuffix(pattern.dropFirst()) && $0.count > pattern.count - 1 }
          : names.filter { $0 == pattern }
        if matches.count > 1 {
          throw DataError.unrecognizedFormat(
            path: folder,
            reason:
              "several files could be the \(key) file (\(matches.joined(separator: ", "))); "
              + "give the split's .yaml instead (e.g. \(folder)/train.yaml with '\(key): NAME')")
        }
        if let match = matches.first { return resolve(match) }
      }
      guard !required else {
        throw DataError.missingFile(
          path: (folder as NSString).appendingPathComponent(patterns[0]),
          hint:
            "an Oscar/VinVL folder needs a \(key) file named one of "
            + patterns.joined(separator: ", ") + " (or named in a .yaml)")
      }
      return nil
    }
    let features = try find("feature", featureNames, required: true)!
    let captions = try find("caption", captionNames, required: true)!
    var labelFile = try find("label", labelNames, required: false)
    if let labels {
      labelFile = resolve(labels)
      guard FileManager.default.fileExists(atPath: labelFile!) else {
        throw DataError.missingFile(path: labelFile!, hint: "the variant's 'labels' file")
      }
    }
    return OscarFolderFiles(
      folder: folder, captions: captions, features: features, labels: labelFile,
      imageSizes: try find("hw", imageSizeNames, required: false), yaml: yaml)
  }

  /// The flat `key: value` lines of Oscar's split yamls (no nesting is needed for them);
  /// comments and quotes are stripped.
  static func readYAML(_ path: String) throws -> [String: String] {
    var keys: [String: String] = [:]
    for line in try TextFile.lines(at: path) {
      let text = line.text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
      guard let colon = text.firstIndex(of: ":") else { continue }
      let key = text[..<colon].trimmingCharacters(in: .whitespaces)
      var value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if value.count >= 2, let first = value.first, first == "\"" || first == "'",
        value.last == first
      {
        value = String(value.dropFirst().dropLast())
      }
      if !key.isEmpty, !value.isEmpty { keys[key] = value }
    }
    return keys
  }
}
