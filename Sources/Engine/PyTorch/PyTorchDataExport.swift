import NN
import VLP

/// `data.safetensors` of an exported variant: the pairs it trains on (the training split, in
/// vlp's order, then the held-out pairs vlp scores retrieval on), tokenised as vlp tokenises
/// them and with the image inputs its encoder reads, so that the PyTorch trainer cuts and masks
/// the same batches (trainer/data.py). Every tensor is float32 (ids are exact below 2^24):
///
/// | tensor           | shape       | holds                                                   |
/// |------------------|-------------|---------------------------------------------------------|
/// | `text_ids`       | (N, T)      | `[CLS] caption [SEP]`, padded with [PAD]                 |
/// | `text_length`    | (N)         | tokens before the padding                               |
/// | `image_values`   | (N, R, W)   | region inputs (feature and box) or patches (N, P, 3·p·p) |
/// | `image_mask`     | (N, R)      | 1 = a real region (regions only)                        |
/// | `region_count`   | (N)         | regions the pair has (MVM masks among them)             |
/// | `region_labels`  | (N, R)      | the detector's class of each region (regions only)      |
/// | `image_key`      | (N)         | the pair's image (captions of one image share it)       |
/// | `pair_index`     | (N)         | the pair's index in vlp's corpus                        |
/// | `continues_word` | (V)         | 1 for a `##` piece (whole-word masking)                  |
///
/// The Oscar family adds the texts its batches are built from (PyTorchOscarDataExport), and a
/// session training MRC-kl the detector's class distributions `region_distributions` (N, R, C).
enum PyTorchDataExport {
  /// The most values written (2^28 floats, 1 GiB): beyond it a real data set is better read from
  /// its own files, which this trainer does not do yet.
  static let valueLimit = 1 << 28

  static func file(
    _ data: PretrainingData, objectives: ObjectiveConfiguration, variant: String
  ) throws -> SafeTensorsFile {
    let model = data.model
    let rows = data.trainIndices + data.cleanTestIndices
    let regions = model.family == .oscar || model.imageInput == .regions
    let (slots, width) = regions
      ? (model.maximumRegions, data.regionInputSize) : (model.patchCount, model.patchValues)
    let distributions = regions && objectives.mrcKL > 0
      && data.corpus.features.contains(.detectorDistributions)
    let classes = data.corpus.classNames.count
    let perRow = slots * (width + (distributions ? classes : 0))
    let (total, overflow) = rows.count.multipliedReportingOverflow(by: perRow)
    guard !overflow, total <= valueLimit else {
      throw PyTorchExchangeError.unsupported(
        variant: variant,
        detail: "its \(rows.count) pairs of \(perRow) image values each exceed the "
          + "\(valueLimit) values data.safetensors holds, and the trainer does not read data sets "
          + "from their own files yet (docs/scale-out.md)")
    }
    let sequences = data.captionSequences(rows)
    let length = sequences.map(\.count).max() ?? 0
    var ids = [Float](repeating: Float(data.vocabulary.padID), count: rows.count * length)
    for (b, sequence) in sequences.enumerated() {
      for (t, id) in sequence.enumerated() { ids[b * length + t] = Float(id) }
    }
    var values: [Float] = []
    var mask: [Float] = []
    values.reserveCapacity(total)
    var counts: [Float] = []
    var labels: [Float] = []
    var soft: [Float] = []
    for start in stride(from: 0, to: rows.count, by: 256) {
      let chunk = Array(rows[start..<min(rows.count, start + 256)])
      if regions {
        let (chunkValues, chunkMask) = try data.regions(chunk)
        values += chunkValues.scalars
        mask += chunkMask.scalars
      } else {
        values += try data.patches(chunk).scalars
      }
      for index in chunk {
        guard regions else {
          counts.append(Float(slots))
          continue
        }
        let set = try data.corpus.regions(index, distributions: distributions)
        counts.append(Float(min(slots, set.count)))
        labels += (0..<slots).map { $0 < set.labels.count ? Float(set.labels[$0]) : -1 }
        if distributions {
          var row = [Float](repeating: 0, count: slots * classes)
          let given = set.distributions ?? []
          let filled = min(row.count, given.count, min(slots, set.count) * classes)
          row.replaceSubrange(0..<filled, with: given[0..<filled])
          soft += row
        }
      }
    }
    let n = rows.count
    var tensors = [
      NamedArray(name: "text_ids", shape: [n, length], values: ids),
      NamedArray(name: "text_length", shape: [n], values: sequences.map { Float($0.count) }),
      NamedArray(name: "image_values", shape: [n, slots, width], values: values),
      NamedArray(name: "region_count", shape: [n], values: counts),
      NamedArray(name: "image_key", shape: [n], values: rows.map { Float(data.corpus.imageKey($0)) }),
      NamedArray(name: "pair_index", shape: [n], values: rows.map(Float.init)),
      NamedArray(
        name: "continues_word", shape: [data.vocabularySize],
        values: (0..<data.vocabularySize).map { data.vocabulary.continuesWord($0) ? 1 : 0 }),
    ]
    if regions {
      tensors.append(NamedArray(name: "image_mask", shape: [n, slots], values: mask))
      tensors.append(NamedArray(name: "region_labels", shape: [n, slots], values: labels))
    }
    if distributions {
      tensors.append(
        NamedArray(name: "region_distributions", shape: [n, slots, classes], values: soft))
    }
    if model.family == .oscar { tensors += PyTorchOscarDataExport.texts(data, rows: rows) }
    return SafeTensorsFile(
      tensors: tensors,
      metadata: ["format": "vlp-pytorch-data-1", "train": String(data.trainIndices.count)])
  }
}
