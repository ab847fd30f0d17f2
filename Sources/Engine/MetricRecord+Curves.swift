/// What a curve export (`vlp export --curves`, TUI's CurveExport) reads of a session: its
/// metrics log and the loss names in display order.
extension MetricRecord {
  /// The session's metrics log, read.
  public static func records(of folder: SessionFolder) throws -> [MetricRecord] {
    try SessionLog.records(of: folder.metricsFile, as: MetricRecord.self)
  }

  /// The loss names of `records` in display order.
  public static func lossNames(_ records: [MetricRecord]) -> [String] {
    var names: [String] = []
    for record in records {
      for loss in record.losses where !names.contains(loss.name) { names.append(loss.name) }
    }
    return JSONLine.ordered(names: names, order: LossOrder.names)
  }
}
