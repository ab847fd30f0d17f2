import NN
import Tensor

extension FeatureProbe {
  /// One feature per side of each pair, labelled by the scene's first object: ALBEF's ITC
  /// embeddings of the image and of the caption (the space retrieval ranks in), or Oscar's fused
  /// [CLS] state of the whole pair (modality `.pair`: Oscar has no unimodal embedding).
  public func pairFeatures(pairs indices: [Int]) throws -> TokenFeatureSet {
    try noGrad {
      var values: [Float] = []
      var labels: [FeatureLabel] = []
      var dimension = 0
      let context = ForwardContext.inference()
      for range in chunkRanges(indices.count, size: 64) {
        let chunk = Array(indices[range])
        let sides: [(Modality, Tensor)]  // each (B, E)
        switch try probeEncoding(chunk, context: context) {
        case .albef(let model, let image, let text):
          sides = [(.image, try model.imageEmbedding(image)), (.text, try model.textEmbedding(text))]
        case .oscar(let hidden, _):
          sides = [(.pair, try hidden.firstToken())]
        }
        for (modality, features) in sides {
          dimension = features.shape[1]
          let scalars = features.scalars
          for (b, index) in chunk.enumerated() {
            values += scalars[b * dimension..<(b + 1) * dimension]
            var label = FeatureLabel(
              pairIndex: index, modality: modality, fineClass: 0,
              text: modality == .text ? data.captionText(index) : "pair \(index)")
            if let world = data.world {
              label.fineClass = world.pairs[index].scene.objects.first?.fineClass ?? 0
            } else {
              label.setCorpusClass(firstRegionClass(of: index), names: data.corpus.classNames)
            }
            labels.append(label)
          }
        }
      }
      return TokenFeatureSet(dimension: dimension, values: values, labels: labels)
    }
  }

  /// The class of a real image's first labelled region (-1 without one).
  func firstRegionClass(of index: Int) -> Int {
    ((try? data.corpus.regions(index, distributions: false))?.labels.first { $0 >= 0 }) ?? -1
  }
}
