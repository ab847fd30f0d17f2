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

  enum DecodingFailure: Error {
    case notBase64
    case partialFloat(byteCount: Int)
  }

  static func decode(_ text: Substring) throws(DecodingFailure) -> [Float] {
    guard let data = Data(base64Encoded: String(text)) else { throw .notBase64 }
    guard data.count % 4 == 0 else { throw .partialFloat(byteCount: data.count) }
    return data.withUnsafeBytes { raw in
      (0..<(data.count / 4)).map { index in
        Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
      }
    }
  }
}
