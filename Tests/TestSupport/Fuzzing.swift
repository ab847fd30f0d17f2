import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Seeded mutation fuzzing of a file reader, as SQLite and PostgreSQL test theirs: valid files
/// (the corpus) are mutated (truncated, bytes flipped, huge counts, wrong types, deep nesting,
/// long lines, pieces of other files), written to a file and handed to the reader. The reader
/// may throw (a refusal is what bad input should get) but must not crash, hang or allocate past
/// its stated limit, and its message must be a user's (no Foundation internals).
///
/// Each case runs on a worker under a watchdog: a hang fails with the seed that reproduces it.
/// A crash kills the test process; a signal handler first prints the reader and the seed.
/// `VLP_FUZZ_CASES` (cases per reader), `VLP_FUZZ_SECONDS` (time cap per reader) and
/// `VLP_FUZZ_SEED` (run that one case) override the suite's defaults; `make fuzz` sets them.
public struct Fuzzer: Sendable {
  public let name: String
  public let corpus: [[UInt8]]
  /// The file name each input is written to (a reader may dispatch on the extension).
  public let fileName: String
  /// Words swapped in by the "wrong type" mutation (JSON values, numbers, separators).
  public var tokens: [String] = [
    "null", "true", "-1", "0", "1e999", "NaN", "\"x\"", "[]", "{}", "[[[[", "}}}}", ",", ":",
    "\t", "\r\n", "\u{0}", "9223372036854775807", "18446744073709551616", "4294967296",
  ]
  /// The most bytes one "long line" or "deep nesting" mutation inserts: long enough to cross
  /// every buffer size a reader might assume, short enough for thousands of cases a minute.
  public var longestInsertion = 1 << 16
  /// Seconds one input may take before it counts as a hang.
  public var perInputTimeout: Double = 5
  /// Peak memory growth allowed over the whole run: above every reader's stated limit (2 GiB
  /// at most), so a reader that trusts a claimed size shows, with room for tests running beside
  /// this one in the same process.
  public var memoryGrowthLimit = 4 << 30
  /// Cases run before the time cap may stop the loop: under load (a build beside the suite) a
  /// two-second cap ran as few as 17 cases, and the suites' "enough cases ran" checks failed.
  public var minimumCases = 50

  public init(name: String, corpus: [[UInt8]], fileName: String) {
    self.name = name
    self.corpus = corpus
    self.fileName = fileName
  }

  /// Cases per reader: `VLP_FUZZ_CASES`, or the suite's `default`.
  public static func caseCount(default count: Int) -> Int {
    ProcessInfo.processInfo.environment["VLP_FUZZ_CASES"].flatMap(Int.init) ?? count
  }

  /// Seconds per reader: `VLP_FUZZ_SECONDS`, or the suite's `default`.
  public static func timeLimit(default seconds: Double) -> Double {
    ProcessInfo.processInfo.environment["VLP_FUZZ_SECONDS"].flatMap(Double.init) ?? seconds
  }

  /// Runs up to `cases` inputs (seeds 1...cases, or only `VLP_FUZZ_SEED`) within `seconds` (but at
  /// least `minimumCases`);
  /// returns what failed (empty: the reader held), and the number of cases run.
  public func run(
    cases: Int, seconds: Double, read: @escaping @Sendable (String) throws -> Void
  ) -> (failures: [String], casesRun: Int) {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vlp-fuzz-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(fileName).path
    let seeds: [UInt64] =
      ProcessInfo.processInfo.environment["VLP_FUZZ_SEED"].flatMap(UInt64.init).map { [$0] }
      ?? (1...UInt64(max(1, cases))).map { $0 }
    let memoryBefore = Self.peakMemory()
    let start = Date()
    var failures: [String] = []
    var casesRun = 0
    CrashNote.install()
    let slot = CrashNote.takeSlot()
    defer { CrashNote.releaseSlot(slot) }
    for seed in seeds {
      if casesRun >= minimumCases, Date().timeIntervalSince(start) > seconds { break }
      let input = mutate(seed: seed)
      guard FileManager.default.createFile(atPath: path, contents: Data(input)) else {
        failures.append("\(name): cannot write the input of seed \(seed)")
        break
      }
      CrashNote.set(slot, "fuzz \(name): seed \(seed) (rerun: VLP_FUZZ_SEED=\(seed))\n")
      let outcome = Self.withWatchdog(seconds: perInputTimeout) { try read(path) }
      casesRun += 1
      switch outcome {
      case .hung:
        failures.append(
          "\(name): seed \(seed) hangs (over \(perInputTimeout) s; rerun: VLP_FUZZ_SEED=\(seed))")
      case .threw(let message) where Self.isInternal(message) || message.isEmpty:
        failures.append("\(name): seed \(seed): message not meant for a user: \(message)")
      default: break
      }
      if case .hung = outcome { break }  // the stuck worker keeps its thread; stop here
      if failures.count >= 10 { break }
    }
    let growth = Self.peakMemory() - memoryBefore
    if growth > memoryGrowthLimit {
      failures.append("\(name): peak memory grew by \(growth >> 20) MiB over \(casesRun) cases")
    }
    return (failures, casesRun)
  }

  /// The input of one seed: a corpus file with one to four mutations stacked.
  public func mutate(seed: UInt64) -> [UInt8] {
    var random = FuzzRandom(seed: seed)
    var bytes = corpus[random.below(corpus.count)]
    for _ in 0..<(1 + random.below(4)) {
      bytes = mutateOnce(bytes, &random)
    }
    return bytes
  }

  private func mutateOnce(_ input: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
    var bytes = input
    let at = random.below(bytes.count + 1)
    switch random.below(11) {
    case 0:  // truncate
      bytes.removeLast(bytes.count - at)
    case 1:  // flip bits
      for _ in 0..<(1 + random.below(8)) where !bytes.isEmpty {
        bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
      }
    case 2:  // interesting bytes: NUL, non-UTF-8, line breaks
      let choices: [UInt8] = [0x00, 0xFF, 0x80, 0xC3, 0x0A, 0x0D, 0x22, 0x7B, 0x5B, 0x2C, 0x20]
      bytes.insert(choices[random.below(choices.count)], at: at)
    case 3:  // delete a range
      bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.below(64)))
    case 4:  // duplicate a range
      let end = min(bytes.count, at + 1 + random.below(256))
      bytes.insert(contentsOf: bytes[at..<end], at: random.below(bytes.count + 1))
    case 5:  // a huge (or negative, or zero) count where a number was
      let numbers = ["99999999999999999999", "9223372036854775807", "4294967295", "-1", "0",
        "2147483648", "1e308", "65536"]
      replaceNumber(&bytes, near: at, with: numbers[random.below(numbers.count)])
    case 6:  // a value of the wrong type
      let token = Array(tokens[random.below(tokens.count)].utf8)
      bytes.replaceSubrange(at..<min(bytes.count, at + random.below(8)), with: token)
    case 7:  // deep nesting
      let open = random.below(2) == 0 ? "[" : "{\"a\":"
      let depth = 1 + random.below(longestInsertion / open.utf8.count)
      bytes.insert(contentsOf: Array(String(repeating: open, count: depth).utf8), at: at)
    case 8:  // a long line
      let filler: UInt8 = random.below(2) == 0 ? UInt8(ascii: "7") : UInt8(ascii: "a")
      bytes.insert(contentsOf: [UInt8](repeating: filler, count: 1 + random.below(longestInsertion)), at: at)
    case 9:  // splice in part of another corpus file
      let other = corpus[random.below(corpus.count)]
      let from = random.below(other.count + 1)
      bytes.insert(contentsOf: other[from..<min(other.count, from + random.below(512))], at: at)
    default:  // one random byte replaced
      if !bytes.isEmpty { bytes[random.below(bytes.count)] = UInt8(random.below(256)) }
    }
    return bytes
  }

  /// Replaces the run of digits at or after `index` (or inserts at it).
  private func replaceNumber(_ bytes: inout [UInt8], near index: Int, with text: String) {
    let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
    var start = index
    while start < bytes.count, !isDigit(bytes[start]) { start += 1 }
    if start == bytes.count { start = index }
    var end = start
    while end < bytes.count, isDigit(bytes[end]) { end += 1 }
    bytes.replaceSubrange(start..<end, with: Array(text.utf8))
  }

  public enum Outcome: Sendable {
    case returned
    case threw(String)
    case hung
  }

  /// Runs `body` on a worker thread, waiting at most `seconds`.
  public static func withWatchdog(seconds: Double, _ body: @escaping @Sendable () throws -> Void)
    -> Outcome
  {
    let done = DispatchSemaphore(value: 0)
    let result = OutcomeBox()
    let thread = Thread {
      do {
        try body()
        result.set(.returned)
      } catch {
        result.set(.threw("\(error)"))
      }
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    guard done.wait(timeout: .now() + seconds) == .success else { return .hung }
    return result.get()
  }

  /// Text that only a programmer should see.
  public static func isInternal(_ message: String) -> Bool {
    ["NSCocoaErrorDomain", "Error Domain=", "DecodingError", "dataCorrupted", "keyNotFound",
      "typeMismatch", "Fatal error"].contains { message.contains($0) }
  }

  /// The process's peak resident memory in bytes.
  static func peakMemory() -> Int {
    var usage = rusage()
    #if canImport(Glibc)
      getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
      getrusage(RUSAGE_SELF, &usage)
    #endif
    return usage.ru_maxrss * 1024
  }
}

private final class OutcomeBox: @unchecked Sendable {
  private let lock = NSLock()
  private var outcome = Fuzzer.Outcome.returned
  func set(_ value: Fuzzer.Outcome) { lock.withLock { outcome = value } }
  func get() -> Fuzzer.Outcome { lock.withLock { outcome } }
}

/// SplitMix64: the fuzzer's own generator, so that a seed means the same input everywhere.
public struct FuzzRandom {
  private var state: UInt64
  public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  public mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}

/// What a crash handler prints: the reader and seed of each case being run. Fuzz tests run in
/// parallel, and a crash in one cannot tell which thread's case it was, so every running fuzz
/// loop owns a slot and the handler prints every occupied slot (one of them crashed; rerun each
/// alone with its seed). The notes live in raw memory behind a lock, not in Swift `static var`s:
/// two cases writing one of those at once trapped on its exclusivity check (SIGILL).
enum CrashNote {
  static let slotCount = 32
  static let slotSize = 256
  nonisolated(unsafe) static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotSize)
  /// Bytes of each slot's note; -1 marks a free slot.
  nonisolated(unsafe) static let lengths: UnsafeMutablePointer<Int> = {
    let pointer = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
    pointer.initialize(repeating: -1, count: slotCount)
    return pointer
  }()
  private static let lock = NSLock()
  static let header = Array("fuzz: crashed while running one of these cases:\n".utf8).map { CChar(bitPattern: $0) }

  /// A free slot (the last one is shared if more loops run at once than there are slots).
  static func takeSlot() -> Int {
    lock.withLock {
      let slot = (0..<slotCount).first { lengths[$0] < 0 } ?? slotCount - 1
      lengths[slot] = 0
      return slot
    }
  }

  static func releaseSlot(_ slot: Int) { lock.withLock { lengths[slot] = -1 } }

  static func set(_ slot: Int, _ text: String) {
    let bytes = Array(text.utf8.prefix(slotSize - 1))
    lock.withLock {
      lengths[slot] = 0
      for (index, byte) in bytes.enumerated() { buffer[slot * slotSize + index] = CChar(bitPattern: byte) }
      lengths[slot] = bytes.count
    }
  }

  static func install() { _ = installation }

  /// Installed once, by whichever case comes first (a `static let` initialises once, safely).
  /// The handler only calls write(2), signal and raise: async-signal-safe.
  private static let installation: Void = {
    _ = header.count  // initialised here, not first in the handler
    for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
      var action = sigaction()
      #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { code in
          CrashNote.header.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
          for slot in 0..<CrashNote.slotCount where CrashNote.lengths[slot] > 0 {
            _ = write(2, CrashNote.buffer + slot * CrashNote.slotSize, CrashNote.lengths[slot])
          }
          Glibc.signal(code, SIG_DFL)
          raise(code)
        }
      #endif
      action.sa_flags = 0
      sigaction(signal, &action, nil)
    }
  }()
}

extension Fuzzer {
  /// Paths that are not regular files, as a user might hand them in: a folder, devices (one
  /// endless), a FIFO that nobody writes to, an empty file, a dangling link.
  public static func specialFiles(in folder: URL) -> [(name: String, path: String)] {
    let manager = FileManager.default
    let directory = folder.appendingPathComponent("a-folder.npy")
    try? manager.createDirectory(at: directory, withIntermediateDirectories: true)
    let fifo = folder.appendingPathComponent("a-fifo.csv").path
    _ = mkfifo(fifo, 0o644)
    let empty = folder.appendingPathComponent("empty.json").path
    _ = manager.createFile(atPath: empty, contents: Data())
    let dangling = folder.appendingPathComponent("dangling.jsonl").path
    try? manager.createSymbolicLink(atPath: dangling, withDestinationPath: "/nonexistent/x")
    return [
      ("folder", directory.path), ("/dev/zero", "/dev/zero"), ("/dev/null", "/dev/null"),
      ("/dev/urandom", "/dev/urandom"), ("FIFO without a writer", fifo), ("empty file", empty),
      ("dangling link", dangling),
    ]
  }

  /// Hands every special file to `read` under the watchdog; returns what hung or answered with
  /// a message not meant for a user.
  public static func checkSpecialFiles(
    _ name: String, in folder: URL, read: @escaping @Sendable (String) throws -> Void
  ) -> [String] {
    specialFiles(in: folder).compactMap { special in
      switch withWatchdog(seconds: 10, { try read(special.path) }) {
      case .hung: "\(name): hangs on a \(special.name)"
      case .threw(let message) where isInternal(message) || message.isEmpty:
        "\(name): on a \(special.name): message not meant for a user: \(message)"
      default: nil
      }
    }
  }
}
