import NN
import Tensor

/// Which side of the pair a feature comes from.
public enum Modality: String, Sendable, Codable {
  case image, text
  /// Both at once: Oscar's fused [CLS] state of a pair.
  case pair
}

/// What one projected point is: for Oscar's Fig. 4, a region (or patch) or a word, coloured by
/// the object class it shows or names.
public struct FeatureLabel: Sendable, Equatable, Codable {
  public var pairIndex: Int
  public var modality: Modality
  /// Fine class of the object (SceneTaxonomy.fineClasses).
  public var fineClass: Int
  /// The word, or "region k" / "patch k".
  public var text: String
  /// The class's name for real data (a detector class); nil for the scene world's classes.
  public var classTitle: String?

  public init(pairIndex: Int, modality: Modality, fineClass: Int, text: String) {
    (self.pairIndex, self.modality, self.fineClass, self.text) = (pairIndex, modality, fineClass, text)
  }

  public var className: String { classTitle ?? SceneTaxonomy.fineClasses[fineClass].name }

  /// Labels a point of real data by a corpus class (`names[classIndex]`; -1: unlabelled).
  mutating func setCorpusClass(_ classIndex: Int, names: [String]) {
    fineClass = max(0, classIndex)
    classTitle = names.indices.contains(classIndex) ? names[classIndex] : "unlabelled"
  }
}

/// Final-layer features of image and word tokens, one row per label.
public struct TokenFeatureSet: Sendable {
  public var dimension: Int
  public var values: [Float]  // (labels.count, dimension)
  public var labels: [FeatureLabel]
}

/// The learned features the projection screen and `vlp tsne` map: object tokens of both
/// modalities (`tokenFeatures`) or one feature per side of a pair (`pairFeatures`), read
/// without dropout.
public struct FeatureProbe {
  let model: TrainedModel
  public let data: PretrainingData
  let configuration: PretrainingConfiguration

  init(model: TrainedModel, data: PretrainingData, configuration: PretrainingConfiguration) {
    (self.model, self.data, self.configuration) = (model, data, configuration)
  }

  /// The features of every object region (Oscar; ALBEF with regions) or object patch (ALBEF with
  /// patches) and every object word of the given pairs, labelled by the object's true fine
  /// class. Oscar: the last layer's hidden states (one space for both modalities). ALBEF: the
  /// unimodal encoders' token states through the ITC projections, L2-normalised, so that image
  /// and text tokens share the space ITC aligns.
  public func tokenFeatures(pairs indices: [Int]) throws -> TokenFeatureSet {
    try noGrad {
      var values: [Float] = []
      var labels: [FeatureLabel] = []
      var dimension = 0
      let context = ForwardContext.inference()
      for range in chunkRanges(indices.count, size: 64) {
        let chunk = Array(indices[range])
        let imageStates: Tensor  // (B, N_image, D): token states of the image side, no [CLS]
        let textStates: Tensor  // (B, T, D)
        switch try probeEncoding(chunk, context: context) {
        case .albef(let model, let image, let text):
          let tokens = image.shape[1]
          imageStates = try model.visionProjection(image.sliced(axis: 1, range: 1..<tokens)).l2Normalized()
          textStates = try model.textProjection(text).l2Normalized()
        case .oscar(let hidden, let t):
          imageStates = try hidden.sliced(axis: 1, range: t..<hidden.shape[1])
          textStates = try hidden.sliced(axis: 1, range: 0..<t)
        }
        dimension = imageStates.shape[2]
        let (imageValues, textValues) = (imageStates.scalars, textStates.scalars)
        let (imageCount, textLength) = (imageStates.shape[1], textStates.shape[1])
        for (b, index) in chunk.enumerated() {
          for (slot, fineClass, name) in imageObjects(of: index, slots: imageCount) {
            let start = (b * imageCount + slot) * dimension
            values += imageValues[start..<start + dimension]
            var label = FeatureLabel(pairIndex: index, modality: .image, fineClass: fineClass, text: name)
            if data.world == nil { label.setCorpusClass(fineClass, names: data.corpus.classNames) }
            labels.append(label)
          }
          guard let world = data.world else { continue }  // real captions have no object words
          let scene = world.pairs[index].scene
          for (w, word) in world.pairs[index].caption.words.enumerated()
          where word.role == .object && !word.objects.isEmpty && w + 1 < textLength {
            let start = (b * textLength + w + 1) * dimension
            values += textValues[start..<start + dimension]
            labels.append(
              FeatureLabel(
                pairIndex: index, modality: .text, fineClass: scene.objects[word.objects[0]].fineClass,
                text: word.text))
          }
        }
      }
      return TokenFeatureSet(dimension: dimension, values: values, labels: labels)
    }
  }

  /// What the probes read: ALBEF's unimodal states (image tokens with [CLS], caption hidden
  /// states), or Oscar's joint states over caption, tags and regions with the text length.
  enum ProbeEncoding {
    case albef(ALBEFModel, image: Tensor, text: Tensor)
    case oscar(hidden: Tensor, textLength: Int)
  }

  func probeEncoding(_ chunk: [Int], context: ForwardContext) throws -> ProbeEncoding {
    switch model {
    case .albef(let model):
      let image = try model.encodeImage(data.imageInputs(chunk), context: context)
      let text = try TextInputs(sequences: data.captionSequences(chunk), padID: data.vocabulary.padID)
      return .albef(
        model, image: image.tokens,
        text: try model.encodeText(text.ids, mask: text.mask, context: context))
    case .oscar(let model):
      var random = RandomGenerator(seed: 0)
      let batch = try data.oscarBatch(
        chunk, pollution: 0, maskProbability: 0, source: chunk, random: &random)
      let hidden = try model(
        ids: batch.text.ids, segments: batch.segments, textMask: batch.text.mask,
        regions: batch.regions, regionMask: batch.regionMask, context: context)
      return .oscar(hidden: hidden, textLength: batch.text.length)
    }
  }

  /// Image-side slots that show an object: regions matched to a scene object, or patches whose
  /// centre lies in an object's box (the last drawn, i.e. topmost, wins).
  func imageObjects(of index: Int, slots: Int) -> [(slot: Int, fineClass: Int, name: String)] {
    guard let world = data.world else { return corpusRegionObjects(of: index, slots: slots) }
    let pair = world.pairs[index]
    let objects = pair.scene.objects
    if configuration.model.family == .oscar || configuration.model.imageInput == .regions {
      return pair.regions.prefix(slots).enumerated().compactMap { slot, region in
        region.object.map { (slot, objects[$0].fineClass, "region \(slot)") }
      }
    }
    let (size, patch) = (configuration.model.imageSize, configuration.model.patchSize)
    let perSide = size / patch
    var result: [(Int, Int, String)] = []
    for slot in 0..<min(slots, perSide * perSide) {
      let x = (Float(slot % perSide) + 0.5) / Float(perSide)
      let y = (Float(slot / perSide) + 0.5) / Float(perSide)
      if let object = objects.lastIndex(where: {
        $0.box.x1 <= x && x <= $0.box.x2 && $0.box.y1 <= y && y <= $0.box.y2
      }) {
        result.append((slot, objects[object].fineClass, "patch \(slot)"))
      }
    }
    return result
  }

  /// Real data: the labelled regions of a region corpus (projections coloured by detector
  /// class); images of a caption corpus have no object labels.
  func corpusRegionObjects(of index: Int, slots: Int) -> [(slot: Int, fineClass: Int, name: String)] {
    guard configuration.model.family == .oscar || configuration.model.imageInput == .regions,
      let regions = try? data.corpus.regions(index, distributions: false)
    else { return [] }
    return regions.labels.prefix(min(slots, regions.count)).enumerated().compactMap { slot, label in
      label >= 0 ? (slot, label, "region \(slot)") : nil
    }
  }
}
