/// One entry of a chart legend: a coloured sample glyph, a name and an optional value.
public struct LegendEntry: Sendable {
  public var marker: Unicode.Scalar
  public var markerStyle: CellStyle
  public var label: String

  public init(marker: Unicode.Scalar, markerStyle: CellStyle, label: String) {
    self.marker = marker
    self.markerStyle = markerStyle
    self.label = label
  }

  /// Columns the entry takes: marker, space, label.
  public var width: Int { 2 + DisplayWidth.of(label) }
}

/// Where a chart puts its legend, always outside the plot area.
public enum LegendPlacement: Sendable {
  /// Right of the plot when the region is wide, under it otherwise, none when tiny.
  case automatic
  case below
  case right
  case hidden
}

enum ChartLegend {
  /// Draws the legend outside the plot and returns the plot's rectangle. `.automatic` puts it
  /// right of the plot when `plotWidthBesideLegend` columns remain, else below it (in regions of
  /// 8 rows or more), else nowhere.
  static func place(
    _ entries: [LegendEntry], placement: LegendPlacement, in region: CanvasRegion,
    plotWidthBesideLegend: Int
  ) -> Rect {
    let bounds = region.bounds
    let legendWidth = entries.map(\.width).max() ?? 0
    let minimum = LineChart.minimumPlotSize
    var placement = entries.isEmpty ? .hidden : placement
    if placement == .automatic {
      placement =
        bounds.width - legendWidth - 1 >= plotWidthBesideLegend && entries.count <= bounds.height
        ? .right : bounds.height >= 8 ? .below : .hidden
    }
    switch placement {
    case .right where legendWidth + 1 + minimum.width <= bounds.width:
      let parts = Layout.columns(bounds, [.fill, .fixed(1), .fixed(legendWidth)])
      drawColumn(entries, into: region.region(parts[2]))
      return parts[0]
    case .below:
      let rows = min(rowsNeeded(entries, width: bounds.width), bounds.height - minimum.height)
      guard rows > 0 else { return bounds }
      let parts = Layout.rows(bounds, [.fill, .fixed(rows)])
      drawRows(entries, into: region.region(parts[1]))
      return parts[0]
    default:
      return bounds
    }
  }

  /// Rows the entries need when packed left to right into `width` columns, two spaces apart.
  static func rowsNeeded(_ entries: [LegendEntry], width: Int) -> Int {
    packed(entries, width: width).count
  }

  static func packed(_ entries: [LegendEntry], width: Int) -> [[LegendEntry]] {
    var rows: [[LegendEntry]] = []
    var used = 0
    for entry in entries {
      if rows.isEmpty || used + 2 + entry.width > width {
        rows.append([entry])
        used = entry.width
      } else {
        rows[rows.count - 1].append(entry)
        used += 2 + entry.width
      }
    }
    return rows
  }

  /// Entries packed into rows (below a plot).
  static func drawRows(_ entries: [LegendEntry], into region: CanvasRegion) {
    for (row, line) in packed(entries, width: region.width).prefix(region.height).enumerated() {
      var x = 0
      for entry in line {
        drawEntry(entry, into: region, at: Point(x: x, y: row))
        x += entry.width + 2
      }
    }
  }

  /// One entry per row (right of a plot).
  static func drawColumn(_ entries: [LegendEntry], into region: CanvasRegion) {
    for (row, entry) in entries.prefix(region.height).enumerated() {
      drawEntry(entry, into: region, at: Point(x: 0, y: row))
    }
  }

  private static func drawEntry(_ entry: LegendEntry, into region: CanvasRegion, at point: Point) {
    region.set(entry.marker, at: point, style: entry.markerStyle)
    region.put(text: entry.label, at: Point(x: point.x + 2, y: point.y), style: region.theme.text)
  }
}
