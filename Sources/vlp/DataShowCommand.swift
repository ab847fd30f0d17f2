import Engine
import Foundation
import Imaging
import Tensor
import VLP

/// `vlp data show`: what the model sees, drawn in the terminal and written as PNG.
enum DataShowCommand {
  /// Its lines of `vlp data`'s usage.
  static let usage = """
           vlp data show IMAGE [--size S] [--fit crop|pad] [--out FILE.png]
           vlp data show SESSION --pair N [--variant NAME] [--size S] [--out FILE.png]
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments, valueOptions: ["size", "fit", "out", "pair", "variant"], flagOptions: [])
    guard parsed.positionals.count == 1, let target = parsed.positionals.first else {
      throw CommandLineArguments.UsageError(
        description: "data show needs one IMAGE file or SESSION\n\(DataCommand.usage)")
    }
    let size = try parsed.options["size"].map { text in
      guard let value = Int(text), (1...1024).contains(value) else {
        throw CommandLineArguments.UsageError(
          description: "--size expects a side in pixels from 1 to 1024, got '\(text)'")
      }
      return value
    }
    let image: RGBImage
    let what: String
    if let pairText = parsed.options["pair"] {
      if parsed.options["fit"] != nil {
        throw CommandLineArguments.UsageError(
          description: "--fit applies to image files; a scene world's images are square")
      }
      (image, what) = try sessionImage(
        target, pair: pairText, variant: parsed.options["variant"], size: size)
    } else {
      if parsed.options["variant"] != nil {
        throw CommandLineArguments.UsageError(description: "--variant goes with SESSION --pair N")
      }
      let fitName = parsed.options["fit"] ?? "crop"
      guard let fit = ImageFit(rawValue: fitName) else {
        throw CommandLineArguments.UsageError(
          description: "--fit expects crop or pad, got '\(fitName)'")
      }
      let side = size ?? 32
      image = try ImageDecoding.square(file: target, size: side, fit: fit)
      what = "\(target) at \(side)x\(side) (\(fit.rawValue))"
    }
    let environment = ProcessInfo.processInfo.environment
    let columns = Int(environment["COLUMNS"] ?? "") ?? 80
    // Wider than the terminal: the drawing only is area-reduced to fit; the PNG keeps the size.
    let shown =
      image.width > columns
      ? ImageResizing.square(image, size: max(1, columns), fit: .crop) : image
    print(TerminalImage.render(shown, colors: TerminalColors.detect(environment)), terminator: "")
    print(what + (shown.width < image.width ? ", drawn at \(shown.width)x\(shown.width)" : ""))
    if let out = parsed.options["out"] {
      try PNGEncoding.write(image, to: out)
      print("wrote \(out) (\(image.width)x\(image.height) PNG)")
    }
  }

  /// The rendered image of scene pair `pair` of a session's variant (the first unless
  /// `--variant`), at the model's imageSize unless `size` is given.
  private static func sessionImage(
    _ session: String, pair pairText: String, variant variantName: String?, size: Int?
  ) throws -> (RGBImage, String) {
    let folder = try SessionArgument.named(session)
    let definition = try folder.definition()
    guard
      let variant = variantName.map({ name in definition.variants.first { $0.name == name } })
        ?? definition.variants.first
    else {
      let names = definition.variants.map(\.name).joined(separator: ", ")
      throw CommandLineArguments.UsageError(
        description:
          "session \(folder.name) has no variant '\(variantName ?? "")' (it has: \(names))")
    }
    let configuration = variant.configuration
    guard configuration.data.source == .world else {
      return try corpusImage(folder.name, variant.name, configuration, pair: pairText, size: size)
    }
    let world = try SceneWorld(configuration: configuration.data.world)
    guard let pair = Int(pairText), (0..<world.count).contains(pair) else {
      throw CommandLineArguments.UsageError(
        description: "--pair expects a pair number from 0 to \(world.count - 1), got '\(pairText)'")
    }
    let side = size ?? variant.configuration.model.imageSize
    let caption = world.pairs[pair].caption.text
    return (
      world.image(at: pair, size: side),
      "\(folder.name) pair \(pair) (\(variant.name)) at \(side)x\(side): \(caption)"
    )
  }

  /// Pair `pair` of a real data set as the model sees it: the cached square (no augmentation)
  /// at the model's imageSize unless `size` is given, with its caption.
  private static func corpusImage(
    _ session: String, _ variant: String, _ configuration: PretrainingConfiguration,
    pair pairText: String, size: Int?
  ) throws -> (RGBImage, String) {
    let data = try PretrainingData(configuration: configuration)
    let corpus = data.corpus
    guard let pair = Int(pairText), (0..<corpus.count).contains(pair) else {
      throw CommandLineArguments.UsageError(
        description: "--pair expects a pair number from 0 to \(corpus.count - 1), got '\(pairText)'")
    }
    guard corpus.features.contains(.pixels) else {
      throw CommandLineArguments.UsageError(
        description: "session \(session) reads region features (data.source "
          + "\"\(corpus.source.rawValue)\"): it has no images to show")
    }
    let side = size ?? configuration.model.imageSize
    var noAugmentation: RandomGenerator?
    return (
      try corpus.image(pair, size: side, augmentation: &noAugmentation),
      "\(session) pair \(pair) (\(variant)) at \(side)x\(side): \(corpus.caption(pair))"
    )
  }
}
