import Foundation
import RunLogs
import Testing

/// The event files that torch.utils.tensorboard, tensorboardX and a TF2-style tensor writer
/// produced (Tests/Fixtures/make_tensorboard_fixtures.py) read back as the scalars they were
/// given; histograms, text and the empty parent run of `add_scalars` give no curves.
struct EventFileFixtureTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/tensorboard")

  static func expected() throws -> [String: [String: [[Double]]]] {
    let data = try Data(contentsOf: root.appendingPathComponent("expected.json"))
    return try JSONDecoder().decode([String: [String: [[Double]]]].self, from: data)
  }

  @Test func everyFixtureReadsAsItsWriterWasGiven() throws {
    let watcher = try LogWatcher.load(paths: [Self.root.path])
    #expect(watcher.notices.isEmpty, "\(watcher.notices)")
    let expected = try Self.expected()
    for (run, tags) in expected {
      let curves = try #require(watcher.store[run], "run \(run) missing: \(watcher.store.runs.map(\.name))")
      #expect(Set(curves.tags) == Set(tags.keys), "\(run): \(curves.tags)")
      for (tag, points) in tags {
        let series = try #require(curves[tag])
        #expect(series.steps == points.map { Int64($0[0]) }, "\(run) \(tag)")
        #expect(series.values == points.map { $0[1] }, "\(run) \(tag)")
        #expect(series.wallTimes.allSatisfy { $0 > 1_600_000_000 })
      }
    }
    #expect(watcher.store["torch/scalars"]?.tags == [])
  }

  @Test func pluginMetadataOnTheFirstValueDecidesTheTag() throws {
    // new_style's loss/mlm names the scalars plugin on its first value only; every later tensor
    // value of the tag still counts, and the histogram's tensors never do.
    let watcher = try LogWatcher.load(paths: [Self.root.appendingPathComponent("torch").path])
    let curves = try #require(watcher.store["albef"])
    #expect(curves["loss/mlm"]?.count == 12)
    #expect(curves["weights"] == nil)
    #expect(curves["notes"] == nil)
  }
}
