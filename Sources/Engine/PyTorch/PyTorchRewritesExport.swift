import NN
import Tensor
import VLP

/// CMCL's rewritten captions (UNIMO) for the PyTorch trainer. vlp rewrites a batch's captions
/// from the world's scene graphs each step (`PretrainingData.contrastiveRewrites`: a paraphrase
/// and a retrieved caption as positives, a scene-graph rewrite as the hard negative); the
/// trainer has no scene graphs, so the export draws `draws` such sets per training pair with
/// vlp's own code, and the trainer picks one set per pair and step from the rewriting stream
/// (trainer/data.py, `draw_rewrites`). Rows follow the training split; each pair has
/// `draws` x 3 slots, each draw's rewrites in vlp's order (paraphrase, retrieved, hard
/// negative; what a caption has none of is left out, and the slots after the last are empty):
///
/// | tensor             | shape          | holds                                            |
/// |--------------------|----------------|--------------------------------------------------|
/// | `rewrite_ids`      | (N·draws·3, L) | `[CLS] text [SEP]`, padded with -1                |
/// | `rewrite_count`    | (N·draws·3)    | its length (0: no rewrite of that kind)           |
/// | `rewrite_positive` | (N·draws·3)    | 1 for a positive of its pair, 0 a hard negative   |
enum PyTorchRewritesExport {
  static let draws = 4
  static let slotsPerDraw = 3

  static func tensors(_ data: PretrainingData, seed: UInt64) throws -> [NamedArray] {
    var sequences: [[Int]] = []
    var positive: [Float] = []
    for pair in data.trainIndices {
      let pairSeed = StreamSeed.derive(seed, stream: .rewriting, index: pair)
      for draw in 0..<draws {
        var random = RandomGenerator(seed: StreamSeed.derive(pairSeed, stream: .rewriting, index: draw))
        let rewrites = try data.contrastiveRewrites([pair], random: &random)
        let encoded = data.captionSequences(
          Array(repeating: pair, count: rewrites.texts.count), captions: rewrites.texts)
        // At most 3 (a caption may have no paraphrase, retrieved caption or negative): kept
        // in vlp's order, the slots after them empty.
        for slot in 0..<slotsPerDraw {
          sequences.append(slot < encoded.count ? encoded[slot] : [])
          positive.append(slot < encoded.count && rewrites.isPositive[slot] ? 1 : 0)
        }
      }
    }
    return PyTorchOscarDataExport.padded("rewrite", sequences) + [
      NamedArray(name: "rewrite_positive", shape: [positive.count], values: positive)
    ]
  }
}
