/// What the ITM re-ranking of the ITC top k (`evaluation.rerank`) sorts the candidates by
/// (`evaluation.rerankScore`, docs/objectives.md "ITM"). Candidates outside the top k stay below
/// every re-scored one in every mode.
public enum RerankScore: String, Sendable, Equatable, CaseIterable, Codable {
  /// The ITM head alone, as ALBEF's Retrieval.py ranks (it takes the "matched" logit; we take
  /// the log-odds, logit 1 − logit 0, which a shift common to both logits cannot change).
  case itm
  /// BLIP's train_retrieval.py: the ITM score plus the cosine similarity of the ITC embeddings,
  /// so ITC breaks the ties of a head that is sure of several candidates.
  case itmPlusITC = "itm+itc"
  /// The ITM log-odds plus the ITC logit (cosine / τ): the sum of the two heads' log-odds
  /// scales, so the head that is surer of a candidate decides its place.
  case itmPlusITCLogit = "itm+itcLogit"

  /// The candidate's score from its ITM log-odds and its ITC cosine similarity.
  func combined(matching: Float, similarity: Float, temperature: Float) -> Float {
    switch self {
    case .itm: matching
    case .itmPlusITC: matching + similarity
    case .itmPlusITCLogit: matching + similarity / temperature
    }
  }
}
