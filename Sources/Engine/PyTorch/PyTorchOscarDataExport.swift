import NN
import VLP

/// The texts an Oscar batch is built from, in `data.safetensors`: every pair's caption (text_a)
/// and tag text (text_b) as the tokenizer encodes them, untruncated and without special tokens.
/// The PyTorch trainer pollutes, truncates (Tokenizer.encodePair's rule), joins them as
/// `[CLS] a [SEP] b [SEP]` and masks them itself, draw for draw as `PretrainingData.oscarBatch`
/// (trainer/data.py, `make_oscar_batch`). Rows as the other tensors: training split, then the
/// held-out pairs. Ids are float32 (exact below 2^24), padded with -1.
///
/// | tensor          | shape   | holds                                                    |
/// |-----------------|---------|----------------------------------------------------------|
/// | `caption_ids`   | (N, Lc) | the caption's word pieces                                |
/// | `caption_count` | (N)     | how many                                                 |
/// | `tag_ids`       | (N, Lt) | the tag text's word pieces                               |
/// | `tag_count`     | (N)     | how many                                                 |
/// | `has_tags`      | (N)     | 1 when the tag text is not empty (what pollution checks) |
enum PyTorchOscarDataExport {
  static func texts(_ data: PretrainingData, rows: [Int]) -> [NamedArray] {
    let captions = rows.map { data.tokenizer.encode(data.captionText($0)) }
    let tagTexts = rows.map { data.tagText($0) }
    let tags = tagTexts.map { data.tokenizer.encode($0) }
    return padded("caption", captions) + padded("tag", tags) + [
      NamedArray(name: "has_tags", shape: [rows.count], values: tagTexts.map { $0.isEmpty ? 0 : 1 })
    ]
  }

  /// `NAME_ids` (N, L) padded with -1 and `NAME_count` (N); L is at least 1.
  static func padded(_ name: String, _ sequences: [[Int]]) -> [NamedArray] {
    let length = max(1, sequences.map(\.count).max() ?? 0)
    var ids = [Float](repeating: -1, count: sequences.count * length)
    for (row, sequence) in sequences.enumerated() {
      for (t, id) in sequence.enumerated() { ids[row * length + t] = Float(id) }
    }
    return [
      NamedArray(name: "\(name)_ids", shape: [sequences.count, length], values: ids),
      NamedArray(
        name: "\(name)_count", shape: [sequences.count], values: sequences.map { Float($0.count) }),
    ]
  }
}
