import Foundation
import VLP

/// The memory a session's models need, estimated from the configuration before anything is
/// allocated: a model past this machine's memory is refused by its keys at once, instead of
/// swapping for minutes or being killed by the kernel mid-allocation (issue 22).
enum ModelMemory {
  /// Bytes for weights, gradients and AdamW's two moments (and ALBEF's momentum copy): a lower
  /// bound (activations and data come on top), so a refusal is never wrong.
  static func estimatedBytes(_ configuration: PretrainingConfiguration) -> Double {
    let model = configuration.model
    let d = Double(model.dimension)
    let h = Double(model.hiddenSize)
    let perLayer = 4 * d * d + 2 * d * h  // attention's four projections and the FFN
    let parameters: Double
    if model.family == .oscar {
      parameters = Double(model.layers) * perLayer
    } else {
      let layers = Double(model.imageLayers + model.textLayers + model.fusionLayers)
      parameters = layers * perLayer + Double(model.fusionLayers) * 4 * d * d  // cross-attention
    }
    let copies = 4.0 + (model.family == .albef && configuration.objectives.distillation ? 1 : 0)
    return parameters * 4 * copies
  }

  /// Throws when every variant together needs more than the machine's physical memory.
  static func check(_ definition: SessionDefinition, source: String) throws {
    let needed = definition.variants.reduce(0) { $0 + estimatedBytes($1.configuration) }
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    guard needed > available else { return }
    let gib = { (bytes: Double) in String(format: "%.1f GiB", bytes / Double(1 << 30)) }
    throw DataError.invalidConfiguration(
      field: "\(source): model",
      reason: "the models need at least \(gib(needed)) for weights, gradients and AdamW's "
        + "moments, and this machine has \(gib(available)): lower model.dimension, "
        + "model.hiddenSize or the layer counts")
  }
}
