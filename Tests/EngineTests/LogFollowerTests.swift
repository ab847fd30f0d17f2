import Foundation
import NN
import TestSupport
import Testing

@testable import Engine

/// The watcher's view of a log another process appends to: whole lines only, each once, and a
/// fresh start when the writer cuts the log back (a smaller file, or a new one renamed over it).
@Suite struct LogFollowerTests {
  @Test func wholeLinesOnceAndAFreshStartAfterACutBack() throws {
    let directory = try TemporaryDirectory("follower")
    defer { directory.remove() }
    let url = try directory.write("metrics.jsonl", "a\nb\nhalf")
    var follower = LogFollower(url: url)
    var polled = follower.poll()
    #expect(polled.lines.map(\.text) == ["a", "b"] && polled.lines.map(\.number) == [1, 2])
    #expect(!polled.restarted)
    #expect(follower.poll().lines.isEmpty, "a line still being written is not read")

    let handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(" done\nc\n".utf8))
    try handle.close()
    polled = follower.poll()
    #expect(polled.lines.map(\.text) == ["half done", "c"] && polled.lines.map(\.number) == [3, 4])

    // A resuming writer replaces the log with its first lines (atomically: a new file).
    try writeFileAtomically(Data("a\nb\nhalf done\nc2\nd\n".utf8), to: url)
    polled = follower.poll()
    #expect(polled.restarted)
    #expect(polled.lines.map(\.text) == ["a", "b", "half done", "c2", "d"])
    try writeFileAtomically(Data("a\n".utf8), to: url)
    polled = follower.poll()
    #expect(polled.restarted && polled.lines.map(\.text) == ["a"])
  }
}
