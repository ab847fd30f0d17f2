import Foundation
import NN
import TestSupport
import Testing

@testable import Engine

/// Fault injection, as SQLite and PostgreSQL test themselves at scale: a child `vlp run` is
/// killed (SIGKILL) or signalled (SIGTERM, SIGHUP) at seeded points, inside checkpoint saves and
/// log appends among them (`VLP_FAULT_POINT`, docs/reliability.md), then resumed until done; the
/// result must be bit-identical to an uninterrupted run, with every step logged exactly once.
@Suite(.serialized) struct FaultInjectionTests {
  static let steps = 12

  /// The seeded plan: (point, arrival, signal). Arrivals are drawn where each point is reached
  /// in a 12-step run (checkpoints every 3 steps, evaluations every 4).
  static func plan(seed: UInt64, count: Int) -> [(point: String, arrival: Int, signal: String)] {
    var state = seed
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    let points = [("file.write", 24), ("file.rename", 4), ("log.append", 3), ("step", 11)]
    let signals = ["KILL", "KILL", "TERM", "HUP"]
    return (0..<count).map { _ in
      let (point, reach) = points[next(points.count)]
      return (point, 1 + next(reach), signals[next(signals.count)])
    }
  }

  @Test func killedAtSeededPointsAndResumedGivesTheUninterruptedRun() throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let reference = try work.make("reference")
    let straight = try ChildProcess.run(
      ["run", "reference", "--steps", "\(Self.steps)"], in: work.directory)
    #expect(straight.status == 0, "\(straight.error)")
    let expectedLosses = lossBits(try metrics(reference), variant: "main")
    let expectedWeights = try weightBits(reference, step: Self.steps)

    var interrupted = 0
    for (index, fault) in Self.plan(seed: 22, count: 6).enumerated() {
      let label = "\(fault.point):\(fault.arrival):\(fault.signal)"
      let folder = try work.make("fault\(index)")
      let first = try ChildProcess.run(
        ["run", folder.name, "--steps", "\(Self.steps)"], in: work.directory,
        environment: ["VLP_FAULT_POINT": label])
      if first.status != 0 { interrupted += 1 }
      switch fault.signal {
      case "KILL": #expect(first.status == 0 || (first.signalled && first.status == SIGKILL), "\(label): \(first.error)")
      case "TERM": #expect(first.status == 0 || first.status == 128 + SIGTERM, "\(label): \(first.error)")
      default: #expect(first.status == 0 || first.status == 128 + SIGHUP, "\(label): \(first.error)")
      }
      // Resume until done; each run may only move forward.
      var runs = 0
      while try metrics(folder).last?.step != Self.steps || !hasCheckpoint(folder, step: Self.steps) {
        runs += 1
        let resumed = try ChildProcess.run(
          ["run", folder.name, "--steps", "\(Self.steps)"], in: work.directory)
        #expect(resumed.status == 0, "\(label): \(resumed.error)")
        if runs > 2 { break }
      }
      let steps = try metrics(folder).map(\.step)
      #expect(steps == Array(1...Self.steps), "\(label): each step once")
      #expect(lossBits(try metrics(folder), variant: "main") == expectedLosses, "\(label)")
      #expect(try weightBits(folder, step: Self.steps) == expectedWeights, "\(label): weights")
      #expect(temporaries(under: folder.url).isEmpty, "\(label): \(temporaries(under: folder.url))")
    }
    #expect(interrupted >= 4, "the plan's faults fire")
  }

  /// The bits of every tensor of the checkpoint at `step` (the run's time, in its metadata,
  /// differs between runs; the tensors may not).
  func weightBits(_ folder: SessionFolder, step: Int) throws -> [[UInt32]] {
    let url = CheckpointStore(folder: folder, keep: 2).url(variant: "main", step: step)
    let checkpoint = try TrainingCheckpoint.read(from: url)
    let arrays =
      checkpoint.model + (checkpoint.momentum ?? []) + checkpoint.buffers
      + checkpoint.optimizerState.keys.sorted().flatMap { checkpoint.optimizerState[$0]! }
    return arrays.map { $0.values.map(\.bitPattern) }
  }

  func hasCheckpoint(_ folder: SessionFolder, step: Int) -> Bool {
    CheckpointStore(folder: folder, keep: 2).steps(variant: "main").contains(step)
  }
}
