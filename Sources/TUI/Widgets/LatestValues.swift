/// The fallback of a plot in a region too small to draw one: `name  value` per row, the value
/// kept whole and the name cut to what is left.
struct LatestValues {
  let rows: [(name: String, value: Double?, style: CellStyle)]

  func draw(into region: CanvasRegion) {
    for (row, entry) in rows.prefix(region.height).enumerated() {
      let value = entry.value.map(NumberFormat.compact) ?? "-"
      let valueWidth = min(DisplayWidth.of(value), region.width)
      let nameWidth = region.width - valueWidth - 1
      if nameWidth > 0 {
        region.put(
          text: entry.name, at: Point(x: 0, y: row), style: entry.style,
          maxWidth: nameWidth)
      }
      region.put(
        text: value, at: Point(x: region.width - valueWidth, y: row), style: region.theme.text)
    }
  }
}
