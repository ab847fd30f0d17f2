import Tensor

/// Oscar's polluted-tag contrastive loss (run_oscarplus_pretrain.py, vanilla mode; see
/// docs/objectives.md): the pooled [CLS] state classifies each sequence as matched (0), tags
/// polluted (1) or, with Oscar+'s caption pollution, caption polluted (2).
///
/// ```
/// L_con = mean_b CE(head(pooled [CLS]_b), label_b)
/// ```
public enum PollutedTagContrastive {
  /// logits (B, classes) of the contrastive head, labels (B) from the batch's pollution.
  public static func loss(logits: Tensor, labels: [Int]) throws -> Tensor {
    try Tensor.crossEntropy(logits: logits, targets: IndexTensor(labels))
  }
}
