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

  /// BERT's vocab.txt layout: one token a line, the line number its id.
  static func vocabularyText(_ vocabulary: Vocabulary) -> String {
    vocabulary.tokens.joined(separator: "\n") + "\n"
  }
}
