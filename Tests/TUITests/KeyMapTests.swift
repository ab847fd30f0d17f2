import Testing

@testable import TUI

@Suite struct KeyMapTests {
  @Test func standardKeysAndDashboardValidate() throws {
    try Dashboard.keyMap.validate()
    #expect(Dashboard.keyMap.action(for: .character("q"), screen: "Dashboard") == .quit)
    #expect(Dashboard.keyMap.action(for: .character(" "), screen: "Dashboard") == .togglePause)
    #expect(Dashboard.keyMap.action(for: .character("5"), screen: "Dashboard") == .showScreen)
    #expect(Dashboard.keyMap.action(for: .character("Z"), screen: "Dashboard") == nil)
  }

  @Test func duplicateAcrossGlobalAndScreenFailsNamingKeyAndActions() {
    let map = KeyMap(
      global: StandardKeys.global,
      screens: [
        KeyTable(
          name: "Sessions",
          bindings: [KeyBinding([.character("n"), .character("q")], .create, "new session")])
      ])
    #expect(throws: KeyMapError.self) { try map.validate() }
    do {
      try map.validate()
    } catch {
      let message = error.description
      #expect(message.contains("key q"), "\(message)")
      #expect(message.contains("quit (Global)"), "\(message)")
      #expect(message.contains("create (Sessions)"), "\(message)")
      #expect(message.contains("screen Sessions"), "\(message)")
    }
  }

  /// Spellings of one key count as one: a space character is Space, Ctrl-I is Tab.
  @Test func duplicatesAreFoundThroughNormalisation() {
    let table = KeyTable(
      name: "Screen",
      bindings: [
        KeyBinding([.space], .togglePause, "pause"), KeyBinding([.character(" ")], .open, "select"),
        KeyBinding([.ctrl("I")], .move, "other"),
      ])
    let conflicts = KeyMap(global: StandardKeys.global, screens: [table]).conflicts()
    #expect(conflicts.count == 2)
    #expect(conflicts.map(\.key) == [.space, .tab])
    #expect(conflicts.first?.first.action == .togglePause)
    #expect(conflicts.first?.second.action == .open)
  }

  @Test func duplicateInsideGlobalIsReportedOnce() {
    var global = StandardKeys.global
    global.bindings.append(KeyBinding([.character("?")], .back, "about"))
    let map = KeyMap(
      global: global,
      screens: [KeyTable(name: "A", bindings: []), KeyTable(name: "B", bindings: [])])
    #expect(map.conflicts().count == 1)
  }

  @Test func markdownListsEveryTable() {
    let markdown = Dashboard.keyMap.markdown()
    #expect(markdown.hasPrefix("# Keys\n\n## Global\n\n| Keys | Action |\n|---|---|\n"))
    #expect(markdown.contains("| `q` | quit (asks first while training runs) |"))
    #expect(markdown.contains("| `1-9` | go to screen 1-9 |"))
    #expect(markdown.contains("| `Shift-Tab` | previous screen |"))
    #expect(markdown.contains("## Dashboard"))
    #expect(markdown.contains("| `←`, `→`, `↑`, `↓`, `h`, `l` | select a pane |"))
  }

  @Test func keyNames() {
    #expect(Key.ctrl("C").displayName() == "Ctrl-C")
    #expect(Key.up.displayName(unicode: false) == "Up")
    #expect(Key.character(" ").displayName() == "Space")
    let binding = KeyBinding(
      [.character("0"), .character("1"), .character("2"), .character("3"), .character("x")], .move,
      "")
    #expect(binding.keyNames() == ["0-3", "x"])
  }
}
