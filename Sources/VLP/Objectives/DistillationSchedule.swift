/// The momentum-distillation weight alpha over training.
///
/// ALBEF Pretrain.py: in epoch 0, `alpha = config['alpha'] * min(1, i / len(data_loader))`, so
/// alpha rises linearly from 0 over the first epoch and stays at its maximum afterwards (LAVIS
/// ramps over two epochs: pass twice the steps). A fresh model's momentum targets are noise, so
/// they get no weight at step 0.
public enum DistillationSchedule {
  /// maximum · min(1, step / rampSteps); step < 0 counts as 0; rampSteps <= 0 means no ramp.
  public static func alpha(step: Int, rampSteps: Int, maximum: Float) -> Float {
    guard rampSteps > 0 else { return maximum }
    let fraction = min(1, Double(max(0, step)) / Double(rampSteps))
    return Float(Double(maximum) * fraction)
  }
}
