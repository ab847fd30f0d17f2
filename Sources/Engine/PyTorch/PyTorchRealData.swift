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
  /// `vlp import` makes from the run (in another folder) still finds its files. Every other byte
  /// is the user's (key order, spacing): unchanged when it has no relative data path.
  static func exportedSessionText(_ text: Data, sessionFolder: URL) -> Data {
    JSONStringEdits.replacing(in: text) { path, value in
      guard isDataPath(path), !value.isEmpty, !value.hasPrefix("/") else { return nil }
      return absolute(sessionFolder.appendingPathComponent(value).path)
    }
  }

  /// `data.KEY`, or a variant's `set` override `"data.KEY"`, of a file key.
  static func isDataPath(_ path: [String]) -> Bool {
    if path.count == 2, path[0] == "data" { return pathKeys.contains(path[1]) }
    guard path.count == 4, path[0] == "variants", path[2] == "set", path[3].hasPrefix("data.")
    else { return false }
    return pathKeys.contains(String(path[3].dropFirst(5)))
  }

  /// BERT's vocab.txt layout: one token a line, the line number its id.
  static func vocabularyText(_ vocabulary: Vocabulary) -> String {
    vocabulary.tokens.joined(separator: "\n") + "\n"
  }
}
