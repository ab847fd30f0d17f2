/// What a key does: the key map turns a key into one of these, and the workbench and its screens
/// switch on it, so a misspelt action does not compile. The raw value is the name a key-table
/// conflict reports.
public enum KeyAction: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
  // Every screen (StandardKeys, WorkbenchKeys.global) and the training step.
  case quit, quitNow, help, back, nextScreen, previousScreen, showScreen, togglePause, step
  // Charts: the dashboard and the compare screen.
  case smoothLess, smoothMore, toggleLogScale, toggleTimeAxis, toggleOutliers, enlarge
  case evaluate, evaluateMoreOften, evaluateLessOften
  /// Arrow keys and hjkl; the screen reads the direction from the key.
  case move
  // Pseudo-targets and masked tokens.
  case variant, nextVariant, moveWord, moveSample, toggleMask, randomMask, clearMask
  case firstSample, lastSample
  // The attention view of the masked-token screen.
  case toggleAttention, wholeCaption, layer, toggleGradCAM, toggleMomentum
  // Projection.
  case recompute, features, placeIntoMap
  // Sessions.
  case open, create, first, last
  // vlp watch: the tag filter, run selection, tag groups.
  case filter, toggleRun, allRuns, previousGroup, nextGroup

  public var description: String { rawValue }
}
