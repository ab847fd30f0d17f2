import Foundation
import Synchronization
import TSNE
import Tensor
import VLP

/// Trains a session on its own thread and hands out immutable snapshots.
///
/// Every call here returns at once: commands are recorded under a lock and picked up by the
/// training thread between steps; `snapshot` copies the latest published state under a mutex,
/// which training holds only long enough to swap it. Variants train in lockstep (one step of
/// each, in session order), on the same data order and seed unless a variant overrides them,
/// so their curves compare step by step. Since every random draw of step s derives from
/// (seed, s), pausing, single-stepping and resuming from a checkpoint give the same numbers as
/// an uninterrupted run.
/// `@unchecked Sendable`: `requests` is read and written only under `condition`.
public final class TrainingEngine: @unchecked Sendable {
  public struct Options: Sendable {
    /// Train until this step (nil: the first variant's `training.steps`).
    public var targetStep: Int?
    /// Kernel threads (nil: `ComputeSettings`' default, all cores or VLP_THREADS).
    public var threads: Int?
    public var startPaused = false
    /// Seconds between captures of the batch's pseudo-targets (they cost a little).
    public var pseudoTargetInterval = 0.5
    /// Evaluate when the target is reached (unless that step was just evaluated).
    public var evaluateAtEnd = true
    /// Held-out pairs whose features a projection shows.
    public var projectionPairs = 60
    /// Points a projection shows instead (pairs taken held-out first, then the others, until
    /// this many points: `vlp tui --projection-points`); nil: `projectionPairs` pairs.
    public var projectionPoints: Int?
    public var projectionOptions = TSNEOptions()
    /// Place each new checkpoint's features into the finished map (until Esc cancels).
    public var projectionFollowsCheckpoints = true
    /// Watch a session that another process trains: no lock, no training, no writes; the
    /// curves and evaluations follow its files, probes and projections use its checkpoints.
    public var watching: SessionLockHolder?

    public init() {}
  }

  /// What the UI asked for, picked up by the training thread; guarded by `condition`.
  struct Requests {
    var running = true
    var pendingSteps = 0
    var stop = false
    var evaluate = false
    var evaluationEvery: Int?
    var probe: (id: Int, variant: String, pairIndex: Int, maskedWords: Set<Int>)?
    var projection: (id: Int, kind: FeatureKind, mode: ProjectionMode)?
    /// Projection requests up to this number were cancelled (Esc).
    var projectionsCancelledThrough = 0
    var projectionFollowsCheckpoints = true
    var attention: (id: Int, variant: String, map: AttentionMapRequest)?
    var nextRequestID = 1
  }

  public let folder: SessionFolder
  public let definition: SessionDefinition
  public let options: Options
  private let condition = NSCondition()
  private var requests = Requests()
  private let published: Mutex<EngineSnapshot>
  private let done = DispatchSemaphore(value: 0)
  private let started = Atomic<Bool>(false)
  /// The projection job running now (for Esc, from the interface's thread).
  let runningProjection = Mutex<ProjectionJob?>(nil)
  /// The finished map that new checkpoints' features are placed into.
  let projectionReference = Mutex<ProjectionReference?>(nil)
  /// This engine's hold on the session (nil when watching); released when its thread ends.
  let lock: SessionLock?
  /// A note when the lock file named a holder that was killed (for the user and run.log).
  public var lockNotice: String? { lock?.staleNotice }

  /// Parses the session (strictly: configuration errors throw here, before any thread starts).
  public init(folder: SessionFolder, overrides: [String] = [], options: Options = Options()) throws {
    self.folder = folder
    definition = try folder.definition(overrides: overrides)
    try ModelMemory.check(definition, source: folder.sessionFile.relativePath)
    self.options = options
    // After the configuration: a bad session.json is reported before anyone else's lock.
    lock = options.watching == nil ? try SessionLock(folder: folder) : nil
    requests.running = !options.startPaused
    requests.projectionFollowsCheckpoints = options.projectionFollowsCheckpoints
    let first = definition.variants[0].configuration
    published = Mutex(
      EngineSnapshot(
        session: folder.name, description: definition.description, state: .loading, step: 0,
        targetStep: options.targetStep ?? first.training.steps, stepsPerSecond: 0, elapsed: 0,
        variants: [], evaluationEvery: first.evaluation.every, resumedFrom: nil,
        lastCheckpointStep: nil, message: "loading \(folder.name)", probe: nil, projection: nil,
        generation: 0))
  }

  /// Starts the training thread (once).
  public func start() {
    guard !started.exchange(true, ordering: .relaxed) else { return }
    let thread = Thread { [self] in
      TrainingLoop(engine: self).run()
      lock?.release()
      done.signal()
    }
    thread.name = "vlp training"
    thread.stackSize = 16 << 20
    thread.start()
  }

  public var snapshot: EngineSnapshot { published.withLock { $0 } }

  // MARK: Commands

  public func pause() { change { $0.running = false } }
  public func resume() { change { $0.running = true } }
  public func togglePause() { change { $0.running.toggle() } }
  /// Trains `count` more steps while paused.
  public func step(_ count: Int = 1) { change { $0.pendingSteps += max(0, count) } }
  public func evaluateNow() { change { $0.evaluate = true } }
  /// Evaluation cadence in steps (0: only when asked), from now on.
  public func setEvaluationEvery(_ steps: Int) { change { $0.evaluationEvery = max(0, steps) } }

  /// Asks for the model's top-5 at the masked words of a held-out pair; the answer appears in
  /// `snapshot.probe` with the returned request number.
  @discardableResult
  public func probe(variant: String, pairIndex: Int, maskedWords: Set<Int>) -> Int {
    change { requests in
      defer { requests.nextRequestID += 1 }
      requests.probe = (requests.nextRequestID, variant, pairIndex, maskedWords)
      return requests.nextRequestID
    }
  }

  /// Takes features from the current weights and starts a t-SNE of them from scratch; it
  /// animates in `snapshot.projection`, and later checkpoints' features are placed into it.
  @discardableResult
  public func project(_ kind: FeatureKind) -> Int { requestProjection(kind, .layout) }

  /// Places the current weights' features into the finished map of `kind` (a new layout when
  /// there is none), and follows the checkpoints again after a cancel.
  @discardableResult
  public func placeIntoMap(_ kind: FeatureKind) -> Int { requestProjection(kind, .place) }

  private func requestProjection(_ kind: FeatureKind, _ mode: ProjectionMode) -> Int {
    change { requests in
      defer { requests.nextRequestID += 1 }
      requests.projection = (requests.nextRequestID, kind, mode)
      requests.projectionFollowsCheckpoints = options.projectionFollowsCheckpoints
      return requests.nextRequestID
    }
  }

  /// Esc: stops the projection under way (its thread ends at its next check), drops one not
  /// yet started, stops following the checkpoints, and shows "cancelled" at once.
  public func cancelProjection() {
    change { requests in
      requests.projection = nil
      requests.projectionsCancelledThrough = requests.nextRequestID - 1
      requests.projectionFollowsCheckpoints = false
    }
    runningProjection.withLock { $0?.cancel() }
    published.withLock {
      guard var projection = $0.projection, projection.progress.isRunning else { return }
      projection.progress.phase = .cancelled
      projection.progress.secondsLeft = nil
      $0.projection = projection
      $0.generation += 1
    }
  }

  /// Whether Esc cancelled request `id` (checked before a job starts).
  func isProjectionCancelled(_ id: Int) -> Bool {
    change { $0.projectionsCancelledThrough >= id }
  }

  /// A request number for a projection the training thread starts itself (a new checkpoint).
  func takeProjectionRequestID() -> Int? {
    change { requests in
      guard requests.projectionFollowsCheckpoints else { return nil }
      defer { requests.nextRequestID += 1 }
      return requests.nextRequestID
    }
  }

  /// Asks the thread to save a checkpoint, flush the logs and end; returns at once.
  public func requestStop() { change { $0.stop = true } }

  /// Stops (saving) and waits for the thread to end. Safe to call more than once.
  public func stop() {
    requestStop()
    waitUntilStopped()
  }

  public func waitUntilStopped() {
    guard started.load(ordering: .relaxed) else { return }
    done.wait()
    done.signal()  // later waiters return too
  }

  func changeRequests<R>(_ body: (inout Requests) -> R) -> R { change(body) }

  private func change<R>(_ body: (inout Requests) -> R) -> R {
    condition.lock()
    defer {
      condition.signal()
      condition.unlock()
    }
    return body(&requests)
  }

  // MARK: For the training thread

  /// Waits until there is something to do (or `timeout` passes) and takes the requests,
  /// leaving the standing ones (running, pending steps) in place.
  func takeRequests(canTrain: Bool, timeout: Double) -> Requests {
    condition.lock()
    defer { condition.unlock() }
    func hasWork() -> Bool {
      let r = requests
      return r.stop || r.evaluate || r.evaluationEvery != nil
        || r.probe != nil || r.projection != nil || r.attention != nil || (canTrain && (r.running || r.pendingSteps > 0))
    }
    if !hasWork() { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
    let taken = requests
    requests.evaluate = false
    requests.evaluationEvery = nil
    requests.probe = nil
    requests.projection = nil
    requests.attention = nil
    if canTrain && !taken.running && taken.pendingSteps > 0 { requests.pendingSteps -= 1 }
    return taken
  }

  func publish(_ snapshot: EngineSnapshot) {
    published.withLock { current in
      var next = snapshot
      next.projection = current.projection
      next.probe = snapshot.probe ?? current.probe
      next.attention = current.attention
      next.generation = current.generation + 1
      current = next
    }
  }

  /// `job`: the job that computed it; nothing is published once it is cancelled (checked under
  /// the lock that `cancelProjection` publishes "cancelled" under).
  func publishProjection(_ projection: ProjectionSnapshot, from job: ProjectionJob? = nil) {
    published.withLock {
      if let job, job.isCancelled { return }
      // An older request finishing late must not replace a newer one.
      if let current = $0.projection, current.request > projection.request { return }
      $0.projection = projection
      $0.generation += 1
    }
  }

  /// The features phase: the map shown so far stays (of the same kind).
  func publishProjectionProgress(
    _ progress: ProjectionProgress, request: Int, kind: FeatureKind, step: Int,
    from job: ProjectionJob
  ) {
    published.withLock {
      if job.isCancelled { return }
      if let current = $0.projection, current.request > request { return }
      var next =
        $0.projection
        ?? ProjectionSnapshot(request: request, kind: kind, step: step, panels: [], isFinished: false)
      if next.kind != kind { (next.panels, next.step, next.kind) = ([], step, kind) }
      (next.request, next.isFinished, next.progress) = (request, false, progress)
      $0.projection = next
      $0.generation += 1
    }
  }

  func publishAttention(_ attention: AttentionProbeResult) {
    published.withLock {
      $0.attention = attention
      $0.generation += 1
    }
  }

  func publishMessage(_ message: String) {
    published.withLock {
      $0.message = message
      $0.generation += 1
    }
  }

  /// Loading failed (bad data path, corrupt checkpoint): the thread ends with this message.
  func publishFailure(_ message: String) {
    published.withLock {
      $0.state = .failed(message)
      $0.message = message
      $0.generation += 1
    }
  }
}
