import NN
import Tensor

extension Pretrainer {
  /// One feature per side of each pair, labelled by the scene's first object: ALBEF's ITC
  /// embeddings of the image and of the caption (the space retrieval ranks in), or Oscar's fused
  /// [CLS] state of the whole pair (modality `.pair`: Oscar has no unimodal embedding).
  public func pairFeatures(pairs indices: [Int]) throws -> TokenFeatureSet {
    try noGrad {
      var values: [Float] = []
      var labels: [FeatureLabel] = []
      var dimension = 0
      let context = ForwardContext.inference()
      for range in Self.chunks(indices.count, size: 64) {
        let chunk = Array(indices[range])
        var sides: [(Modality, Tensor)] = []  // each (B, E)
        switch family {
        case .albef:
          let model = albefModel!
          let image = try model.encodeImage(data.imageInputs(chunk), context: context)
          let text = try TextInputs(sequences: data.captionSequences(chunk), padID: data.vocabulary.padID)
          let hidden = try model.encodeText(text.ids, mask: text.mask, context: context)
          sides = [
            (.image, try model.imageEmbedding(image.tokens)), (.text, try model.textEmbedding(hidden)),
          ]
        case .oscar:
          let model = oscarModel!
          var random = RandomGenerator(seed: 0)
          let batch = try data.oscarBatch(
            chunk, pollution: 0, maskProbability: 0, source: chunk, random: &random)
          let hidden = try model(
            ids: batch.text.ids, segments: batch.segments, textMask: batch.text.mask,
            regions: batch.regions, regionMask: batch.regionMask, context: context)
          sides = [(.pair, try hidden.firstToken())]
        }
        for (modality, features) in sides {
          dimension = features.shape[1]
          let scalars = features.scalars
          for (b, index) in chunk.enumerated() {
            values += scalars[b * dimension..<(b + 1) * dimension]
            let scene = data.world.pairs[index].scene
            labels.append(
              FeatureLabel(
                pairIndex: index, modality: modality, fineClass: scene.objects.first?.fineClass ?? 0,
                text: modality == .text ? data.captionText(index) : "pair \(index)"))
          }
        }
      }
      return TokenFeatureSet(dimension: dimension, values: values, labels: labels)
    }
  }
}
