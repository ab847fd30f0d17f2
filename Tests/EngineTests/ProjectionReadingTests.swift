import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Engine
@testable import VLP

/// A projection reads its features on the job's thread with a copy of the weights, so training
/// does not pause: the copy's features are the training thread's, bit for bit, and Esc stops the
/// reading between chunks.
@Suite(.serialized) struct ProjectionReadingTests {
  static let sessions = [
    "albef": "{\n\(TemporarySessions.tinyConfiguration)\n}\n",
    "oscar": """
      {"seed": 3, "model": {"family": "oscar", "dimension": 16, "headCount": 2, "hiddenSize": 32},
       "training": {"batchSize": 8, "steps": 12, "learningRate": 0.001, "warmupSteps": 2},
       "data": {"world": {"pairCount": 200}}}
      """,
    // Enough pairs for three chunks.
    "albef-600": "{\n\(TemporarySessions.tinyConfiguration.replacingOccurrences(of: "200", with: "600"))\n}\n",
  ]

  func trainer(_ family: String, in directory: TemporaryDirectory) throws -> Pretrainer {
    try TinySession.write(Self.sessions[family]!, name: family, in: directory.url)
    let folder = try SessionFolder(name: family, root: directory.url)
    return try Pretrainer(configuration: try folder.definition().variants[0].configuration)
  }

  /// Runs `body` on a projection job's thread (its thread count bound as for a real job).
  func onJobThread<R: Sendable>(_ body: @escaping @Sendable () throws -> R) throws -> R {
    let result = Mutex<Result<R, any Error>?>(nil)
    let job = ProjectionJob(request: 1)
    job.launch { result.withLock { $0 = Result { try body() } } }
    let deadline = Date(timeIntervalSinceNow: 120)
    while !job.isDone && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    return try #require(result.withLock { $0 }).get()
  }

  func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

  @Test(arguments: ["albef", "oscar"], FeatureKind.allCases)
  func aCopysFeaturesOnTheJobThreadAreTheTrainingThreadsBitForBit(
    family: String, kind: FeatureKind
  ) throws {
    let directory = try TemporaryDirectory("projection-reading")
    defer { directory.remove() }
    let trainer = try trainer(family, in: directory)
    for _ in 0..<2 { _ = try trainer.trainStep() }
    let copy = try trainer.detachedFeatureProbe()
    #expect(copy.step == 2)
    let here = try trainer.projectionFeatures(kind, size: .points(150))
    let there = try onJobThread { try copy.probe.projectionFeatures(kind, size: .points(150)) }
    #expect(here.features.labels.count == 150)
    #expect(there.features.labels == here.features.labels)
    #expect(there.pairs == here.pairs)
    #expect(bits(there.features.values) == bits(here.features.values))

    // The copy is the run's alone: training on moves the run's features, not the copy's.
    _ = try trainer.trainStep()
    let later = try trainer.projectionFeatures(kind, size: .points(150))
    #expect(bits(later.features.values) != bits(here.features.values))
    let again = try onJobThread { try copy.probe.projectionFeatures(kind, size: .points(150)) }
    #expect(bits(again.features.values) == bits(here.features.values))
  }

  @Test func escStopsTheReadingBetweenChunks() throws {
    let directory = try TemporaryDirectory("projection-reading")
    defer { directory.remove() }
    let trainer = try trainer("albef-600", in: directory)
    let reading = ProjectionReading(
      kind: .cls, step: 0,
      variants: [.init(name: "a", probe: try trainer.detachedFeatureProbe())], pairs: nil,
      size: .points(1_000_000))
    let job = ProjectionJob(request: 1)
    let heard = Mutex<[Int]>([])
    let failures = Mutex<[String]>([])
    let sink = ProjectionSink(
      publish: { _, _ in }, failed: { message in failures.withLock { $0.append(message) } },
      reading: { progress, _, _, job in
        heard.withLock { $0.append(progress.done) }
        // Esc once the first chunk is read.
        if progress.done > 0 { job.cancel() }
      },
      keep: { _, _ in })
    #expect(job.read(reading, sink: sink)?.pairs == nil)
    let chunk = FeatureProbe.projectionChunk
    #expect(heard.withLock { $0 } == [0, 2 * chunk], "one chunk of pairs (an image and a caption each), then stopped")
    #expect(failures.withLock { $0 }.isEmpty)

    let uncancelled = ProjectionJob(request: 2)
    let read = try #require(uncancelled.read(reading, sink: ProjectionSink(
      publish: { _, _ in }, failed: { _ in }, reading: { _, _, _, _ in }, keep: { _, _ in })))
    #expect(read.pairs == trainer.projectionPairOrder, "without Esc, every pair")
  }
}
