import Foundation

/// Test-only fault injection for the NaN tripwire, inert unless the environment sets it:
///
///     VLP_FAULT_GRADIENT=VARIANT:STEP
///
/// makes element 0 of the first gradient (in the optimiser's order) NaN after backward of step
/// STEP (1-based) in the variant named VARIANT, while every loss stays finite, so a test can
/// drive the tripwire through a real `vlp run` (docs/reliability.md, "Fault points").
public enum GradientFaultPoint {
  struct Plan: Sendable, Equatable {
    var variant: String
    var step: Int
  }

  static let plan: Plan? = parse(ProcessInfo.processInfo.environment["VLP_FAULT_GRADIENT"])

  /// "VARIANT:STEP"; the variant name may not hold ':' (session variant names cannot).
  static func parse(_ text: String?) -> Plan? {
    guard let parts = text?.split(separator: ":").map(String.init), parts.count == 2,
      !parts[0].isEmpty, let step = Int(parts[1]), step > 0
    else { return nil }
    return Plan(variant: parts[0], step: step)
  }

  /// Arms `trainer` when the environment names `variant`.
  public static func arm(_ trainer: Pretrainer, variant: String) {
    guard let plan, plan.variant == variant else { return }
    trainer.gradientFault = { step, parameters in
      guard step == plan.step,
        let gradient = parameters.lazy.compactMap({ $0.tensor.gradStorage }).first
      else { return }
      gradient.pointer[0] = .nan
    }
  }
}
