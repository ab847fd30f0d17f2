/// Protocol buffers' wire format, read by hand for the few messages an event file needs. Every
/// read checks the bounds; an unknown field is skipped by its wire type, so newer writers'
/// fields never break reading.
struct ProtobufReader {
  enum WireType: Int {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
  }

  struct Malformed: Error, CustomStringConvertible {
    var description: String
  }

  let bytes: UnsafeRawBufferPointer
  private(set) var position: Int
  let end: Int

  init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) {
    self.bytes = bytes
    position = range.lowerBound
    end = range.upperBound
  }

  var isAtEnd: Bool { position >= end }

  /// The next field's number and wire type.
  mutating func nextField() throws -> (number: Int, wireType: WireType) {
    let key = try varint()
    guard let wireType = WireType(rawValue: Int(key & 7)), key >> 3 > 0 else {
      throw Malformed(description: "invalid field key \(key)")
    }
    return (Int(truncatingIfNeeded: key >> 3), wireType)
  }

  mutating func varint() throws -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while position < end {
      let byte = bytes[position]
      position += 1
      value |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
      guard shift < 64 else { break }
    }
    throw Malformed(description: "varint runs past its message")
  }

  mutating func fixed32() throws -> UInt32 {
    guard end - position >= 4 else { throw Malformed(description: "fixed32 runs past its message") }
    defer { position += 4 }
    return bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian
  }

  mutating func fixed64() throws -> UInt64 {
    guard end - position >= 8 else { throw Malformed(description: "fixed64 runs past its message") }
    defer { position += 8 }
    return bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
  }

  /// A length-delimited field's byte range.
  mutating func lengthDelimited() throws -> Range<Int> {
    let length = try varint()
    guard length <= UInt64(end - position) else {
      throw Malformed(description: "field of \(length) bytes runs past its message")
    }
    let range = position..<position + Int(length)
    position = range.upperBound
    return range
  }

  mutating func string() throws -> String {
    let range = try lengthDelimited()
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
  }

  mutating func skip(_ wireType: WireType) throws {
    switch wireType {
    case .varint: _ = try varint()
    case .fixed64: _ = try fixed64()
    case .fixed32: _ = try fixed32()
    case .lengthDelimited: _ = try lengthDelimited()
    case .startGroup, .endGroup: throw Malformed(description: "groups are not used by event files")
    }
  }

  /// A repeated scalar field, packed (one length-delimited run) or not (one value per field).
  mutating func repeatedFixed(_ wireType: WireType, size: Int, into values: inout [UInt64]) throws {
    if wireType == .lengthDelimited {
      let range = try lengthDelimited()
      var offset = range.lowerBound
      while offset + size <= range.upperBound {
        values.append(
          size == 4
            ? UInt64(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            : bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
        offset += size
      }
    } else if size == 4 && wireType == .fixed32 {
      values.append(UInt64(try fixed32()))
    } else if size == 8 && wireType == .fixed64 {
      values.append(try fixed64())
    } else {
      try skip(wireType)
    }
  }

  /// The range of the last length-delimited field `number` of a message (as protobuf's parsers,
  /// a later occurrence wins), or nil.
  static func lastField(_ number: Int, _ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> Range<Int>?
  {
    var reader = ProtobufReader(bytes, range: range)
    var found: Range<Int>?
    while !reader.isAtEnd {
      let (field, type) = try reader.nextField()
      if field == number, type == .lengthDelimited {
        found = try reader.lengthDelimited()
      } else {
        try reader.skip(type)
      }
    }
    return found
  }

  /// The last varint field `number` of a message, or nil.
  static func lastVarint(_ number: Int, _ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> UInt64?
  {
    var reader = ProtobufReader(bytes, range: range)
    var found: UInt64?
    while !reader.isAtEnd {
      let (field, type) = try reader.nextField()
      if field == number, type == .varint { found = try reader.varint() } else { try reader.skip(type) }
    }
    return found
  }
}
