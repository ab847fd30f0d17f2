import Foundation
import NN
import Tensor

@testable import Engine
@testable import VLP

/// What trainer/parity.py reads: after `warmup` vlp steps (so that ALBEF's momentum copy differs
/// from the model and the queues hold real features), the weights, the next step's batch with its
/// masks (ALBEF: the seed of its ITM negatives and CMCL's rewrites; Oscar: its pollution labels), and vlp's losses
/// and gradients on it.
enum PyTorchParityFixture {
  static func write(configuration: PretrainingConfiguration, warmup: Int, to folder: URL) throws {
    let trainer = try Pretrainer(configuration: configuration)
    for _ in 0..<warmup { try trainer.trainStep() }
    try trainer.checkpoint(extra: [SessionRun.variantKey: "main"])
      .write(to: folder.appendingPathComponent("weights.safetensors"))
    let config = PyTorchConfig.json(
      trainer,
      derived: .init(
        variant: "main", session: "parity", trainCount: trainer.data.trainIndices.count,
        testCount: 0))
    try Data(config.text(.indented(depth: 2)).utf8)
      .write(to: folder.appendingPathComponent("config.json"))

    let step = trainer.step
    let stepBatch = try trainer.assembler.batch(at: step)
    let result: FamilyStepResult
    let batch: SafeTensorsFile
    switch stepBatch.family {
    case .albef(let albef, let rewrites):
      guard let training = trainer.family as? ALBEFTraining else {
        throw TrainingError.invalidRequest("an ALBEF batch for another family's trainer")
      }
      let alpha = trainer.alpha(at: step)
      let negativesSeed = StreamSeed.derive(configuration.seed, stream: .negatives, index: step)
      batch = try batchFile(
        albef, vision: stepBatch.vision, rewrites: rewrites, alpha: alpha,
        negativesSeed: negativesSeed)
      result = try training.losses(
        on: albef, vision: stepBatch.vision, rewrites: rewrites, alpha: alpha,
        context: ForwardContext(training: true, seed: 0), negativesSeed: negativesSeed,
        capturePseudoTargets: false)
    case .oscar(let oscar):
      guard let training = trainer.family as? OscarTraining else {
        throw TrainingError.invalidRequest("an Oscar batch for another family's trainer")
      }
      batch = try oscarBatchFile(oscar, vision: stepBatch.vision)
      result = try training.step(
        StepInputs(
          pairIndices: stepBatch.pairIndices, seed: configuration.seed, step: step,
          vision: stepBatch.vision, context: ForwardContext(training: true, seed: 0), alpha: 0,
          capturePseudoTargets: false),
        batch: stepBatch.family)
    }
    try batch.write(to: folder.appendingPathComponent("batch.safetensors"))
    trainer.optimizer.zeroGradients()
    try result.total.backward()
    var expected = result.losses.map {
      NamedArray(name: "loss." + $0.objective.metricKey, shape: [], values: [$0.value])
    }
    expected.append(NamedArray(name: "loss.total", shape: [], values: [try result.total.item()]))
    for (name, parameter) in trainer.optimizer.parameters {
      let gradient = parameter.gradStorage.map {
        Array(UnsafeBufferPointer(start: $0.pointer, count: parameter.count))
      } ?? [Float](repeating: 0, count: parameter.count)
      expected.append(NamedArray(name: "grad." + name, shape: parameter.dimensions, values: gradient))
    }
    try SafeTensorsFile(tensors: expected).write(to: folder.appendingPathComponent("expected.safetensors"))
  }

  /// An Oscar step's batch: the polluted, masked sequences with their segments and labels, the
  /// regions and the MVM masking (positions of the masked tokens in the B·(T + R) layout).
  static func oscarBatchFile(_ batch: OscarBatch, vision: MaskedVision?) throws -> SafeTensorsFile {
    func floats(_ values: [Int]) -> [Float] { values.map(Float.init) }
    let (b, length) = (batch.batchSize, batch.text.length)
    let positions = batch.sequencePositions
    let tensors = [
      NamedArray(name: "text_ids", shape: [b, length], values: floats(batch.text.ids.values)),
      NamedArray(name: "segments", shape: [b, length], values: floats(batch.segments.values)),
      NamedArray(name: "text_mask", tensor: batch.text.mask),
      NamedArray(name: "masked_ids", shape: [b, length], values: floats(batch.maskedIDs.values)),
      NamedArray(name: "masked_positions", shape: [positions.count], values: floats(positions)),
      NamedArray(
        name: "masked_targets", shape: [batch.masked.targets.count],
        values: floats(batch.masked.targets)),
      NamedArray(name: "image_values", tensor: batch.regions),
      NamedArray(name: "image_mask", tensor: batch.regionMask),
      NamedArray(name: "labels", shape: [b], values: floats(batch.labels)),
    ]
    let (visionTensors, metadata) = visionArrays(vision)
    return SafeTensorsFile(tensors: tensors + visionTensors, metadata: metadata)
  }

  /// The MVM masking of a step as parity.py reads it (`vision_*`, metadata `vision_slots`).
  static func visionArrays(_ vision: MaskedVision?) -> ([NamedArray], [String: String]) {
    guard let vision else { return ([], [:]) }
    var tensors = [
      NamedArray(
        name: "vision_positions", shape: [vision.positions.count],
        values: vision.positions.map(Float.init)),
      NamedArray(name: "vision_keep", tensor: vision.keep),
      NamedArray(name: "vision_indicator", tensor: vision.indicator),
      NamedArray(name: "vision_features", tensor: vision.features),
      NamedArray(
        name: "vision_labels", shape: [vision.labels.count], values: vision.labels.map(Float.init)),
    ]
    if let distributions = vision.distributions {
      tensors.append(NamedArray(name: "vision_distributions", tensor: distributions))
    }
    return (tensors, ["vision_slots": String(vision.slots)])
  }

  static func batchFile(
    _ batch: ALBEFBatch, vision: MaskedVision?, rewrites: ContrastiveRewrites?, alpha: Float,
    negativesSeed: UInt64
  ) throws -> SafeTensorsFile {
    func floats(_ values: [Int]) -> [Float] { values.map(Float.init) }
    let (b, length) = (batch.batchSize, batch.text.length)
    var tensors = [
      NamedArray(name: "text_ids", shape: [b, length], values: floats(batch.text.ids.values)),
      NamedArray(name: "text_mask", tensor: batch.text.mask),
      NamedArray(name: "masked_ids", shape: [b, length], values: floats(batch.maskedIDs.values)),
      NamedArray(
        name: "masked_positions", shape: [batch.masked.positions.count],
        values: floats(batch.masked.positions)),
      NamedArray(
        name: "masked_targets", shape: [batch.masked.targets.count],
        values: floats(batch.masked.targets)),
      NamedArray(name: "image_values", tensor: batch.image.values),
      NamedArray(name: "image_key", shape: [b], values: floats(batch.imageKeys)),
    ]
    if let mask = batch.image.mask { tensors.append(NamedArray(name: "image_mask", tensor: mask)) }
    if let rewrites, !rewrites.owners.isEmpty {  // CMCL's rewritten captions
      let ids = rewrites.text.ids
      tensors += [
        NamedArray(
          name: "rewrite_ids", shape: [ids.shape[0], ids.shape[1]], values: floats(ids.values)),
        NamedArray(name: "rewrite_mask", tensor: rewrites.text.mask),
        NamedArray(name: "rewrite_owners", shape: [rewrites.owners.count], values: floats(rewrites.owners)),
        NamedArray(
          name: "rewrite_positive", shape: [rewrites.owners.count],
          values: rewrites.isPositive.map { $0 ? 1 : 0 }),
      ]
    }
    let (visionTensors, visionMetadata) = visionArrays(vision)
    tensors += visionTensors
    let metadata = visionMetadata.merging(
      ["alpha": String(alpha), "negatives_seed": String(negativesSeed)]) { a, _ in a }
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }
}
