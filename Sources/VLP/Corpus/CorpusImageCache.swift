import Tensor

/// The images of a caption corpus decoded and resized once, at the model's size.
enum CorpusImageCache {
  static func prepare(paths: [String], size: Int, fit: ImageFit, progress: CorpusProgress?) throws
    -> any CorpusImages
  {
    throw DataError.invalidConfiguration(
      field: "data.source", reason: "decoding image files needs the Imaging module (not merged yet)")
  }
}
