import Testing

@testable import VLP

/// Variants share prepared data, and the scene world itself when only their models differ.
@Suite struct PretrainingDataCacheTests {
  @Test func variantsWithOtherModelsShareTheWorldButNotTheData() throws {
    var cache = PretrainingDataCache()
    let albef = PretrainerFixtures.configuration(.albef, pairs: 200)
    var longerSchedule = albef
    longerSchedule.training.steps += 10
    let oscar = PretrainerFixtures.configuration(.oscar, pairs: 200)
    var otherWorld = albef
    otherWorld.data.world.seed += 1

    let first = try cache.data(for: albef)
    #expect(try cache.data(for: longerSchedule) === first)
    let second = try cache.data(for: oscar)
    #expect(second !== first)
    #expect(second.world === first.world)
    #expect(second.model.family == .oscar)
    let third = try cache.data(for: otherWorld)
    #expect(third.world !== first.world)
    #expect(third.world.configuration.seed == albef.data.world.seed + 1)
  }

  /// A world built from other settings is not taken: the data builds its own.
  @Test func aWorldOfOtherSettingsIsNotShared() throws {
    let configuration = PretrainerFixtures.configuration(.albef, pairs: 200)
    var other = configuration.data.world
    other.pairCount = 100
    let data = try PretrainingData(
      configuration: configuration, world: try SceneWorld(configuration: other))
    #expect(data.world.count == 200)
  }
}
