import Foundation
import Testing

@testable import Engine
@testable import VLP

/// The projection screen's engine side: Esc stops a t-SNE under way, a finished map takes later
/// features by placement (a point whose features did not change stays where it is), and a
/// projection of N points takes exactly N.
@Suite(.serialized) struct ProjectionJobTests {
  func pausedEngine(_ name: String, iterations: Int, points: Int? = nil) throws
    -> (TrainingEngine, TemporarySessions)
  {
    let sessions = try TemporarySessions()
    let folder = try sessions.make(name)
    var options = TrainingEngine.Options()
    options.startPaused = true
    options.projectionPairs = 12
    options.projectionPoints = points
    options.projectionOptions.iterations = iterations
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    _ = engine.wait { $0.state == .paused }
    return (engine, sessions)
  }

  @Test func escCancelsTheTSNEUnderWayAndItsThreadEnds() throws {
    let (engine, sessions) = try pausedEngine("cancel", iterations: 1_000_000)
    defer {
      engine.stop()
      sessions.remove()
    }
    let request = engine.project(.tokens)
    let running = engine.wait {
      $0.projection?.request == request && ($0.projection?.panels.first?.tsne.iteration ?? 0) >= 20
    }
    #expect(running.projection?.progress.isRunning == true)
    #expect(running.projection?.progress.total == 1_000_000)
    engine.cancelProjection()
    // Shown at once, from the caller's thread.
    #expect(engine.snapshot.projection?.progress.phase == .cancelled)
    let job = try #require(engine.runningProjection.withLock { $0 })
    let deadline = Date(timeIntervalSinceNow: 10)
    while !job.isDone && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    #expect(job.isDone, "the t-SNE thread ended")
    let iteration = engine.snapshot.projection?.panels.first?.tsne.iteration
    Thread.sleep(forTimeInterval: 0.2)
    #expect(engine.snapshot.projection?.progress.phase == .cancelled)
    #expect(engine.snapshot.projection?.panels.first?.tsne.iteration == iteration, "nothing published after the cancel")
    #expect(engine.projectionReference.withLock { $0 } == nil, "a cancelled layout is no map to place into")
  }

  @Test func aFailureOnTheJobThreadIsWrittenToRunLog() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("fails")
    var options = TrainingEngine.Options()
    options.startPaused = true
    options.projectionPairs = 12
    // Accepted by the engine, refused by t-SNE on the job's thread.
    options.projectionOptions.perplexity = -1
    let engine = try TrainingEngine(folder: folder, options: options)
    engine.start()
    defer { engine.stop() }
    _ = engine.wait { $0.state == .paused }
    _ = engine.project(.tokens)
    let failed = engine.wait { $0.message.contains("perplexity") }
    #expect(failed.message.contains("perplexity"))
    let log = try String(contentsOf: folder.logFile, encoding: .utf8)
    let line = try #require(log.split(separator: "\n").last { $0.contains("perplexity") })
    #expect(line.contains("projection"), "run.log names what failed: \(line)")
  }

  @Test func placementKeepsUnchangedFeaturesWhereTheyAreInTheMap() throws {
    let (engine, sessions) = try pausedEngine("place", iterations: 300)
    defer {
      engine.stop()
      sessions.remove()
    }
    let layout = engine.project(.tokens)
    let laid = engine.wait { $0.projection?.request == layout && $0.projection?.isFinished == true }
    let map = try #require(laid.projection?.panels.first)
    #expect(map.purity != nil)
    #expect(laid.projection?.progress.phase == .finished)

    // Paused: the weights (so the features) are those the map was laid out from.
    let place = engine.placeIntoMap(.tokens)
    let placed = engine.wait { $0.projection?.request == place && $0.projection?.isFinished == true }
    let projection = try #require(placed.projection)
    #expect(projection.referenceStep == laid.projection?.step)
    let panel = try #require(projection.panels.first)
    #expect(panel.labels == map.labels)
    let (before, after) = (map.tsne.embedding, panel.tsne.embedding)
    let xs = stride(from: 0, to: before.count, by: 2).map { before[$0] }
    let extent = (xs.max()! - xs.min()!)
    var moves: [Float] = []
    for i in 0..<map.labels.count {
      let (dx, dy) = (after[2 * i] - before[2 * i], after[2 * i + 1] - before[2 * i + 1])
      moves.append((dx * dx + dy * dy).squareRoot())
    }
    moves.sort()
    #expect(moves[moves.count / 2] < 0.05 * extent, "median move \(moves[moves.count / 2]) of \(extent)")
  }

  @Test func aProjectionOfNPointsTakesExactlyN() throws {
    let sessions = try TemporarySessions()
    defer { sessions.remove() }
    let folder = try sessions.make("points")
    let trainer = try Pretrainer(configuration: try folder.definition().variants[0].configuration)
    let some = try trainer.projectionFeatures(.tokens, size: .points(150))
    #expect(some.features.labels.count == 150)
    #expect(some.features.values.count == 150 * some.features.dimension)
    #expect(!some.isShort)
    #expect(Array(some.pairs.prefix(3)) == Array(trainer.data.cleanTestIndices.prefix(3)), "held-out pairs first")
    let all = try trainer.projectionFeatures(.cls, size: .points(1_000_000))
    #expect(all.isShort)
    #expect(all.features.labels.count == 2 * all.pairs.count, "an image and a caption per pair")
    #expect(Set(all.pairs).count == all.pairs.count && all.pairs.count >= 150, "every pair, once")
  }

  @Test func progressLinesSayPhaseCountAndTimeLeft() {
    let state = ProjectionProgress(
      phase: .optimising, done: 350, total: 1000, elapsed: 12,
      secondsLeft: ProjectionProgress.secondsLeft(done: 350, total: 1000, seconds: 12))
    #expect(state.summary == "optimising · iteration 350/1,000 · 12s, 22s left")
    let placing = ProjectionProgress(phase: .placing, variant: "a", done: 4096, total: 50_000, elapsed: 3)
    #expect(placing.summary == "placing (a) · 4,096/50,000 points · 3s")
    #expect(ProjectionProgress(phase: .affinities, elapsed: 75).summary == "affinities · 1m15s")
    var preparing = ProjectionProgress(phase: .affinities, variant: "a", done: 420, total: 1000, elapsed: 75)
    preparing.step = "neighbour search"
    #expect(preparing.summary == "affinities (a) · neighbour search · 42% · 1m15s")
    #expect(ProjectionProgress.secondsLeft(done: 0, total: 10, seconds: 1) == nil)
  }

  @Test func sampledPurityMatchesTheExactOneOnASmallMapAndSeparatesClasses() {
    // Two classes in two far clusters, 4 points per class mixed in the wrong cluster.
    var embedding: [Float] = []
    var classes: [Int] = []
    for i in 0..<1200 {
      let cluster = i % 2
      let wrong = i % 150 == 0
      classes.append(wrong ? 1 - cluster : cluster)
      embedding += [Float(cluster * 100) + Float(i % 7), Float(i % 11)]
    }
    let sampled = ProjectionPurity.score(embedding: embedding, classes: classes)
    #expect(sampled > 0.9 && sampled < 1)
    let small = Array(embedding.prefix(2 * 400))
    let smallClasses = Array(classes.prefix(400))
    // Brute force: sort every distance.
    var total = 0.0
    for i in 0..<400 {
      let nearest = (0..<400).filter { $0 != i }.sorted {
        let a = pow(small[2 * $0] - small[2 * i], 2) + pow(small[2 * $0 + 1] - small[2 * i + 1], 2)
        let b = pow(small[2 * $1] - small[2 * i], 2) + pow(small[2 * $1 + 1] - small[2 * i + 1], 2)
        return (a, $0) < (b, $1)
      }.prefix(10)
      total += Double(nearest.filter { smallClasses[$0] == smallClasses[i] }.count) / 10
    }
    #expect(abs(ProjectionPurity.score(embedding: small, classes: smallClasses) - total / 400) < 1e-12)
  }
}
