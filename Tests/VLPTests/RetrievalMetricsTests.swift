import Testing

@testable import VLP

@Suite struct RetrievalMetricsTests {
  @Test func recallsFromAHandMadeMatrix() {
    // Rows are images. Image 0 ranks its text first, image 1 second, image 2 third.
    let scores: [Float] = [
      0.9, 0.1, 0.0,
      0.8, 0.5, 0.1,
      0.7, 0.6, 0.2,
    ]
    let result = RetrievalMetrics.compute(scores: scores, count: 3) { $0 == $1 }
    #expect(result.imageToText == [1 / 3, 1, 1])
    // Text queries (columns): text 0 → image 0 best (0.9): rank 0; text 1 → images 2 (0.6) above
    // 1 (0.5): rank 1; text 2 → image 2 (0.2) best: rank 0.
    #expect(result.textToImage == [2 / 3, 1, 1])
  }

  @Test func tiesCountAgainstTheQueryAndDuplicatesCountAsCorrect() {
    let constant = [Float](repeating: 1, count: 100)
    let result = RetrievalMetrics.compute(scores: constant, count: 10) { $0 == $1 }
    #expect(result.imageToText == [0, 0, 1])  // rank 9 of 10: only R@10 counts it
    let duplicates = RetrievalMetrics.compute(scores: [0, 1, 1, 0], count: 2) { _, _ in true }
    #expect(duplicates.imageToText == [1, 1, 1])
  }

  @Test func tokenAccuracyCountsTopOneAndTopFive() {
    let logits: [Float] = [0, 5, 1, 2, 3, 4, 9, 8, 7, 6, 0, 1]
    // Row 0 (6 classes): target 1 is the maximum. Row 1: target 4 (value 0) ranks last of 6.
    let counts = TokenAccuracy.counts(logits: logits, classes: 6, targets: [1, 4])
    #expect(counts.top1 == 1)
    #expect(counts.top5 == 1)
  }
}
