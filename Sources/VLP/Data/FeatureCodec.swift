import Foundation

/// Region features as Oscar/VinVL's feature TSV stores them: little-endian float32 values,
/// base64-encoded, one row of D + 6 values per box.
enum FeatureCodec {
  static func encode(_ values: [Float]) -> String {
    var bytes = [UInt8]()
    bytes.reserveCapacity(values.count * 4)
    for value in values {
      let bits = value.bitPattern.littleEndian
      withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
    }
    return Data(bytes).base64EncodedString()
  }

  /// The one decoder is `Base64Floats` (the readers' bounded, byte-level one).
  static func decode(_ text: Substring) throws(Base64Floats.Failure) -> [Float] {
    try Base64Floats.decode(ArraySlice(text.utf8))
  }
}
