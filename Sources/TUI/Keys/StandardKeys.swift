/// The bindings every screen shares (docs: terminal conventions). Screens add their own tables.
public enum StandardKeys {
  public static let global = KeyTable(
    name: "Global",
    bindings: [
      KeyBinding([.character("q")], .quit, "quit (asks first while training runs)"),
      KeyBinding([.ctrl("c")], .quitNow, "quit"),
      KeyBinding([.character("?")], .help, "show or hide this help"),
      KeyBinding([.escape], .back, "back, or close help"),
      KeyBinding([.tab], .nextScreen, "next screen"),
      KeyBinding([.shiftTab], .previousScreen, "previous screen"),
      KeyBinding(
        (1...9).map { .character(Character(String($0))) }, .showScreen, "go to screen 1-9"),
    ])
}
