import Foundation
import Tensor

/// Assembles the batches of the coming steps on a thread of its own, at most `depth` ahead, so
/// that the training thread finds its batch ready. Results cannot depend on timing: a batch is a
/// function of its step alone (`BatchAssembler`), and asking for a step other than the next one
/// (a resumed or replayed run) drops what was prepared and starts again there. The thread
/// assembles with `ComputeSettings.withThreadCount(1)`, so it never shares the compute pool
/// (kernels give the same bits for any thread count, so this changes no number).
public final class BatchPrefetcher: @unchecked Sendable {
  public static let defaultDepth = 2

  private let assembler: BatchAssembler
  private let depth: Int
  // Guarded by `condition`:
  private let condition = NSCondition()
  private var ready: [Result<StepBatch, any Error>] = []
  /// The step the trainer asks for next, and the next one the thread assembles.
  private var expected: Int
  private var nextToAssemble: Int
  /// Bumped on every restart, so that a batch assembled for an abandoned sequence is dropped.
  private var generation = 0
  private var stopped = false

  public init(assembler: BatchAssembler, firstStep: Int, depth: Int = defaultDepth) {
    self.assembler = assembler
    self.depth = max(1, depth)
    expected = firstStep
    nextToAssemble = firstStep
    let thread = Thread { [self] in run() }
    thread.name = "vlp-batch-prefetch"
    thread.start()
  }

  /// The batch of `step`, and the seconds this call waited for it.
  public func batch(at step: Int) throws -> (batch: StepBatch, waitedSeconds: Double) {
    let begin = ContinuousClock.now
    condition.lock()
    defer { condition.unlock() }
    if step != expected {
      generation += 1
      ready.removeAll()
      expected = step
      nextToAssemble = step
      condition.broadcast()
    }
    while ready.isEmpty { condition.wait() }
    let result = ready.removeFirst()
    expected += 1
    condition.broadcast()
    let waited = ContinuousClock.now - begin
    let seconds =
      Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18
    return (try result.get(), seconds)
  }

  /// Ends the thread once its current batch is done; later calls to `batch` would wait forever.
  public func stop() {
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }

  private func run() {
    ComputeSettings.withThreadCount(1) {
      while true {
        condition.lock()
        while !stopped && nextToAssemble - expected >= depth {  // ready + in flight
          condition.wait()
        }
        if stopped {
          condition.unlock()
          return
        }
        let (step, generation) = (nextToAssemble, self.generation)
        nextToAssemble += 1
        condition.unlock()
        let result = Result { try assembler.batch(at: step) }
        condition.lock()
        if generation == self.generation { ready.append(result) }
        condition.broadcast()
        condition.unlock()
      }
    }
  }
}
