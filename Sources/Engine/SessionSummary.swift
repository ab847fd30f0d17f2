import Foundation
import VLP

/// A session's state as read from its folder, without loading any model: what `vlp sessions`
/// and the sessions screen list.
public struct SessionSummary: Sendable {
  public enum Status: String, Sendable {
    case new, stopped, finished, failed, invalid
  }

  public var name: String
  public var description: String
  public var variants: [String]
  public var status: Status
  /// The latest step every variant has a checkpoint for (0: none).
  public var step: Int
  public var targetStep: Int
  /// The best mean recall over all evaluations and variants, with its variant and step.
  public var best: (variant: String, step: Int, meanRecall: Float)?
  /// Why the session cannot be loaded (status `invalid`) or why its last run failed.
  public var problem: String?

  public init(folder: SessionFolder) {
    name = folder.name
    (description, variants, status, step, targetStep) = ("", [], .new, 0, 0)
    let definition: SessionDefinition
    do {
      definition = try folder.definition()
    } catch {
      status = .invalid
      problem = "\(error)"
      return
    }
    description = definition.description
    variants = definition.variants.map(\.name)
    targetStep = definition.variants[0].configuration.training.steps
    let store = CheckpointStore(folder: folder, keep: definition.checkpoints.keep)
    step = store.latestCommonStep(variants: variants) ?? 0
    do {
      for record in try SessionLog.records(of: folder.evaluationFile, as: EvaluationRecord.self) {
        guard let recall = record.meanRecall, recall.isFinite else { continue }
        if best == nil || recall > best!.meanRecall { best = (record.variant, record.step, recall) }
      }
    } catch {
      problem = "\(error)"
    }
    let lastLog = (try? String(contentsOf: folder.logFile, encoding: .utf8))?
      .split(separator: "\n").last.map(String.init)
    if let lastLog, let range = lastLog.range(of: " error: ") {
      status = .failed
      problem = String(lastLog[range.upperBound...])
    } else if step >= targetStep {
      status = .finished
    } else if step > 0 || FileManager.default.fileExists(atPath: folder.metricsFile.path) {
      status = .stopped
    }
  }

  /// `default  finished  3000/3000  best R 0.912 (main, step 3000)  ALBEF on ...`
  public var line: String {
    var parts = [
      name.padding(toLength: 14, withPad: " ", startingAt: 0),
      status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
      "\(step)/\(targetStep)".padding(toLength: 12, withPad: " ", startingAt: 0),
    ]
    if let best {
      parts.append(String(format: "best mean recall %.3f (%@, step %d)", best.meanRecall, best.variant, best.step))
    }
    if variants.count > 1 { parts.append("variants: " + variants.joined(separator: ", ")) }
    if let problem { parts.append(problem) }
    return parts.joined(separator: "  ")
  }
}
