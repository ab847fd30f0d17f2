/// The watch dashboard: a chart per tag of the selected group ("all" first), each shown run
/// overlaid; panes degrade to fewer on a small terminal, as on the workbench's dashboard.
struct WatchDashboard {
  var selected = 0
  var group = 0
  var enlarged = false
  var columns = 1

  mutating func handle(_ action: KeyAction, key: Key, board: WatchBoard) {
    let groups = ["all"] + WatchSelection.groups(of: board.selection.tags(board.store))
    switch action {
    case .enlarge: enlarged.toggle()
    case .previousGroup, .nextGroup:
      group = (group + (action == .nextGroup ? 1 : groups.count - 1)) % groups.count
      selected = 0
    case .move: selected += PaneGrid.offset(of: key, columns: columns)
    default: break
    }
    let count = tags(board).count
    selected = min(max(0, selected), max(0, count - 1))
  }

  func tags(_ board: WatchBoard) -> [String] {
    let all = board.selection.tags(board.store)
    let groups = ["all"] + WatchSelection.groups(of: all)
    let name = groups[min(group, groups.count - 1)]
    return name == "all" ? all : all.filter { WatchSelection.group(of: $0) == name }
  }

  mutating func draw(into region: CanvasRegion, board: WatchBoard) {
    let all = board.selection.tags(board.store)
    let groups = ["all"] + WatchSelection.groups(of: all)
    group = min(group, groups.count - 1)
    let rows = Layout.rows(region.bounds, [.fixed(1), .fill()])
    var x = 1
    for (index, name) in groups.enumerated() {
      let style = index == group ? region.theme.highlight.adding(.reverse) : region.theme.dim
      region.region(rows[0]).put(text: name, at: Point(x: x, y: 0), style: style)
      x += DisplayWidth.of(name) + 2
      if x >= region.width { break }
    }
    let tags = tags(board)
    let body = region.region(rows[1])
    guard !tags.isEmpty else {
      body.put(text: board.emptyText, at: Point(x: 1, y: 0), style: region.theme.dim)
      return
    }
    selected = min(selected, tags.count - 1)
    if enlarged {
      drawPane(selected, tags: tags, into: body, board: board)
      return
    }
    let grid = PaneGrid.fitting(
      paneCount: tags.count, in: body.bounds, minimumWidth: DashboardState.minimumPane.width,
      minimumHeight: DashboardState.minimumPane.height)
    columns = max(1, grid.columns)
    // Scroll by whole rows of panes so the selected one is visible.
    let firstRow = max(0, selected / columns - max(0, grid.rows - 1))
    for (index, rect) in grid.rects(in: body.bounds).enumerated() {
      let pane = firstRow * columns + index
      guard pane < tags.count else { break }
      drawPane(pane, tags: tags, into: body.region(rect), board: board)
    }
    if grid.visibleCount < tags.count, body.height > 0 {
      body.put(
        text: body.glyphs.text(" \(tags.count) panes, \(grid.visibleCount) shown: arrows scroll, e enlarges, < > groups "),
        at: Point(x: 1, y: body.height - 1), style: body.theme.dim)
    }
  }

  private func drawPane(_ index: Int, tags: [String], into region: CanvasRegion, board: WatchBoard) {
    let isSelected = index == selected
    let tag = tags[index]
    let latest = board.selection.runs(board.store, tag: tag).first?[tag]?.values.last
    let inside = region.frame(
      title: tag, note: latest.map { NumberFormat.compact($0) },
      style: isSelected ? region.theme.highlight : nil,
      titleStyle: isSelected ? region.theme.highlight : region.theme.title)
    board.chart(tag: tag, into: inside)
  }
}
