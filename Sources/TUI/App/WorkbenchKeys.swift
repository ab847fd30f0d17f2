/// Every key of the workbench: one table drives the help overlay, the key handling and
/// docs/keys.md (`vlp keys` prints it), so they cannot disagree.
public enum WorkbenchKeys {
  static let arrows: [Key] = [.left, .right, .up, .down, .character("h"), .character("l"), .character("k"), .character("j")]

  public static let global = KeyTable(
    name: "Global",
    bindings: StandardKeys.global.bindings.map { binding in
      switch binding.action {
      case .showScreen:
        KeyBinding((1...ScreenID.allCases.count).map { .character(Character(String($0))) }, .showScreen, "go to screen 1-\(ScreenID.allCases.count) (the numbers in the tab bar)")
      case .back: KeyBinding(binding.keys, .back, "back, close help, or cancel the t-SNE under way (Projection)")
      default: binding
      }
    } + [
      KeyBinding([.space], .togglePause, "pause or resume training"),
    ])

  /// On every screen but Sessions, where `n` makes a new session.
  static let step = KeyBinding([.character("n")], .step, "one training step while paused")

  public static let screens: [KeyTable] = [
    KeyTable(
      name: ScreenID.dashboard.title,
      bindings: [
        step,
        KeyBinding([.character("[")], .smoothLess, "less smoothing (TensorBoard's weight, -0.05)"),
        KeyBinding([.character("]")], .smoothMore, "more smoothing (+0.05, at most 0.999)"),
        KeyBinding([.character("y")], .toggleLogScale, "linear or logarithmic y axis"),
        KeyBinding([.character("x")], .toggleTimeAxis, "x axis by step or by training time"),
        KeyBinding([.character("o")], .toggleOutliers, "ignore outliers (5th-95th percentile) in the y range"),
        KeyBinding(arrows, .move, "select a pane"),
        KeyBinding([.character("e"), .enter], .enlarge, "enlarge the selected pane, or shrink it back"),
        KeyBinding([.character("v")], .evaluate, "evaluate now on the held-out split"),
        KeyBinding([.character("+")], .evaluateMoreOften, "evaluate twice as often"),
        KeyBinding([.character("-")], .evaluateLessOften, "evaluate half as often"),
      ]),
    KeyTable(
      name: ScreenID.pseudoTargets.title,
      bindings: [
        step,
        KeyBinding([.up, .down, .character("k"), .character("j")], .move, "choose the image whose top-5 texts are shown"),
        KeyBinding([.left, .right, .character("h"), .character("l")], .variant, "previous or next variant"),
      ]),
    KeyTable(
      name: ScreenID.maskedTokens.title,
      bindings: [
        step,
        KeyBinding([.left, .right, .character("h"), .character("l")], .moveWord, "move the cursor over the caption's words"),
        KeyBinding([.up, .down, .character("k"), .character("j")], .moveSample, "previous or next held-out sample"),
        KeyBinding([.character("m"), .enter], .toggleMask, "mask or unmask the word under the cursor"),
        KeyBinding([.character("r")], .randomMask, "draw a new random 15% mask"),
        KeyBinding([.character("c")], .clearMask, "unmask every word"),
        KeyBinding([.character("g"), .home], .firstSample, "first held-out sample"),
        KeyBinding([.character("G"), .end], .lastSample, "last held-out sample"),
        KeyBinding([.character("]")], .nextVariant, "next variant"),
        KeyBinding([.character("a")], .toggleAttention, "where the model looks (attention map over the image), or back to the predictions"),
        KeyBinding([.character("w")], .wholeCaption, "attention: the whole caption or the word under the cursor"),
        KeyBinding([.character("<"), .character(">")], .layer, "attention: previous or next layer"),
        KeyBinding([.character("t")], .toggleGradCAM, "attention: Grad-CAM of the ITM score or raw attention (ALBEF)"),
        KeyBinding([.character("M")], .toggleMomentum, "attention: student or momentum model (ALBEF)"),
      ]),
    KeyTable(
      name: ScreenID.projection.title,
      bindings: [
        step,
        KeyBinding([.character("r")], .recompute, "t-SNE from scratch of the current weights' features (a new layout)"),
        KeyBinding([.character("p")], .placeIntoMap, "place the current weights' features into the finished map now (and follow the checkpoints again after Esc)"),
        KeyBinding([.character("f")], .features, "token features (regions and words) or [CLS] embeddings"),
      ]),
    KeyTable(
      name: ScreenID.compare.title,
      bindings: [
        step,
        KeyBinding([.left, .right, .character("h"), .character("l")], .move, "previous or next objective"),
        KeyBinding([.character("[")], .smoothLess, "less smoothing"),
        KeyBinding([.character("]")], .smoothMore, "more smoothing"),
        KeyBinding([.character("y")], .toggleLogScale, "linear or logarithmic y axis"),
        KeyBinding([.character("v")], .evaluate, "evaluate every variant now"),
      ]),
    KeyTable(
      name: ScreenID.sessions.title,
      bindings: [
        KeyBinding([.up, .down, .character("k"), .character("j")], .move, "choose a session"),
        KeyBinding([.enter], .open, "open the session (the current one is saved first)"),
        KeyBinding([.character("n")], .create, "new session: a copy of the chosen one's session.json under a new name"),
        KeyBinding([.character("g"), .home], .first, "first session"),
        KeyBinding([.character("G"), .end], .last, "last session"),
      ]),
  ]

  public static let keyMap = KeyMap(global: global, screens: screens)

  /// docs/keys.md.
  public static var markdown: String {
    keyMap.markdown(title: "Keys") + "\n" + WatchKeys.keyMap.markdown(title: "Keys of `vlp watch`")
  }
}
