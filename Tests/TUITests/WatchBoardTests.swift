import Foundation
import RunLogs
import TestSupport
import Testing

@testable import TUI

/// The watch screens over runs read from files: tag groups, the filter, run selection, the
/// x axis, and the min/max envelope that keeps a spike in a long series.
struct WatchBoardTests {
  static func board(_ directory: TemporaryDirectory) throws -> WatchBoard {
    for run in ["albef", "blip"] {
      let writer = try EventFileWriter(folder: directory.file("runs/\(run)"), wallTime: 1_700_000_000)
      for step in 1...30 {
        writer.add(
          step: step, wallTime: 1_700_000_000 + Double(step),
          scalars: [("loss/itc", Float(3 - Double(step) * 0.05)), ("loss/mlm", 2), ("lr", 1e-4)])
      }
      try writer.flush()
    }
    let board = WatchBoard(watcher: try LogWatcher(paths: [directory.child("runs")]))
    _ = board.poll()
    return board
  }

  static func text(_ board: WatchBoard, width: Int = 100, height: Int = 30) -> String {
    let canvas = Canvas(width: width, height: height, theme: .asciiMonochrome)
    board.draw(into: canvas)
    return canvas.snapshotText()
  }

  @Test func tagsAreGroupedByPrefixAndFilteredByARegularExpression() throws {
    let directory = try TemporaryDirectory("watch")
    defer { directory.remove() }
    let board = try Self.board(directory)
    #expect(board.selection.tags(board.store) == ["loss/itc", "loss/mlm", "lr"])
    var screen = Self.text(board)
    #expect(screen.contains("all  loss  lr"))
    #expect(screen.contains("2 runs - 3 tags - 180 points") || screen.contains("2 runs · 3 tags · 180 points"), "\(screen)")
    _ = board.handle(.character(">"))
    #expect(board.dashboard.tags(board) == ["loss/itc", "loss/mlm"])
    for key in ["/", "i", "t", "c", "|", "l", "r"].map({ Key.character(Character($0)) }) + [.enter] {
      _ = board.handle(key)
    }
    #expect(board.selection.tags(board.store) == ["loss/itc", "lr"])
    // A run's name matches too: every tag of that run is shown.
    for key in ["/", "b", "l", "i", "p"].map({ Key.character(Character($0)) }) + [.enter] { _ = board.handle(key) }
    #expect(board.selection.runs(board.store, tag: "loss/mlm").map(\.name) == ["blip"])
    _ = board.handle(.character("/"))
    _ = board.handle(.enter)
    #expect(board.selection.filter == nil)
    // An invalid expression keeps the prompt open and says why.
    for key in ["/", "("].map({ Key.character(Character($0)) }) + [.enter] { _ = board.handle(key) }
    #expect(board.editingFilter == "(")
    #expect(board.message?.contains("not a regular expression") == true)
    _ = board.handle(.escape)
    screen = Self.text(board)
    #expect(!screen.contains("filter /"))
  }

  @Test func runsCanBeHiddenAndTheXAxisCycles() throws {
    let directory = try TemporaryDirectory("watch")
    defer { directory.remove() }
    let board = try Self.board(directory)
    _ = board.handle(.character("3"))
    #expect(Self.text(board).contains("Runs"))
    _ = board.handle(.space)
    #expect(board.selection.runs(board.store, tag: "lr").map(\.name) == ["blip"])
    _ = board.handle(.character("a"))
    #expect(board.selection.runs(board.store, tag: "lr").count == 2)
    _ = board.handle(.character("2"))
    _ = board.handle(.character("x"))
    #expect(board.xAxis == .relative)
    let screen = Self.text(board)
    #expect(screen.contains("loss/itc - tag 1 of 3") || screen.contains("loss/itc · tag 1 of 3"), "\(screen)")
    #expect(screen.contains("25s"), "relative time in seconds: \(screen)")
  }

  @Test func theEnvelopeKeepsEverySpike() {
    let count = 1_000_000
    var values = [Double](repeating: 1, count: count)
    values[123_457] = 50
    values[900_001] = -7
    let x = (0..<count).map(Double.init)
    let points = Envelope.sample(x: x, y: values, buckets: 200)
    #expect(points.count <= 400)
    #expect(points.map(\.y).max() == 50)
    #expect(points.map(\.y).min() == -7)
    #expect(points.map(\.x) == points.map(\.x).sorted())
    // Short series come back whole.
    #expect(Envelope.sample(x: [1, 2, 3], y: [3, 1, 2], buckets: 200).map(\.y) == [3, 1, 2])
  }
}
