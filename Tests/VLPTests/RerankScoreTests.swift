import Foundation
import Testing

@testable import VLP

/// `evaluation.rerankScore`: what the ITM re-ranking of the ITC top k sorts by (ALBEF's ITM
/// alone, BLIP's ITM plus the ITC cosine, or ITM plus the ITC logit).
@Suite struct RerankScoreTests {
  @Test func eachRuleAddsWhatItsReferenceAdds() {
    #expect(RerankScore.itm.combined(matching: 1.5, similarity: 0.4, temperature: 0.1) == 1.5)
    #expect(RerankScore.itmPlusITC.combined(matching: 1.5, similarity: 0.4, temperature: 0.1) == 1.9)
    #expect(abs(RerankScore.itmPlusITCLogit.combined(matching: 1.5, similarity: 0.4, temperature: 0.1) - 5.5) < 1e-6)
  }

  @Test func theSettingDecodesStrictlyAndDefaultsToALBEFs() throws {
    #expect(EvaluationConfiguration().rerankScore == .itm)
    let blip = try PretrainingConfiguration.decode(["evaluation": ["rerankScore": "itm+itc"]])
    #expect(blip.evaluation.rerankScore == .itmPlusITC)
    let logit = try PretrainingConfiguration.decode(["evaluation": ["rerankScore": "itm+itcLogit"]])
    #expect(logit.evaluation.rerankScore == .itmPlusITCLogit)
    #expect {
      _ = try PretrainingConfiguration.decode(["evaluation": ["rerankScore": "itc"]])
    } throws: { "\($0)".contains("evaluation.rerankScore") }
  }

  /// With an ITM head that cannot tell any pair from another (all weights 0: log-odds 0 for
  /// every candidate), ITM plus ITC keeps ITC's order inside the top k, so the re-ranked recalls
  /// are ITC's own; ITM alone ties every candidate and loses it.
  @Test func withAnIndifferentITMHeadTheSumsKeepITCsRanking() throws {
    var c = PretrainerFixtures.configuration(.albef)
    c.evaluation.retrievalPairs = 40
    c.evaluation.rerank = 8
    let trainer = try Pretrainer(configuration: c)
    for _ in 0..<20 { try trainer.trainStep() }
    guard case .albef(let model) = trainer.family.model else { Issue.record("not ALBEF"); return }
    for tensor in [model.itmHead.weight, model.itmHead.bias!] {
      for index in 0..<tensor.count { tensor.storage.pointer[index] = 0 }
    }
    var reports: [RerankScore: EvaluationReport] = [:]
    for rule in RerankScore.allCases {
      var rerun = c
      rerun.evaluation.rerankScore = rule
      let evaluator = try Pretrainer(configuration: rerun, data: trainer.data)
      try evaluator.restore(from: trainer.checkpoint())
      reports[rule] = try evaluator.evaluate()
    }
    for rule in [RerankScore.itmPlusITC, .itmPlusITCLogit] {
      let report = try #require(reports[rule])
      // R@1 and R@5 lie inside the top 8; R@10 reaches below it, where no rule re-scores.
      let itc = try #require(report.contrastiveRetrieval)
      #expect(report.retrieval.imageToText.prefix(2) == itc.imageToText.prefix(2), "\(rule)")
      #expect(report.retrieval.textToImage.prefix(2) == itc.textToImage.prefix(2), "\(rule)")
      #expect(report.retrievalScore == "itc+itm(8, \(rule.rawValue))")
    }
    let alone = try #require(reports[.itm])
    #expect(alone.retrievalScore == "itc+itm(8)")
    let itc = try #require(alone.contrastiveRetrieval)
    // ITC has learnt something in 20 steps, and ties by ITM alone throw it away.
    #expect(itc.imageToText[0] > 1.0 / 40 && alone.retrieval.imageToText[0] < itc.imageToText[0], "\(itc) \(alone.retrieval)")
  }
}
