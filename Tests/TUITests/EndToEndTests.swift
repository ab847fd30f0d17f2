import Foundation
import TestSupport
import Testing

/// The real `vlp` binary in tmux at 120x40 on a tiny session: the dashboard shows curves once
/// training starts, every screen opens with its key, masking a word changes the predictions,
/// pause and single step work, resizing works, q quits, and afterwards the terminal is back in
/// its normal mode and the session is saved.
@Suite(.serialized) struct EndToEndTests {
  static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("vlp")

  static let session = """
    {"description": "end-to-end test", "seed": 5,
     \(TinySession.model),
     "objectives": {"queueSize": 64},
     "training": {"batchSize": 16, "steps": 100000, "learningRate": 0.001, "warmupSteps": 10},
     "data": {"world": {"pairCount": 300}},
     "evaluation": {"every": 0, "retrievalPairs": 10, "accuracyPairs": 16, "rerank": 0}}
    """

  /// tmux on a socket of its own, so the test never touches a user's sessions.
  struct TmuxError: Error, CustomStringConvertible { let description: String }

  struct Tmux {
    var socket = "vlp-e2e-\(getpid())"

    let scratch: URL

    /// Runs a tmux command through the shell (`system`, which waits with waitpid: Foundation's
    /// Process would wait for ever on the server that `new-session` leaves running).
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
      let output = scratch.appendingPathComponent("tmux-output.txt")
      let quoted = (["tmux", "-L", socket] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
      let status = system(quoted.joined(separator: " ") + " > '\(output.path)' 2>&1 < /dev/null")
      let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
      guard status == 0 else {
        throw TmuxError(description: "tmux \(arguments.first ?? "") failed (status \(status)): \(text)")
      }
      return text
    }

    func screen() throws -> String { try run(["capture-pane", "-t", "e2e", "-p"]) }
    func keys(_ keys: String...) throws { try run(["send-keys", "-t", "e2e"] + keys) }

    /// Polls the screen until `condition` holds; records an issue with the last screen if not.
    @discardableResult
    func wait(
      _ what: String, seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
      until condition: (String) -> Bool
    ) throws -> String {
      let deadline = Date(timeIntervalSinceNow: seconds)
      var last = ""
      while Date() < deadline {
        last = try screen()
        if condition(last) { return last }
        Thread.sleep(forTimeInterval: 0.1)
      }
      Issue.record("timed out waiting for \(what); screen:\n\(last)", sourceLocation: sourceLocation)
      return last
    }
  }

  static func step(in screen: String) -> Int? {
    guard let range = screen.range(of: #"step [0-9,]+ /"#, options: .regularExpression) else { return nil }
    return Int(screen[range].dropFirst(5).dropLast(2).replacingOccurrences(of: ",", with: ""))
  }

  @Test func theWorkbenchRunsInARealTerminal() throws {
    let tmuxFound = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
      || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
    guard tmuxFound else {
      Issue.record("tmux is needed for this test: sudo apt-get install -y tmux (README)")
      return
    }
    let scratch = try TemporaryDirectory("e2e")
    defer { scratch.remove() }
    let work = scratch.url
    let folder = try TinySession.write(
      Self.session, name: "default", in: work.appendingPathComponent("sessions"))
    let tmux = Tmux(scratch: work)
    let script = work.appendingPathComponent("run.sh")
    try Data(
      ("cd '\(work.path)' && VLP_THREADS=1 '\(Self.binary.path)'; echo \"EXIT=$?\" > exit.txt; "
        + "stty -a > stty.txt; sleep 30\n").utf8
    ).write(to: script)
    try tmux.run(["new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "sh '\(script.path)'"])
    defer { _ = try? tmux.run(["kill-server"]) }

    // Curves once training runs.
    var screen = try tmux.wait("the dashboard with curves") {
      $0.contains("Dashboard") && $0.contains("ITC") && $0.contains("MLM") && (Self.step(in: $0) ?? 0) >= 5
        && $0.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
    }
    #expect(screen.contains("running"))

    // Every screen with its key.
    for (key, title) in [("2", "Pseudo-targets"), ("3", "Masked tokens"), ("4", "Projection"), ("5", "Compare"), ("6", "Sessions"), ("1", "Dashboard")] {
      try tmux.keys(key)
      try tmux.wait("screen \(title)") { $0.contains("─ \(title)") }
    }

    // Masked tokens: clear the mask, mask the word under the cursor, see its predictions.
    try tmux.keys("3")
    try tmux.wait("predictions") { $0.contains("truth “") }
    try tmux.keys("c")
    try tmux.wait("no word masked") { $0.contains("no word masked") }
    try tmux.keys("m")
    screen = try tmux.wait("predictions for the masked word") {
      $0.components(separatedBy: ": truth “").count == 2 && !$0.contains("no word masked")
    }
    #expect(screen.contains("[MASK]"))
    try tmux.keys("Right", "m")
    try tmux.wait("predictions for two masked words") { $0.components(separatedBy: ": truth “").count == 3 }

    // Pause, then one step.
    try tmux.keys("1")
    try tmux.keys("Space")
    screen = try tmux.wait("paused") { $0.contains("paused") }
    Thread.sleep(forTimeInterval: 0.5)
    let paused = Self.step(in: try tmux.screen()) ?? -1
    try tmux.keys("n")
    try tmux.wait("one more step") { Self.step(in: $0) == paused + 1 }

    // Resize: smaller panes, then the compact line, then back.
    try tmux.run(["resize-window", "-t", "e2e", "-x", "70", "-y", "20"])
    try tmux.wait("a 70x20 dashboard") { $0.contains("Dash") && $0.split(separator: "\n").count <= 20 }
    try tmux.run(["resize-window", "-t", "e2e", "-x", "30", "-y", "6"])
    try tmux.wait("the size message") { $0.contains("needs 40x10") }
    try tmux.run(["resize-window", "-t", "e2e", "-x", "120", "-y", "40"])
    try tmux.wait("the full dashboard again") { $0.contains("2 Pseudo-targets") }

    // Quit (paused: no question), saved, terminal restored.
    try tmux.keys("q")
    let exitFile = work.appendingPathComponent("exit.txt")
    let deadline = Date(timeIntervalSinceNow: 30)
    while !FileManager.default.fileExists(atPath: exitFile.path) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.1)
    }
    Thread.sleep(forTimeInterval: 0.3)
    #expect((try? String(contentsOf: exitFile, encoding: .utf8)) == "EXIT=0\n")
    let stty = (try? String(contentsOf: work.appendingPathComponent("stty.txt"), encoding: .utf8)) ?? ""
    #expect(stty.contains(" icanon") && !stty.contains("-icanon"), "\(stty)")
    #expect(stty.contains(" echo ") && !stty.contains("-echo "), "\(stty)")
    let checkpoints = (try? FileManager.default.contentsOfDirectory(
      atPath: folder.appendingPathComponent("checkpoints/main").path)) ?? []
    #expect(checkpoints.contains("step-" + String(format: "%08d", paused + 1) + ".safetensors"), "\(checkpoints)")
  }
}
