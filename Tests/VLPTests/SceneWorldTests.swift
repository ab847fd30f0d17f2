import Testing

@testable import VLP

@Suite struct SceneWorldTests {
  static func small(seed: UInt64 = 1, pairs: Int = 400) throws -> SceneWorld {
    var configuration = SceneWorldConfiguration()
    configuration.seed = seed
    configuration.pairCount = pairs
    return try SceneWorld(configuration: configuration)
  }

  @Test func sameSeedGivesTheSameWorld() throws {
    let a = try SceneWorldTests.small()
    let b = try SceneWorldTests.small()
    for (x, y) in zip(a.pairs, b.pairs) {
      #expect(x.caption == y.caption && x.scene == y.scene && x.regions == y.regions)
      #expect(
        x.regionFeatures == y.regionFeatures && x.detectorDistributions == y.detectorDistributions)
    }
    #expect(a.image(at: 7) == b.image(at: 7))
  }

  @Test func differentSeedsDiffer() throws {
    let a = try SceneWorldTests.small(seed: 1)
    let b = try SceneWorldTests.small(seed: 2)
    let sameCaptions = zip(a.pairs, b.pairs).filter { $0.caption.text == $1.caption.text }.count
    #expect(sameCaptions < 40)
    #expect(a.pairs[0].regionFeatures != b.pairs[0].regionFeatures)
    #expect(a.indices(of: .test) != b.indices(of: .test))
  }

  /// Features and distributions are regenerated from each pair's detector stream on every read
  /// (ScenePair): reading the pairs in another order gives the same values (no stream is
  /// shared or advanced by a read), and the rows match the regions the pair keeps.
  @Test func detectorOutputIsTheSameOnEveryReadInAnyOrder() throws {
    let world = try SceneWorldTests.small()
    let pairs = Array(world.pairs.prefix(40))
    let features = pairs.map(\.regionFeatures)
    let distributions = pairs.map(\.detectorDistributions)
    for (position, pair) in pairs.enumerated().reversed() {
      #expect(pair.regionFeatures == features[position])
      #expect(pair.detectorDistributions == distributions[position])
      #expect(features[position].count == pair.regionCount * world.configuration.featureDimension)
    }
    #expect(features[0] != features[1])
  }

  @Test func aPairRegeneratesAloneFromItsIndex() throws {
    let world = try SceneWorldTests.small()
    let alone = SceneWorld.makePair(
      index: 123, split: world.pairs[123].split, configuration: world.configuration,
      sampler: SceneSampler(configuration: world.configuration),
      detector: SharedDetector(
        detector: SimulatedDetector(configuration: world.configuration),
        prototypes: world.prototypes),
      grammar: world.grammar)
    #expect(alone.caption == world.pairs[123].caption)
    #expect(alone.regionFeatures == world.pairs[123].regionFeatures)
  }

  @Test func splitsAreExactDisjointAndCoverTheWorld() throws {
    let world = try SceneWorldTests.small(pairs: 1000)
    let train = world.indices(of: .train)
    let validation = world.indices(of: .validation)
    let test = world.indices(of: .test)
    #expect(validation.count == 50 && test.count == 50 && train.count == 900)
    #expect(Set(train + validation + test) == Set(0..<1000))
    #expect(world.pairs(in: .test).allSatisfy { $0.split == .test })
  }

  @Test func pairArraysHaveTheDocumentedShapes() throws {
    let world = try SceneWorldTests.small()
    for pair in world.pairs {
      let regions = pair.regionCount
      #expect(pair.regionFeatures.count == regions * 64)
      #expect(pair.regionBoxes.count == regions * 6)
      #expect(pair.regionInputs.count == regions * 70)
      #expect(pair.detectorDistributions.count == regions * SceneTaxonomy.fineClassCount)
      #expect(pair.regions.map(\.confidence) == pair.regions.map(\.confidence).sorted(by: >))
      #expect(!pair.scene.objects.isEmpty && pair.scene.objects.count <= 4)
      #expect(
        pair.scene.relations.count == pair.scene.objects.count * (pair.scene.objects.count - 1) / 2)
    }
  }

  @Test func detectorDistributionsAreSoftLabelsWithTheirArgmax() throws {
    let world = try SceneWorldTests.small()
    let classes = SceneTaxonomy.fineClassCount
    for pair in world.pairs {
      for (r, region) in pair.regions.enumerated() {
        let row = Array(pair.detectorDistributions[r * classes..<(r + 1) * classes])
        #expect(abs(row.reduce(0, +) - 1) < 1e-4)
        #expect(row.indices.max { row[$0] < row[$1] } == region.detectedClass)
        #expect(row[region.detectedClass] == region.confidence)
        switch region.kind {
        case .background: #expect(region.confidence < SimulatedDetector.tagConfidenceThreshold)
        default: #expect(region.confidence >= 0.3 - 1e-6)
        }
      }
      #expect(pair.detectorLabels == pair.regions.map(\.detectedClass))
    }
  }

  @Test func imagesAreRenderedOnDemandWithTheObjectsColours() throws {
    let world = try SceneWorldTests.small()
    let image = world.image(at: 0)
    #expect(image.width == 32 && image.height == 32 && image.pixels.count == 32 * 32 * 3)
    #expect(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    // A square fills its box: the pixel at its centre has its colour (up to pixel noise).
    var scene = SceneGraph(objects: [
      SceneObject(
        fineClass: 4, colour: 5, size: .large,
        box: BoundingBox(x1: 0.25, y1: 0.25, x2: 0.75, y2: 0.75))
    ])
    let quiet = SceneRenderer.render(scene, size: 16, pixelNoise: 0, seed: 3)
    let (red, green, blue) = quiet.pixel(x: 8, y: 8)
    let colour = SceneTaxonomy.colours[5]
    #expect(
      abs(red - colour.red) < 1e-6 && abs(green - colour.green) < 1e-6
        && abs(blue - colour.blue) < 1e-6)
    #expect(quiet.pixel(x: 1, y: 1).0 < 0.2)
    scene.objects[0].fineClass = 1  // a ring is hollow: its centre shows the background
    #expect(SceneRenderer.render(scene, size: 16, pixelNoise: 0, seed: 3).pixel(x: 8, y: 8).0 < 0.2)
  }

  @Test func cleanCaptionsDescribeEveryObject() throws {
    let world = try SceneWorldTests.small()
    for pair in world.pairs where !pair.caption.noise.isNoisy {
      for (index, object) in pair.scene.objects.enumerated() {
        let words = pair.caption.words.filter { $0.objects.contains(index) }
        let noun = words.first { $0.role == .object }?.text ?? ""
        let synonyms = SceneTaxonomy.fineClasses[object.fineClass].synonyms
        #expect(
          synonyms.contains(noun) || synonyms.map(SceneTaxonomy.plural(of:)).contains(noun),
          "\(pair.caption.text)")
        #expect(words.contains { $0.role == .colour && $0.text == object.colourName })
      }
      if let stated = pair.caption.statedRelation {
        let relationWords = pair.caption.words.filter { $0.role == .relation }.map(\.text).joined(
          separator: " ")
        #expect(stated.relation.phrases.contains(relationWords))
        #expect(stated.relation == pair.scene.relation(from: stated.subject, to: stated.object))
      }
    }
  }

  @Test func noisyCaptionsSayWhatTheirNoiseRecords() throws {
    let world = try SceneWorldTests.small()
    var seen = (wrong: 0, absent: 0)
    for pair in world.pairs {
      switch pair.caption.noise {
      case .none: break
      case .wrongColour(let object, let said):
        seen.wrong += 1
        #expect(said != pair.scene.objects[object].colour)
        #expect(
          pair.caption.words.contains {
            $0.objects.contains(object) && $0.role == .colour
              && $0.text == SceneTaxonomy.colours[said].name
          })
      case .absentObject(let fineClass, _):
        seen.absent += 1
        #expect(!pair.scene.objects.contains { $0.fineClass == fineClass })
        #expect(pair.caption.words.contains { $0.objects.isEmpty && $0.role == .object })
      }
    }
    #expect(seen.wrong > 10 && seen.absent > 10)
  }

  @Test func paraphrasesAreCleanDeterministicAndVaried() throws {
    let world = try SceneWorldTests.small()
    let first = world.paraphrase(of: 5, variant: 0)
    #expect(first == world.paraphrase(of: 5, variant: 0))
    #expect(first.noise == .none)
    let variants = Set((0..<20).map { world.paraphrase(of: 5, variant: $0).text })
    #expect(variants.count > 1)
  }

  @Test func tagsFollowTheChosenVocabulary() throws {
    let world = try SceneWorldTests.small()
    for pair in world.pairs {
      let fine = pair.tags(.fine)
      let coarse = pair.tags(.coarse)
      #expect(fine.count == coarse.count && pair.tags(.none).isEmpty)
      #expect(fine.allSatisfy { $0.split(separator: " ").count == 2 })
      #expect(coarse.allSatisfy { SceneTaxonomy.categories.contains($0) })
      #expect(fine.count == pair.regions.filter { $0.kind != .background }.count)
    }
    #expect(world.pairs[1].tagText(.coarse) == world.pairs[1].tags(.coarse).joined(separator: " "))
  }

  @Test func everyCaptionAndTagWordIsInTheVocabulary() throws {
    let world = try SceneWorldTests.small()
    let tokenizer = Tokenizer(vocabulary: world.vocabulary())
    for pair in world.pairs.prefix(200) {
      let ids = tokenizer.encode(
        pair.caption.text + " " + pair.tagText(.fine) + " " + pair.tagText(.coarse))
      #expect(!ids.contains(tokenizer.vocabulary.unknownID), "\(pair.caption.text)")
    }
  }
}
