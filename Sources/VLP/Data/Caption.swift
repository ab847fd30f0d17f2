/// What a caption word says about the scene; lets objectives rewrite a caption (swap a colour,
/// an object or a relation word) and lets the UI explain a masked word.
public enum CaptionRole: String, Sendable, Codable {
  case function, count, size, colour, object, relation
}

public struct CaptionWord: Sendable, Equatable, Codable {
  public var text: String
  public var role: CaptionRole
  /// The scene objects the word describes (several for "two red circles"); empty for function
  /// and relation words and for the words of an object that is not in the scene (noise).
  public var objects: [Int]

  public init(_ text: String, _ role: CaptionRole, objects: [Int] = []) {
    self.text = text
    self.role = role
    self.objects = objects
  }
}

/// How a noisy caption departs from its scene, the web alt-text noise that ALBEF's momentum
/// distillation is meant to absorb.
public enum CaptionNoise: Sendable, Equatable, Codable {
  case none
  /// The caption gives `objects[object]` the colour `said` instead of its own.
  case wrongColour(object: Int, said: Int)
  /// The caption mentions an object of `fineClass` and `colour` that the scene does not have.
  case absentObject(fineClass: Int, colour: Int)

  public var isNoisy: Bool { self != .none }
}

/// A caption with its structure: every word with its role and object, the relation it states
/// (if any) and its noise.
public struct Caption: Sendable, Equatable, Codable {
  public var words: [CaptionWord]
  public var statedRelation: SceneRelation?
  public var noise: CaptionNoise

  public init(words: [CaptionWord], statedRelation: SceneRelation?, noise: CaptionNoise) {
    self.words = words
    self.statedRelation = statedRelation
    self.noise = noise
  }

  /// Lower-case words separated by single spaces, no punctuation (ALBEF's cleaned captions).
  public var text: String { words.map(\.text).joined(separator: " ") }
}
