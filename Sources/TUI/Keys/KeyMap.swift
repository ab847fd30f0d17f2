/// Keys that trigger one action, with the sentence that help and docs/keys.md show for it.
public struct KeyBinding: Sendable {
  public var keys: [Key]
  public var action: KeyAction
  public var summary: String

  public init(_ keys: [Key], _ action: KeyAction, _ summary: String) {
    self.keys = keys
    self.action = action
    self.summary = summary
  }
}

extension KeyBinding {
  /// The keys as help and docs print them, a run of three or more consecutive digits shortened
  /// to its ends: `1-9`, `Tab`, `← → h l`.
  public func keyNames(unicode: Bool = true) -> [String] {
    var names: [String] = []
    var index = 0
    while index < keys.count {
      var end = index
      while end + 1 < keys.count, let digit = keys[end].digit, keys[end + 1].digit == digit + 1 {
        end += 1
      }
      if end - index >= 2 {
        names.append(keys[index].displayName(unicode: unicode) + "-" + keys[end].displayName())
        index = end + 1
      } else {
        names.append(keys[index].displayName(unicode: unicode))
        index += 1
      }
    }
    return names
  }
}

extension Key {
  var digit: Int? {
    if case .character(let character) = self { return character.wholeNumberValue }
    return nil
  }
}

/// The bindings of one screen (or the global ones).
public struct KeyTable: Sendable {
  public var name: String
  public var bindings: [KeyBinding]

  public init(name: String, bindings: [KeyBinding]) {
    self.name = name
    self.bindings = bindings
  }
}

/// Two actions bound to the same key where both are live (global + one screen).
public struct KeyConflict: Equatable, Sendable, CustomStringConvertible {
  public var key: Key
  public var screen: String
  /// (table name, action) of the first and the second binding.
  public var first: (table: String, action: KeyAction)
  public var second: (table: String, action: KeyAction)

  public var description: String {
    "screen \(screen): key \(key.displayName()) is bound to both \(first.action) (\(first.table)) "
      + "and \(second.action) (\(second.table))"
  }

  public static func == (a: KeyConflict, b: KeyConflict) -> Bool {
    a.key == b.key && a.screen == b.screen && a.first == b.first && a.second == b.second
  }
}

public enum KeyMapError: Error, CustomStringConvertible {
  case duplicateBindings([KeyConflict])

  public var description: String {
    switch self {
    case .duplicateBindings(let conflicts):
      return "key table has \(conflicts.count) duplicate binding(s):\n"
        + conflicts.map { "  " + $0.description }.joined(separator: "\n")
    }
  }
}

/// Global bindings plus one table per screen: the one source for dispatch, the help overlay
/// and docs/keys.md. A screen's own binding wins over a global one (see `action(for:screen:)`),
/// but `validate()` reports any such overlap, so the tables stay unambiguous.
public struct KeyMap: Sendable {
  public var global: KeyTable
  public var screens: [KeyTable]

  public init(global: KeyTable, screens: [KeyTable]) {
    self.global = global
    self.screens = screens
  }

  public func table(named name: String) -> KeyTable? { screens.first { $0.name == name } }

  /// The action of a key on a screen: the screen's binding, else the global one.
  public func action(for key: Key, screen: String) -> KeyAction? {
    let key = key.normalized
    let tables = (table(named: screen).map { [$0] } ?? []) + [global]
    for table in tables {
      if let binding = table.bindings.first(where: { $0.keys.contains { $0.normalized == key } }) {
        return binding.action
      }
    }
    return nil
  }

  /// Every key bound twice among the global table and a screen's table (within one table or
  /// across the two); the global table alone is checked as a screen named after it.
  public func conflicts() -> [KeyConflict] {
    var found: [KeyConflict] = []
    for screen in [nil] + screens.map(Optional.some) {
      var seen: [Key: (table: String, action: KeyAction)] = [:]
      let tables = [global] + (screen.map { [$0] } ?? [])
      for table in tables {
        for binding in table.bindings {
          let keys = binding.keys.map(\.normalized)
          for (index, key) in keys.enumerated() where !keys[..<index].contains(key) {
            let current = (table: table.name, action: binding.action)
            if let previous = seen[key] {
              // A duplicate inside the global table shows once, not again for every screen.
              if screen != nil && previous.table == global.name && table.name == global.name {
                continue
              }
              found.append(
                KeyConflict(
                  key: key, screen: screen?.name ?? global.name, first: previous,
                  second: current))
            } else {
              seen[key] = current
            }
          }
        }
      }
    }
    return found
  }

  public func validate() throws(KeyMapError) {
    let found = conflicts()
    if !found.isEmpty { throw .duplicateBindings(found) }
  }
}
