import Foundation

/// One caption of an Oscar/VinVL folder and where it was written.
public struct OscarCaption: Sendable, Equatable {
  /// The image key as written (`img_key` of corpus.tsv, `image_id` of a caption JSON).
  public var key: String
  /// The feature row's image id it resolved to (see `OscarFolder`).
  public var imageID: String
  public var text: String
  public var file: String
  /// 1-based line of a TSV; nil for JSON, which has `field` (`[12].caption`).
  public var line: Int?
  public var field: String?
}

/// The caption files of real releases; captions are text, read whole.
enum OscarCaptionReader {
  /// `corpus.tsv` (`img_key \t label_key \t caption`, Oscar's pretraining corpus),
  /// `*.caption.tsv` (`key \t [{"caption": ...}, ...]` or `key \t caption`), or a caption JSON
  /// (`train_caption.json`: `[{"image_id": ..., "caption": ...}]`, VinVL's captioning files).
  /// Empty captions and malformed rows are reported and left out.
  static func read(_ path: String, log: inout ProblemLog) throws -> [OscarCaption] {
    if path.hasSuffix(".json") { return try readJSON(path, &log) }
    var captions: [OscarCaption] = []
    let lines = try TextTSV.lines(path, &log)
    let width = lines.first.map { TextTSV.columns($0).count } ?? 3
    if width == 3 {
      for row in try readCorpus(path, log: &log) {
        captions.append(
          OscarCaption(
            key: row.imageKey, imageID: row.imageKey, text: row.caption, file: path,
            line: row.line))
      }
      return captions
    }
    for line in lines {
      let fields = TextTSV.columns(line)
      guard TextTSV.hasColumns(fields, ["image_key", "captions"], path, line, &log) else {
        continue
      }
      let key = String(fields[0])
      var texts: [String] = []
      if fields[1].hasPrefix("[") {
        guard let json = try? JSONText.parse(Data(fields[1].utf8), file: path, line: line.number),
          let list = json as? [Any]
        else {
          log.report(file: path, line: line.number, "expected a JSON list of captions")
          continue
        }
        for entry in list {
          texts.append(
            ((entry as? [String: Any])?["caption"] as? String) ?? (entry as? String) ?? "")
        }
      } else {
        texts = [String(fields[1])]
      }
      for (index, text) in texts.enumerated() {
        let field = texts.count > 1 ? "captions[\(index)]" : "captions"
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
          log.report(file: path, line: line.number, field: field, "empty caption")
          continue
        }
        captions.append(
          OscarCaption(key: key, imageID: key, text: text, file: path, line: line.number))
      }
    }
    return captions
  }

  /// Oscar's pretraining corpus: `img_key \t label_key \t caption`.
  static func readCorpus(_ path: String, log: inout ProblemLog) throws -> [OscarCorpusRow] {
    var rows: [OscarCorpusRow] = []
    for line in try TextTSV.lines(path, &log) {
      let fields = TextTSV.columns(line)
      guard TextTSV.hasColumns(fields, ["img_key", "label_key", "caption"], path, line, &log) else {
        continue
      }
      guard !fields[0].isEmpty, !fields[1].isEmpty else {
        log.report(file: path, line: line.number, "empty img_key or label_key")
        continue
      }
      guard !fields[2].trimmingCharacters(in: .whitespaces).isEmpty else {
        log.report(file: path, line: line.number, field: "caption", "empty caption")
        continue
      }
      rows.append(
        OscarCorpusRow(
          line: line.number, imageKey: String(fields[0]), labelKey: String(fields[1]),
          caption: String(fields[2])))
    }
    return rows
  }

  private static func readJSON(_ path: String, _ log: inout ProblemLog) throws -> [OscarCaption] {
    let json: Any
    do {
      json = try JSONText.parse(try TextFile.read(path), file: path)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return []
    }
    guard let list = json as? [Any] else {
      log.report(file: path, "expected a JSON list of {\"image_id\", \"caption\"}")
      return []
    }
    var captions: [OscarCaption] = []
    for (index, element) in list.enumerated() {
      let entry = element as? [String: Any]
      let key =
        (entry?["image_id"] as? String) ?? JSONText.integer(entry?["image_id"]).map(String.init)
      guard let key else {
        log.report(file: path, field: "[\(index)].image_id", "expected a string or a whole number")
        continue
      }
      guard let text = entry?["caption"] as? String else {
        log.report(file: path, field: "[\(index)].caption", "expected a string")
        continue
      }
      guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
        log.report(file: path, field: "[\(index)].caption", "empty caption")
        continue
      }
      captions.append(
        OscarCaption(key: key, imageID: key, text: text, file: path, field: "[\(index)].caption"))
    }
    return captions
  }
}
