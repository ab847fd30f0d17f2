import Foundation

/// Session folders for tests that train: a tiny ALBEF model that takes milliseconds per step,
/// and the writer of `ROOT/NAME/session.json`. Tests write the rest of session.json themselves
/// (seed, objectives, training budget, evaluation, variants), since those are what they test.
public enum TinySession {
  /// The `"model"` entry of session.json: ALBEF on regions, width 16, two heads, one layer per
  /// encoder.
  public static let model = """
    "model": {"family": "albef", "imageInput": "regions", "dimension": 16, "headCount": 2,
              "hiddenSize": 32, "imageLayers": 1, "textLayers": 1, "fusionLayers": 1,
              "embeddingDimension": 8}
    """

  /// Writes `root/name/session.json` holding `json`; returns the session's folder.
  @discardableResult
  public static func write(_ json: String, name: String, in root: URL) throws -> URL {
    let folder = root.appendingPathComponent(name, isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(json.utf8).write(to: folder.appendingPathComponent("session.json"))
    return folder
  }
}
