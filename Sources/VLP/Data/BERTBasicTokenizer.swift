import Foundation

/// BERT's basic tokenizer with lower-casing, as HuggingFace's `BertTokenizer(do_lower_case=True)`
/// runs it over google-research/bert's `tokenization.py`: special tokens (`[MASK]`, ...) are cut
/// out of the text wherever they stand and kept whole; the rest is lower-cased, cleaned (NUL,
/// U+FFFD and control characters dropped, white space made a space), CJK ideographs split into
/// tokens of their own, NFC-normalised, split on white space, stripped of accents (NFD, then
/// nonspacing marks dropped) and split on punctuation.
///
/// Everything works on Unicode scalars, as Python works on code points: a Swift `Character`
/// (a grapheme cluster) would keep an emoji sequence or a decomposed Hangul syllable together
/// where BERT splits them, and String equality would merge canonically equivalent spellings.
/// Where the references differ: every `C*` category is a control character and special tokens are
/// kept whole, as HuggingFace does (google's code drops only Cc and Cf, and splits `[MASK]`);
/// a word is lower-cased as Python's `str.lower()` does, final sigma included (Σ at the end of a
/// word becomes ς), as google's code and HuggingFace's Python tokenizer do (the Rust one gives σ).
public enum BERTBasicTokenizer {
  public static func tokenize(_ text: String, neverSplit: [String] = Vocabulary.specialTokens)
    -> [String]
  {
    var tokens: [String] = []
    for (chunk, isSpecial) in splitSpecialTokens(text, neverSplit) {
      if isSpecial {
        tokens.append(chunk)
      } else {
        tokens += basicTokens(chunk, neverSplit: neverSplit)
      }
    }
    return tokens
  }

  /// The text cut around every occurrence of a special token (leftmost first, the longest at a
  /// position), as HuggingFace's added-token trie cuts it.
  static func splitSpecialTokens(_ text: String, _ specials: [String]) -> [(String, Bool)] {
    let scalars = Array(text.unicodeScalars)
    let patterns = specials.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
      .sorted { $0.count > $1.count }
    var chunks: [(String, Bool)] = []
    var start = 0
    var position = 0
    while position < scalars.count {
      let match = patterns.first { pattern in
        position + pattern.count <= scalars.count
          && scalars[position..<position + pattern.count].elementsEqual(pattern)
      }
      guard let match else {
        position += 1
        continue
      }
      if start < position { chunks.append((string(scalars[start..<position]), false)) }
      chunks.append((string(match[...]), true))
      position += match.count
      start = position
    }
    if start < scalars.count { chunks.append((string(scalars[start...]), false)) }
    return chunks
  }

  private static func basicTokens(_ text: String, neverSplit: [String]) -> [String] {
    var cleaned = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
      if isWhitespace(scalar) {
        cleaned.append(" ")
      } else if isCJKIdeograph(scalar) {
        cleaned.append(contentsOf: [" ", scalar, " "])
      } else {
        cleaned.append(scalar)
      }
    }
    let normalized = String(cleaned).precomposedStringWithCanonicalMapping
    var tokens: [String] = []
    for word in splitOnPythonWhitespace(normalized) {
      if neverSplit.contains(where: { $0.unicodeScalars.elementsEqual(word.unicodeScalars) }) {
        tokens.append(word)
        continue
      }
      var current = String.UnicodeScalarView()
      for scalar in stripAccents(lowercased(word)).unicodeScalars {
        if isPunctuation(scalar) {
          if !current.isEmpty { tokens.append(String(current)) }
          current = String.UnicodeScalarView()
          tokens.append(String(scalar))
        } else {
          current.append(scalar)
        }
      }
      if !current.isEmpty { tokens.append(String(current)) }
    }
    return tokens
  }

  /// Python's `str.lower()`: full mappings (İ → i̇), and Σ → ς where it ends a word (preceded
  /// by a cased letter and not followed by one, case-ignorable characters skipped).
  static func lowercased(_ text: String) -> String {
    let scalars = Array(text.unicodeScalars)
    var result = String.UnicodeScalarView()
    for (index, scalar) in scalars.enumerated() {
      if scalar == "\u{03A3}" && endsWord(scalars, at: index) {
        result.append("\u{03C2}")
      } else {
        result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      }
    }
    return String(result)
  }

  /// Unicode's Final_Sigma condition, as CPython tests it.
  private static func endsWord(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
    let before = scalars[..<index].last { !$0.properties.isCaseIgnorable }
    guard let before, before.properties.isCased else { return false }
    let after = scalars[(index + 1)...].first { !$0.properties.isCaseIgnorable }
    return after.map { !$0.properties.isCased } ?? true
  }

  /// NFD, then every nonspacing mark (Mn) dropped.
  static func stripAccents(_ text: String) -> String {
    var result = String.UnicodeScalarView()
    for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars
    where scalar.properties.generalCategory != .nonspacingMark {
      result.append(scalar)
    }
    return String(result)
  }

  /// Python's `str.split()`: runs of white space (its definition) separate words.
  private static func splitOnPythonWhitespace(_ text: String) -> [String] {
    text.unicodeScalars.split(whereSeparator: isPythonSpace).map { String($0) }
  }

  private static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0x2028, 0x2029: true
    default: scalar.properties.generalCategory == .spaceSeparator
    }
  }

  /// BERT's `_is_whitespace`: space, tab, newline, carriage return and category Zs.
  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case " ", "\t", "\n", "\r": true
    default: scalar.properties.generalCategory == .spaceSeparator
    }
  }

  /// HuggingFace's `_is_control`: any C* category except tab, newline and carriage return.
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
    switch scalar.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned: return true
    default: return false
    }
  }

  /// BERT's `_is_punctuation`: every non-alphanumeric ASCII printable (33–47, 58–64, 91–96,
  /// 123–126), and the Unicode P* categories.
  static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 33...47, 58...64, 91...96, 123...126: return true
    default: break
    }
    switch scalar.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default: return false
    }
  }

  /// The CJK Unified Ideographs blocks BERT splits (not Hiragana, Katakana or Hangul).
  static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
      0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      true
    default: false
    }
  }

  private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
  }
}
