import Foundation

/// CSV curves with a header, in either form:
///
///     long:  step,tag,value[,wall_time][,run]     one row per point
///     wide:  step[,wall_time][,run],loss,lr,...   one column per tag
///
/// `variant` is read as `run` and `time` as `wall_time`, so vlp's own `--curves` CSV reads back.
/// Empty cells are skipped; a cell that is not a number is reported with its line.
public struct CSVCurveParser: Sendable {
  public let run: String
  private var header: [String]?
  private var lineNumber = 0

  public init(run: String) { self.run = run }

  public mutating func consume(
    _ bytes: UnsafeRawBufferPointer, base: Int, isFinal: Bool, into store: inout CurveStore
  ) -> (consumed: Int, problems: [RecordProblem]) {
    let (lines, consumed) = LineBuffer.lines(bytes, isFinal: isFinal)
    var problems: [RecordProblem] = []
    var offset = base
    store.position(of: run)
    for line in lines {
      lineNumber += 1
      defer { offset += line.utf8.count + 1 }
      let cells = Self.cells(line)
      if cells.allSatisfy(\.isEmpty) { continue }
      guard let header else {
        self.header = cells
        continue
      }
      if let problem = addRow(cells, header: header, to: &store) {
        problems.append(RecordProblem(offset: offset, detail: "line \(lineNumber): \(problem)"))
      }
    }
    return (consumed, problems)
  }

  private func addRow(_ cells: [String], header: [String], to store: inout CurveStore) -> String? {
    let lowered = header.map { $0.lowercased() }
    func column(_ names: String...) -> Int? { names.lazy.compactMap { lowered.firstIndex(of: $0) }.first }
    let stepColumn = column("step", "epoch", "iteration") ?? 0
    guard stepColumn < cells.count, let step = Double(cells[stepColumn]).flatMap(LineBuffer.step) else {
      return "no step number in column \(stepColumn + 1)"
    }
    let wallColumn = column("wall_time", "time")
    let runColumn = column("run", "variant")
    let wallTime = wallColumn.flatMap { $0 < cells.count ? Double(cells[$0]) : nil } ?? .nan
    let runName = runColumn.flatMap { $0 < cells.count && !cells[$0].isEmpty ? cells[$0] : nil } ?? run
    if let tagColumn = column("tag"), let valueColumn = column("value") {
      guard tagColumn < cells.count, valueColumn < cells.count else { return "too few cells" }
      guard let value = Double(cells[valueColumn]) else { return "value '\(cells[valueColumn])' is not a number" }
      store.append(run: runName, tag: cells[tagColumn], step: step, wallTime: wallTime, value: value)
      return nil
    }
    let special = Set([stepColumn, wallColumn, runColumn].compactMap { $0 })
    for (index, name) in header.enumerated() where !special.contains(index) && index < cells.count {
      guard !cells[index].isEmpty else { continue }
      guard let value = Double(cells[index]) else { return "\(name) '\(cells[index])' is not a number" }
      store.append(run: runName, tag: name, step: step, wallTime: wallTime, value: value)
    }
    return nil
  }

  /// Cells split at commas outside double quotes, quotes removed, spaces trimmed.
  static func cells(_ line: Substring) -> [String] {
    var cells: [String] = []
    var current = ""
    var quoted = false
    for character in line where character != "\r" {
      if character == "\"" { quoted.toggle() } else if character == ",", !quoted {
        cells.append(current.trimmingCharacters(in: .whitespaces))
        current = ""
      } else {
        current.append(character)
      }
    }
    cells.append(current.trimmingCharacters(in: .whitespaces))
    return cells
  }
}
