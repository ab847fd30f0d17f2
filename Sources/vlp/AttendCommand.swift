import Engine
import Foundation
import Imaging
import Tensor
import VLP

/// `vlp attend SESSION --pair N ...`: where the model looks, drawn over the image (the same
/// map as the workbench's attention view), or the pointing game over held-out pairs.
enum AttendCommand {
  static let usage = """
    usage: vlp attend SESSION --pair N [--word W] [--layer L] [--gradcam|--raw] [--momentum]
                      [--variant NAME] [--size PIXELS] --out FILE.png|FILE.svg
           vlp attend SESSION --pointing-game [--pairs N] [--layer L] [--gradcam|--raw] [--momentum]
      Reads the latest checkpoint of the session (its first variant, or --variant).
      --pair N         the held-out pair (1 = the first, as the workbench counts them)
      --word W         a caption word, by position (1-based) or by text; default: the whole caption
      --layer L        ALBEF: the fusion layer of the cross-attention, Oscar: the encoder layer
                       (1-based; default: half way up, ALBEF's third of six). Grad-CAM in the
                       last fusion layer has no per-word map (only [CLS] feeds the ITM head):
                       there only the whole caption's map, [CLS]'s, is drawn
      --gradcam|--raw  Grad-CAM of the ITM score (ALBEF's default) or the attention itself
                       (Oscar has only --raw)
      --momentum       the momentum (teacher) model instead of the student (ALBEF)
      --size PIXELS    the picture's side (default 192)
      --pointing-game  score object words of held-out scene-world pairs: how often a word's
                       largest weight lies on its object, against a map drawn at random
    """

  static func run(_ arguments: [String]) throws {
    let parsed = try CommandLineArguments(
      arguments,
      valueOptions: ["pair", "word", "layer", "out", "variant", "size", "pairs", "threads"],
      flagOptions: ["gradcam", "raw", "momentum", "pointing-game"])
    let folder = try SessionArgument.folder(parsed, command: "attend")
    guard !(parsed.flags.contains("gradcam") && parsed.flags.contains("raw")) else {
      throw CommandLineArguments.UsageError(description: "--gradcam and --raw exclude each other")
    }
    let weights = try SessionWeights(folder: folder)
    let name = parsed.options["variant"] ?? weights.variants[0].name
    guard let variant = weights.variants.first(where: { $0.name == name }) else {
      throw CommandLineArguments.UsageError(
        description: "--variant \(name): the session has \(weights.variants.map(\.name).joined(separator: ", "))")
    }
    let probe = variant.trainer.attentionMapProbe
    let isOscar = variant.trainer.configuration.model.family == .oscar
    let method: AttentionMethod =
      parsed.flags.contains("raw") || (isOscar && !parsed.flags.contains("gradcam")) ? .raw : .gradCAM
    let layer = try parsed.options["layer"].map { _ in try parsed.integers("layer", default: [])[0] - 1 }
    let momentum = parsed.flags.contains("momentum")
    let heldOut = variant.trainer.data.cleanTestIndices
    let threads = try parsed.options["threads"].map { _ in try parsed.integers("threads", default: [])[0] }
    try ComputeSettings.withThreadCount(threads ?? ComputeSettings.threadCount) {
      if parsed.flags.contains("pointing-game") {
        let count = try parsed.integers("pairs", default: [100])[0]
        let score = try probe.pointingGame(
          pairs: Array(heldOut.prefix(count)), layer: layer, method: method, momentum: momentum)
        print(
          "\(folder.name) · \(variant.name) · step \(variant.trainer.step) · \(method.rawValue) · layer "
            + "\((layer ?? probe.defaultLayer) + 1) of \(probe.layerCount)\(momentum ? " · momentum" : "")")
        print(
          String(
            format: "pointing game: %.1f / %d object words hit (%.1f%%); a random map: %.1f%%",
            score.hits, score.trials, 100 * score.accuracy, 100 * score.randomAccuracy))
        return
      }
      guard let out = parsed.options["out"] else {
        throw CommandLineArguments.UsageError(description: "--out FILE.png|FILE.svg is required")
      }
      let isSVG = out.lowercased().hasSuffix(".svg")
      guard isSVG || out.lowercased().hasSuffix(".png") else {
        throw CommandLineArguments.UsageError(description: "--out \(out): the name must end in .png or .svg")
      }
      let pair = try parsed.integers("pair", default: [1])[0]
      guard pair <= heldOut.count else {
        throw CommandLineArguments.UsageError(
          description: "--pair \(pair): the session has \(heldOut.count) held-out pairs (1-\(heldOut.count))")
      }
      let map = try probe.map(
        AttentionMapRequest(pairIndex: heldOut[pair - 1], layer: layer, method: method, momentum: momentum))
      let word = try wordIndex(parsed.options["word"], words: map.words)
      if word != nil, let withheld = map.wordMapsWithheld {
        throw TrainingError.invalidRequest(withheld + " (leave out --word for the whole caption)")
      }
      let size = try parsed.integers("size", default: [192])[0]
      let image = probe.image(map.pairIndex, size: size)
        ?? RGBImage(width: size, height: size, filledWith: (0.5, 0.5, 0.5))
      let weightsShown = map.imageWeights(word: word)
      let picture = AttentionOverlay.blend(image, weights: weightsShown, layout: map.layout)
      let title =
        "\"\(word.map { map.words[$0] } ?? "whole caption")\" · \(method.rawValue) · layer \(map.layer + 1)/"
        + "\(map.layerCount)\(momentum ? " · momentum" : "") · step \(variant.trainer.step)"
      if isSVG {
        let scale = max(1, 512 / max(1, size))
        try AttentionOverlay.svg(picture, layout: map.layout, title: title, scale: scale)
          .write(to: URL(fileURLWithPath: out), atomically: true, encoding: .utf8)
      } else {
        try PNGEncoding.write(picture, to: out)
      }
      print("wrote \(out): \(title) · caption: \(map.words.joined(separator: " "))")
      if let note = map.note { print("note: " + note) }
    }
  }

  /// `--word` as a 1-based position or a word of the caption; nil = the whole caption.
  static func wordIndex(_ text: String?, words: [String]) throws -> Int? {
    guard let text else { return nil }
    if let number = Int(text) {
      guard number >= 1, number <= words.count else {
        throw CommandLineArguments.UsageError(
          description: "--word \(number): the caption has \(words.count) words (1-\(words.count))")
      }
      return number - 1
    }
    guard let index = words.firstIndex(of: text.lowercased()) ?? words.firstIndex(of: text) else {
      throw CommandLineArguments.UsageError(
        description: "--word \(text): not in the caption \"\(words.joined(separator: " "))\"")
    }
    return index
  }
}
