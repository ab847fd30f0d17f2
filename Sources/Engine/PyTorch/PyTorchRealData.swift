import Foundation
import NN
import VLP

/// A session on caption files (data.source coco, karpathy or json) is not copied into
/// `data.safetensors`: the trainer reads the data set from its own files (trainer/realdata.py).
/// The export records where they are in config.json's `data` section, every path absolute, and
/// writes the session's WordPiece vocabulary as `vocab.txt` beside it (vlp builds it from the
/// training captions when session.json names none), so that Python tokenises as vlp does.
/// docs/scale-out.md, "Real data".
enum PyTorchRealData {
  static let vocabularyFile = "vocab.txt"

  /// Whether the trainer reads this source from its own files.
  static func readsOwnFiles(_ data: DataConfiguration) -> Bool { data.source.hasPixels }

  /// config.json's `data`: source, absolute paths, fit, augmentation and skipInvalid (0 or 1),
  /// the vocabulary file's name, and the side of the square images are cut from before the
  /// augmentation's crop (vlp's image cache: twice the model's side, at most 512, when
  /// augmenting).
  static func section(_ data: DataConfiguration, imageSize: Int) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [("source", .string(data.source.rawValue))]
    let keys: [DataConfiguration.CodingKeys] = [.images, .train, .test, .val, .file]
    for key in keys where data.source.keys.contains(key) {
      guard let path = data.path(key) else { continue }
      members.append((key.rawValue, .string(absolute(path))))
    }
    let side = data.augmentation ? min(512, max(imageSize, 2 * imageSize)) : imageSize
    members += [
      ("fit", .string(data.fit.rawValue)), ("augmentation", .integer(data.augmentation ? 1 : 0)),
      ("skipInvalid", .integer(data.skipInvalid ? 1 : 0)),
      ("vocabulary", .string(vocabularyFile)), ("imageCacheSide", .integer(side)),
    ]
    return .object(members)
  }

  /// `path` made absolute against the working folder, `.` and `..` resolved.
  static func absolute(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }

  static let pathKeys = ["images", "train", "test", "val", "file", "vocabulary"]

  /// The exported copy of session.json: the data paths it gives relative to the session folder
  /// made absolute (in `data` and in the variants' `data.KEY` overrides), so that the session
  /// `vlp import` makes from the run (in another folder) still finds its files. Unchanged, byte
  /// for byte, when it has no relative data path (the built-in world).
  static func exportedSessionText(_ text: Data, sessionFolder: URL) -> Data {
    guard var document = (try? JSONSerialization.jsonObject(with: text)) as? [String: Any] else {
      return text
    }
    var changed = false
    func resolved(_ value: Any?) -> String? {
      guard let path = value as? String, !path.isEmpty, !path.hasPrefix("/") else { return nil }
      changed = true
      return absolute(sessionFolder.appendingPathComponent(path).path)
    }
    if var data = document["data"] as? [String: Any] {
      for key in pathKeys { if let path = resolved(data[key]) { data[key] = path } }
      document["data"] = data
    }
    if var variants = document["variants"] as? [Any] {
      for (index, entry) in variants.enumerated() {
        guard var variant = entry as? [String: Any], var set = variant["set"] as? [String: Any]
        else { continue }
        for key in pathKeys { if let path = resolved(set["data." + key]) { set["data." + key] = path } }
        variant["set"] = set
        variants[index] = variant
      }
      document["variants"] = variants
    }
    guard changed,
      let rewritten = try? JSONSerialization.data(
        withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    else { return text }
    return rewritten + Data("\n".utf8)
  }

  /// BERT's vocab.txt layout: one token a line, the line number its id.
  static func vocabularyText(_ vocabulary: Vocabulary) -> String {
    vocabulary.tokens.joined(separator: "\n") + "\n"
  }
}
