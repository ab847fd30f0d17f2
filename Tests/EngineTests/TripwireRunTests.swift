import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// The NaN tripwire end to end, through the real `vlp run`: a gradient poisoned at step 5 of
/// the second of three variants (`VLP_FAULT_GRADIENT`, docs/reliability.md) stops the run with
/// status 1 naming the variant, the parameter and the step, and leaves every variant at the
/// same last good step and checkpoint, from which the next run resumes.
@Suite(.serialized) struct TripwireRunTests {
  @Test func aPoisonedGradientInTheSecondOfThreeVariantsStopsVlpRunWithAllAtOneStep() throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let template = try work.sessions.make("template-lockstep", extra: [
      #""checkpoints": {"every": 3, "keep": 2}"#,
      #""variants": [{"name": "a", "set": {}}, {"name": "b", "set": {}}, {"name": "c", "set": {}}]"#,
    ])
    let folder = try SessionFolder(name: "lockstep", root: work.directory.appendingPathComponent("sessions"))
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: template.sessionFile, to: folder.sessionFile)

    let failed = try ChildProcess.run(
      // No evaluation, whose first result would save a checkpoint at step 4 as the best so far.
      ["run", "lockstep", "--steps", "8", "--set", "evaluation.every=0"], in: work.directory,
      environment: ["VLP_FAULT_GRADIENT": "b:5"])
    #expect(failed.status == 1, "\(failed.output)\n\(failed.error)")
    // The message names the variant, the first parameter of the optimiser and the step.
    let message = failed.error
    let named = message.firstMatch(of: /the gradient of (\S+) is not finite in variant b at step 5/)
    #expect(named != nil && !(named?.1.isEmpty ?? true), "\(message)")
    #expect(message.contains("every loss is finite"), "\(message)")
    #expect(message.contains("the last good checkpoint is step 3"), "\(message)")

    let records = try metrics(folder)
    let store = CheckpointStore(folder: folder, keep: 2)
    for variant in ["a", "b", "c"] {
      #expect(records.filter { $0.variant == variant }.map(\.step) == [1, 2, 3, 4], "\(variant)")
      #expect(store.steps(variant: variant) == [3], "\(variant)")
    }
    #expect(temporaries(under: folder.url).isEmpty)

    // Without the fault the next run resumes from the common checkpoint and reaches the target.
    let resumed = try ChildProcess.run(
      ["run", "lockstep", "--steps", "6", "--set", "evaluation.every=0"], in: work.directory)
    #expect(resumed.status == 0, "\(resumed.error)")
    for variant in ["a", "b", "c"] { #expect(store.steps(variant: variant).last == 6, "\(variant)") }
  }

  @Test func theFaultSettingIsParsedStrictly() {
    #expect(GradientFaultPoint.parse("b:5") == .init(variant: "b", step: 5))
    for text in [nil, "", "b", "b:0", "b:-1", ":5", "b:5:6", "b:x"] {
      #expect(GradientFaultPoint.parse(text) == nil, "\(text ?? "nil")")
    }
  }
}
