import NN
import VLP

/// A session on Oscar / VinVL region folders (data.source oscar-tsv) does not copy its regions
/// into `data.safetensors` (VinVL's COCO split alone is 50 regions of 2,054 values for each of
/// 600,000 pairs): the trainer reads each pair's row from the feature TSV itself
/// (trainer/regionfiles.py), by the `.lineidx` vlp keeps or one scan of the file, and decodes
/// VinVL's base64 float32 as vlp does. The export writes what is small: the pairs vlp selected,
/// in vlp's order, their captions and tag texts tokenised (PyTorchOscarDataExport), region
/// counts and classes, and where each pair's row is (`feature_file`, `feature_row`); config.json's
/// `data` names every feature file by its absolute path. docs/scale-out.md, "Real data".
enum PyTorchRegionFiles {
  /// Feature rows are float32 in data.safetensors: exact below 2^24.
  static let rowLimit = 1 << 24

  static func reads(_ data: DataConfiguration) -> Bool { data.source == .oscarTSV }

  /// config.json's `data`: the source, the split folders (absolute), and per feature TSV its
  /// absolute path, the line index vlp read or wrote (absent when it kept one in memory), its
  /// row count and its floats per region (features and the 6 box values).
  static func section(_ data: DataConfiguration, corpus: RegionCorpus) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [("source", .string(data.source.rawValue))]
    for key in [DataConfiguration.CodingKeys.train, .test] {
      if let path = data.path(key) { members.append((key.rawValue, .string(PyTorchRealData.absolute(path)))) }
    }
    let files: [JSONValue] = corpus.featureFiles.map { file in
      var entry: [(key: String, value: JSONValue)] = [
        ("path", .string(PyTorchRealData.absolute(file.path))), ("rows", .integer(file.rowCount)),
        ("width", .integer(file.dimension ?? corpus.regionFeatureDimension + 6)),
      ]
      if let index = file.table.indexStatus.path {
        entry.append(("lineIndex", .string(PyTorchRealData.absolute(index))))
      }
      return .object(entry)
    }
    members += [
      ("featureFiles", .array(files)), ("skipInvalid", .integer(data.skipInvalid ? 1 : 0)),
    ]
    return .object(members)
  }

  /// `feature_file` (N) and `feature_row` (N) of `rows`.
  static func rowTensors(_ corpus: RegionCorpus, rows: [Int], variant: String) throws -> [NamedArray] {
    var files: [Float] = []
    var lines: [Float] = []
    for pair in rows {
      guard let (file, row) = corpus.featureRow(pair) else {
        throw PyTorchExchangeError.unsupported(
          variant: variant, detail: "pair \(pair) has no feature row (the data changed while exporting)")
      }
      guard row < rowLimit else {
        throw PyTorchExchangeError.unsupported(
          variant: variant,
          detail: "\(corpus.featureFiles[file].path) has more than \(rowLimit) rows, more than "
            + "data.safetensors records exactly: split the folder")
      }
      files.append(Float(file))
      lines.append(Float(row))
    }
    return [
      NamedArray(name: "feature_file", shape: [rows.count], values: files),
      NamedArray(name: "feature_row", shape: [rows.count], values: lines),
    ]
  }
}
