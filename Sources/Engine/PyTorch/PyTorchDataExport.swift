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
/// The Oscar family adds the texts its batches are built from (PyTorchOscarDataExport), a
/// session training MRC-kl the detector's class distributions `region_distributions` (N, R, C),
/// and one training CMCL the rewritten captions (PyTorchRewritesExport).
/// A session on region folders (oscar-tsv) has no `image_values` and `image_mask`: the trainer
/// reads them from the feature TSVs, at `feature_file` / `feature_row` (PyTorchRegionFiles).
enum PyTorchDataExport {
  /// The most image values written (2^28 floats, 1 GiB); region folders are read from their
  /// own files instead.
  static let valueLimit = 1 << 28

  static func file(
    _ data: PretrainingData, objectives: ObjectiveConfiguration, seed: UInt64, variant: String
  ) throws -> SafeTensorsFile {
    let regionFiles = data.corpus as? RegionCorpus
    let model = data.model
    let rows = data.trainIndices + data.cleanTestIndices
    let regions = model.family == .oscar || model.imageInput == .regions
    var tensors = try imageTensors(
      data, rows: rows, objectives: objectives, variant: variant, values: regionFiles == nil)
    let sequences = data.captionSequences(rows)
    let length = sequences.map(\.count).max() ?? 0
    var ids = [Float](repeating: Float(data.vocabulary.padID), count: rows.count * length)
    for (b, sequence) in sequences.enumerated() {
      for (t, id) in sequence.enumerated() { ids[b * length + t] = Float(id) }
    }
    let n = rows.count
    tensors += [
      NamedArray(name: "text_ids", shape: [n, length], values: ids),
      NamedArray(name: "text_length", shape: [n], values: sequences.map { Float($0.count) }),
      NamedArray(name: "image_key", shape: [n], values: rows.map { Float(data.corpus.imageKey($0)) }),
      NamedArray(name: "pair_index", shape: [n], values: rows.map(Float.init)),
      NamedArray(
        name: "continues_word", shape: [data.vocabularySize],
        values: (0..<data.vocabularySize).map { data.vocabulary.continuesWord($0) ? 1 : 0 }),
    ]
    if let regionFiles, regions {
      tensors += try PyTorchRegionFiles.rowTensors(regionFiles, rows: rows, variant: variant)
    }
    if model.family == .oscar { tensors += PyTorchOscarDataExport.texts(data, rows: rows) }
    if objectives.cmcl > 0 { tensors += try PyTorchRewritesExport.tensors(data, seed: seed) }
    return SafeTensorsFile(
      tensors: tensors,
      metadata: ["format": "vlp-pytorch-data-1", "train": String(data.trainIndices.count)])
  }

  /// `region_count`, with regions `region_labels` (and `region_distributions` for MRC-kl), and
  /// with `values` the image inputs themselves (`image_values`, regions `image_mask`).
  static func imageTensors(
    _ data: PretrainingData, rows: [Int], objectives: ObjectiveConfiguration, variant: String,
    values writesValues: Bool
  ) throws -> [NamedArray] {
    let model = data.model
    let regions = model.family == .oscar || model.imageInput == .regions
    let (slots, width) = regions
      ? (model.maximumRegions, data.regionInputSize) : (model.patchCount, model.patchValues)
    let distributions = regions && objectives.mrcKL > 0
      && data.corpus.features.contains(.detectorDistributions)
    let classes = data.corpus.classNames.count
    let perRow = slots * ((writesValues ? width : 0) + (distributions ? classes : 0))
    let (total, overflow) = rows.count.multipliedReportingOverflow(by: perRow)
    guard !overflow, total <= valueLimit else {
      throw PyTorchExchangeError.unsupported(
        variant: variant,
        detail: "its \(rows.count) pairs of \(perRow) image values each exceed the "
          + "\(valueLimit) values data.safetensors holds (docs/scale-out.md)")
    }
    var values: [Float] = []
    var mask: [Float] = []
    if writesValues { values.reserveCapacity(total) }
    var counts: [Float] = []
    var labels: [Float] = []
    var soft: [Float] = []
    var classesOfImage: [Int: (count: Int, labels: [Float])] = [:]
    for start in stride(from: 0, to: rows.count, by: 256) {
      let chunk = Array(rows[start..<min(rows.count, start + 256)])
      if writesValues && regions {
        let (chunkValues, chunkMask) = try data.regions(chunk)
        values += chunkValues.scalars
        mask += chunkMask.scalars
      } else if writesValues {
        values += try data.patches(chunk).scalars
      }
      for index in chunk {
        guard regions else {
          counts.append(Float(slots))
          continue
        }
        // The captions of one image share its row: decode it once (a VinVL row is 400 KB).
        let key = data.corpus.imageKey(index)
        let seen = distributions ? nil : classesOfImage[key]
        var set: CorpusRegions?
        if seen == nil { set = try data.corpus.regions(index, distributions: distributions) }
        let count = seen?.count ?? min(slots, set!.count)
        let rowLabels = seen?.labels
          ?? (0..<slots).map { $0 < set!.labels.count ? Float(set!.labels[$0]) : -1 }
        if seen == nil && !distributions { classesOfImage[key] = (count, rowLabels) }
        counts.append(Float(count))
        labels += rowLabels
        if let set, distributions {
          var row = [Float](repeating: 0, count: slots * classes)
          let given = set.distributions ?? []
          let filled = min(row.count, given.count, min(slots, set.count) * classes)
          row.replaceSubrange(0..<filled, with: given[0..<filled])
          soft += row
        }
      }
    }
    let n = rows.count
    var tensors = [NamedArray(name: "region_count", shape: [n], values: counts)]
    if writesValues {
      tensors.append(NamedArray(name: "image_values", shape: [n, slots, width], values: values))
      if regions { tensors.append(NamedArray(name: "image_mask", shape: [n, slots], values: mask)) }
    }
    if regions {
      tensors.append(NamedArray(name: "region_labels", shape: [n, slots], values: labels))
    }
    if distributions {
      tensors.append(
        NamedArray(name: "region_distributions", shape: [n, slots, classes], values: soft))
    }
    return tensors
  }
}
