import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// The exported PyTorch trainer against vlp (needs a python with torch: VLP_PYTHON or python3;
/// skipped otherwise). docs/scale-out.md records the figures.
@Suite(.serialized, .enabled(if: TorchPython.available))
struct PyTorchParityTests {
  /// Same weights, batch, masks and negatives: every loss within 1e-4 and every gradient within
  /// 1e-3 (relative), for pre-norm with regions and MRFR, and for post-norm with patches, an
  /// untied MLM head and smooth-L1 patch regression.
  /// ALBEF with WRA (IPOT on ITM's pairs) and PrefixLM; with CMCL (UNIMO's rewrites) and WRA, as
  /// sessions/alignment's `both`. Oscar: post-norm with Oscar+'s caption pollution (3 classes) and MRFR, MRC, MRC-kl; pre-norm
  /// with an untied MLM head, vanilla pollution (2 classes), smooth-L1 regression and
  /// `untaggedPollution` matched on a session without tags.
  @Test(arguments: [
    PyTorchSessions.json(),
    PyTorchSessions.json(
      seed: 9, model: #", "normalization": "post", "imageInput": "patches", "tieMLMHead": false"#,
      objectives: #", "mrfr": 0, "mpr": 1, "regressionLoss": "smooth-l1""#),
    PyTorchSessions.json(seed: 11, objectives: #", "mrfr": 0, "wra": 0.5, "prefixLM": 1"#),
    PyTorchSessions.json(seed: 13, objectives: #", "mrfr": 0, "cmcl": 1, "wra": 0.1"#),
    PyTorchSessions.oscarJSON(model: #", "normalization": "post""#),
    PyTorchSessions.oscarJSON(
      seed: 9, model: #", "normalization": "pre", "tieMLMHead": false"#,
      objectives: #", "mrc": 0, "mrcKL": 0, "regressionLoss": "smooth-l1", "untaggedPollution": "matched""#,
      tags: "none"),
  ])
  func lossesAndGradientsMatch(session: String) throws {
    let directory = try TemporaryDirectory("parity")
    defer { directory.remove() }
    try PyTorchParityFixture.write(
      configuration: PyTorchSessions.configuration(session), warmup: 3, to: directory.url)
    let trainer = try PyTorchTrainerFiles.folder()
    let result = TorchPython.python(
      [trainer.appendingPathComponent("parity.py").path, directory.url.path], in: directory.url)
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output.contains("parity: ok"))
    print(result.output)  // the figures docs/scale-out.md records
  }

  /// 50 steps from the same initial weights on one process, dropout off: the same batches,
  /// masks and negatives, so step 1 agrees to 1e-4 and every step's total within 2%; both learn.
  /// `fall`: the mean of the last 10 totals under this fraction of the first 10's (ALBEF's total
  /// falls 40% in 50 steps; Oscar's, dominated by the region classification losses, 8%).
  @Test(arguments: [(PyTorchSessions.json(), 0.9), (PyTorchSessions.oscarJSON(), 0.95)])
  func fiftyStepCurvesMatch(json: String, fall: Double) throws {
    let directory = try TemporaryDirectory("curves")
    defer { directory.remove() }
    let folder = try PyTorchSessions.folder(json, name: "curves", root: directory.url)
    let out = directory.url.appendingPathComponent("export")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)

    let vlp = try Pretrainer(configuration: PyTorchSessions.configuration(json))
    let reports = try (0..<50).map { _ in try vlp.trainStep() }
    let run = TorchPython.python(
      ["train.py", "--out", "runs/main", "--steps", "50", "--threads", "1"], in: out)
    try #require(run.status == 0, "\(run.output)")
    let log = try trainerLog(out.appendingPathComponent("runs/main/log.jsonl"))
    try #require(log.count == 50)
    for (report, line) in zip(reports, log) {
      let relative = abs(line.loss - Double(report.total)) / Double(report.total)
      #expect(relative <= (line.step == 1 ? 1e-4 : 0.02), "step \(line.step): pytorch \(line.loss), vlp \(report.total)")
    }
    var worst = 0.0
    for (report, line) in zip(reports, log) {
      worst = max(worst, abs(line.loss - Double(report.total)) / Double(report.total))
    }
    print("50 steps: worst relative difference of the total \(worst); vlp \(reports.first!.total) → \(reports.last!.total), pytorch \(log.first!.loss) → \(log.last!.loss)")
    let first: Double = log.prefix(10).map(\.loss).reduce(0, +)
    let last: Double = log.suffix(10).map(\.loss).reduce(0, +)
    let vlpFirst: Float = reports.prefix(10).map(\.total).reduce(0, +)
    let vlpLast: Float = reports.suffix(10).map(\.total).reduce(0, +)
    #expect(last < first * fall)
    #expect(Double(vlpLast) < Double(vlpFirst) * fall)
  }

  /// torchrun with 2 CPU processes (gloo), 30 steps: the loss falls, the run imports back into
  /// vlp, and vlp's retrieval on the imported checkpoint equals the run's own.
  @Test(arguments: [PyTorchSessions.json(steps: 30), PyTorchSessions.oscarJSON(steps: 30)])
  func distributedRunImportsBack(json: String) throws {
    let directory = try TemporaryDirectory("ddp")
    defer { directory.remove() }
    let folder = try PyTorchSessions.folder(json, name: "ddp", root: directory.url)
    let out = directory.url.appendingPathComponent("export")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let run = TorchPython.python(
      [
        "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "train.py",
        "--out", "runs/main", "--threads", "1", "--eval-every", "30", "--checkpoint-every", "15",
      ], in: out)
    try #require(run.status == 0, "\(run.output)")
    let log = try trainerLog(out.appendingPathComponent("runs/main/log.jsonl"))
    try #require(log.count == 30)
    let lastFive: Double = log.suffix(5).map(\.loss).reduce(0, +)
    let firstFive: Double = log.prefix(5).map(\.loss).reduce(0, +)
    #expect(lastFive < firstFive)

    let imported = try PyTorchImport.run(from: out, as: "back", root: directory.url)
    #expect(imported.variants.map(\.steps) == [[15, 30]])
    #expect(imported.variants.map(\.records) == [30])
    let weights = try SessionWeights(folder: imported.folder)
    let report = try #require(try weights.evaluate().first)
    #expect(report.step == 30)
    let own = try String(contentsOf: out.appendingPathComponent("runs/main/log.jsonl"), encoding: .utf8)
      .split(separator: "\n").last.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]
    // Every recall the run logged equals vlp's on the imported weights (R@1, 5, 10 both ways).
    var compared = 0
    for metric in report.report.metrics {
      guard let value = own?["eval/\(metric.name)"] as? Double else { continue }
      #expect(abs(Double(metric.value) - value) < 1e-6, "\(metric.name): vlp \(metric.value), the run's own \(value)")
      compared += 1
    }
    #expect(compared == 6)
    let ownR1 = try #require(own?["eval/i2t_r1"] as? Double)
    let vlpR1 = try #require(report.report.metrics.first { $0.name == "i2t_r1" }?.value)
    print("DDP 2x gloo, 30 steps: loss \(log.first!.loss) → \(log.last!.loss); i2t_r1 vlp \(vlpR1), run \(ownR1)")
  }

  /// CMCL from the exported rewrites (sessions/alignment's `both`, in small): train.py trains
  /// 30 steps, logs `cmcl` every step, and CMCL falls as in vlp; the two curves are not the same
  /// draws (vlp rewrites each step, the trainer picks among the exported draws), so they are
  /// compared by their fall, not step by step.
  @Test func cmclTrainsFromTheExportedRewrites() throws {
    let directory = try TemporaryDirectory("cmcl")
    defer { directory.remove() }
    let json = PyTorchSessions.json(steps: 30, objectives: #", "mrfr": 0, "cmcl": 1, "wra": 0.1"#)
    let folder = try PyTorchSessions.folder(json, name: "cmcl", root: directory.url)
    let out = directory.url.appendingPathComponent("export")
    _ = try PyTorchExport.write(session: folder, to: out, fromLatestCheckpoint: false)
    let vlp = try Pretrainer(configuration: PyTorchSessions.configuration(json))
    let reports = try (0..<30).map { _ in try vlp.trainStep() }
    let run = TorchPython.python(["train.py", "--out", "runs/main", "--threads", "1"], in: out)
    try #require(run.status == 0, "\(run.output)")
    let log = try trainerLog(out.appendingPathComponent("runs/main/log.jsonl"))
    try #require(log.count == 30)
    let cmcl = log.compactMap { $0.losses["cmcl"] }
    try #require(cmcl.count == 30)
    #expect(cmcl.allSatisfy(\.isFinite) && log.allSatisfy { $0.loss.isFinite })
    let vlpCMCL = reports.map { report in Double(report.losses.first { $0.name == "cmcl" }!.value) }
    func mean(_ values: ArraySlice<Double>) -> Double { values.reduce(0, +) / Double(values.count) }
    let (first, last) = (mean(cmcl.prefix(5)), mean(cmcl.suffix(5)))
    let (vlpFirst, vlpLast) = (mean(vlpCMCL.prefix(5)), mean(vlpCMCL.suffix(5)))
    print("CMCL, 30 steps: pytorch \(first) → \(last) (first and last 5 steps), vlp \(vlpFirst) → \(vlpLast); step 1 pytorch \(cmcl[0]), vlp \(vlpCMCL[0])")
    #expect(last < first && vlpLast < vlpFirst)
    #expect(abs(first - vlpFirst) / vlpFirst < 0.1)
  }
}
