/// Decodes standard base64 (`A-Z a-z 0-9 + /`, `=` padding) of little-endian float32 values
/// straight from a row's bytes, without building a String or Data of the row first.
enum Base64Floats {
  enum Failure: Error, Equatable {
    /// The first byte that is not base64, at this position of the column.
    case invalidCharacter(position: Int)
    /// The text's length is not a whole number of 4-character groups.
    case badLength(Int)
    /// Decodes to bytes that are not whole float32 values.
    case partialFloat(byteCount: Int)
  }

  private static let table: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
    return table
  }()

  static func decode(_ text: ArraySlice<UInt8>) throws(Failure) -> [Float] {
    guard text.count % 4 == 0 else { throw .badLength(text.count) }
    var padding = 0
    if text.last == UInt8(ascii: "=") { padding += 1 }
    if text.count >= 2, text[text.endIndex - 2] == UInt8(ascii: "=") { padding += 1 }
    let byteCount = text.count / 4 * 3 - padding
    var bytes = [UInt8](repeating: 0, count: byteCount + 3)
    var bad: Int?
    text.withUnsafeBufferPointer { source in
      bytes.withUnsafeMutableBufferPointer { target in
        var out = 0
        var group = 0
        while group < source.count {
          var word: UInt32 = 0
          for k in 0..<4 {
            let character = source[group + k]
            var value = table[Int(character)]
            if character == UInt8(ascii: "="), group + k >= source.count - padding { value = 0 }
            if value == 0xFF {
              bad = group + k
              return
            }
            word = word << 6 | UInt32(value)
          }
          target[out] = UInt8(truncatingIfNeeded: word >> 16)
          target[out + 1] = UInt8(truncatingIfNeeded: word >> 8)
          target[out + 2] = UInt8(truncatingIfNeeded: word)
          out += 3
          group += 4
        }
      }
    }
    if let bad { throw .invalidCharacter(position: bad) }
    guard byteCount % 4 == 0 else { throw .partialFloat(byteCount: byteCount) }
    let count = byteCount / 4
    return bytes.withUnsafeBytes { raw in
      [Float](unsafeUninitializedCapacity: count) { floats, initialized in
        for index in 0..<count {
          floats[index] = Float(
            bitPattern: UInt32(
              littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        }
        initialized = count
      }
    }
  }
}
