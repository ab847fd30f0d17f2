import Foundation
import Tensor

/// Reads and writes NumPy `.npy` files (format versions 1, 2 and 3): little- or big-endian
/// float32, float64 and integer arrays, C or Fortran order. Values are returned as Float in C
/// (row-major) order. Errors name the file and what is wrong with it.
public enum NumpyFile {
  public struct Array: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]
  }

  static let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)

  public static func read(path: String) throws -> Array {
    try parse(try MatrixFile.contents(of: path), path: path)
  }

  /// A 2-D array as (rows, columns, row-major values).
  public static func readMatrix(path: String) throws -> (rows: Int, columns: Int, values: [Float]) {
    let array = try read(path: path)
    guard array.shape.count == 2 else {
      throw TSNEError.unreadableFile(
        path: path,
        reason: "expected a 2-D array (points x dimensions), got shape \(array.shape)")
    }
    return (array.shape[0], array.shape[1], array.values)
  }

  static func parse(_ bytes: [UInt8], path: String) throws -> Array {
    func fail(_ reason: String) -> TSNEError { .unreadableFile(path: path, reason: reason) }
    guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else {
      throw fail("not a .npy file (it does not start with \\x93NUMPY)")
    }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw fail("truncated header") }
      headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
      headerStart = 12
    default:
      throw fail("unsupported .npy format version \(major) (versions 1 to 3 are read)")
    }
    guard headerLength <= bytes.count - headerStart else {
      throw fail("header of \(headerLength) bytes runs past the end of the file")
    }
    guard
      let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
    else { throw fail("header is not text") }
    let descr = try field("descr", in: header, fail)
    let fortran = try field("fortran_order", in: header, fail)
    let shapeText = try field("shape", in: header, fail)
    guard descr.count >= 3, let kind = descr.dropFirst().first,
      let width = Int(descr.dropFirst(2))
    else { throw fail("cannot read the dtype '\(descr)'") }
    let bigEndian = descr.first == ">"
    guard ["f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"].contains("\(kind)\(width)")
    else {
      throw fail("dtype '\(descr)' is not supported (use float32 or float64)")
    }
    guard fortran == "False" || fortran == "True" else {
      throw fail("fortran_order is '\(fortran)', not True or False")
    }
    let shape = try shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
      .split(separator: ",").map { item -> Int in
        guard let value = Int(item.trimmingCharacters(in: .whitespaces)), value >= 0 else {
          throw fail("cannot read the shape '\(shapeText)'")
        }
        return value
      }
    // Checked products: a header may claim any shape, and the file's length decides.
    let dataStart = headerStart + headerLength
    guard let count = UserFile.elementCount(shape),
      let needed = UserFile.byteCount(count, width: width), needed <= bytes.count - dataStart
    else {
      throw fail(
        "holds \(bytes.count - dataStart) data bytes, but shape \(shape) of \(descr) needs "
          + (UserFile.elementCount(shape).flatMap { UserFile.byteCount($0, width: width) }
            .map { String($0) } ?? "more than can be addressed") + " (file truncated?)")
    }
    var values = [Float](repeating: 0, count: count)
    for index in 0..<count {
      var raw: UInt64 = 0
      let offset = dataStart + index * width
      for b in 0..<width {
        let byte = UInt64(bytes[offset + (bigEndian ? width - 1 - b : b)])
        raw |= byte << (8 * UInt64(b))
      }
      switch (kind, width) {
      case ("f", 4): values[index] = Float(bitPattern: UInt32(truncatingIfNeeded: raw))
      case ("f", 8): values[index] = Float(Double(bitPattern: raw))
      case ("u", _): values[index] = Float(raw)
      default:  // signed integers: sign-extend from `width` bytes
        let shift = UInt64(64 - 8 * width)
        values[index] = Float(Int64(bitPattern: raw << shift) >> Int64(shift))
      }
    }
    if fortran == "True", shape.count == 2 {
      // Column-major on disk: transpose into rows.
      let (rows, columns) = (shape[0], shape[1])
      var transposed = values
      for r in 0..<rows {
        for c in 0..<columns { transposed[r * columns + c] = values[c * rows + r] }
      }
      values = transposed
    } else if fortran == "True", shape.count > 2 {
      throw fail("Fortran-order arrays of more than 2 dimensions are not supported")
    }
    return Array(shape: shape, values: values)
  }

  /// The text of `'name': value` in a header dict (a quoted string, a word, or a tuple).
  private static func field(
    _ name: String, in header: String, _ fail: (String) -> TSNEError
  ) throws -> String {
    guard let key = header.range(of: "'\(name)'") ?? header.range(of: "\"\(name)\"") else {
      throw fail("header has no '\(name)' field")
    }
    var rest = header[key.upperBound...].drop { $0 == " " }
    guard rest.first == ":" else { throw fail("header field '\(name)' has no value") }
    rest = rest.dropFirst().drop { $0 == " " }
    if let quote = rest.first, quote == "'" || quote == "\"" {
      let body = rest.dropFirst()
      guard let end = body.firstIndex(of: quote) else { throw fail("unterminated '\(name)'") }
      return String(body[..<end])
    }
    if rest.first == "(" {
      guard let end = rest.firstIndex(of: ")") else { throw fail("unterminated '\(name)'") }
      return String(rest[...end])
    }
    return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
  }

  /// A float32 C-order `.npy` (version 1) of the given shape.
  public static func encode(shape: [Int], values: [Float]) -> Data {
    precondition(shape.reduce(1, *) == values.count, "values do not fill the shape")
    let shapeText =
      shape.count == 1
      ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
    // Data starts on a 64-byte boundary; the header ends with a newline.
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Swift.Array(header.utf8)
    bytes.reserveCapacity(bytes.count + 4 * values.count)
    for value in values {
      let bits = value.bitPattern
      bytes += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: bits >> $0) }
    }
    return Data(bytes)
  }
}
