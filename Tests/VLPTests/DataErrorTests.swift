import Testing

@testable import VLP

@Suite struct DataErrorTests {
  @Test func problemsReadLikeCompilerDiagnostics() {
    let problem = DataProblem(
      file: "features.tsv", line: 7, field: "num_boxes", reason: "expected 3")
    #expect(problem.description == "features.tsv:7: num_boxes: expected 3")
    var log = ProblemLog(limit: 2)
    for line in 1...5 { log.report(file: "a.tsv", line: line, "bad") }
    #expect(log.total == 5 && log.problems.count == 2)
    #expect(throws: DataError.self) { try log.throwIfAny() }
    #expect(ProblemLog().isEmpty)
  }
}
