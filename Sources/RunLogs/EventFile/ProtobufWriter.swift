/// Protocol buffers' wire format, written: the inverse of `ProtobufReader` for the fields an
/// event file needs.
struct ProtobufWriter {
  private(set) var bytes: [UInt8] = []

  mutating func varint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  private mutating func key(_ field: Int, _ wireType: ProtobufReader.WireType) {
    varint(UInt64(field << 3 | wireType.rawValue))
  }

  mutating func varintField(_ field: Int, _ value: UInt64) {
    key(field, .varint)
    varint(value)
  }

  mutating func doubleField(_ field: Int, _ value: Double) {
    key(field, .fixed64)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func floatField(_ field: Int, _ value: Float) {
    key(field, .fixed32)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func bytesField(_ field: Int, _ value: [UInt8]) {
    key(field, .lengthDelimited)
    varint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  mutating func stringField(_ field: Int, _ value: String) { bytesField(field, Array(value.utf8)) }

  mutating func messageField(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
    var inner = ProtobufWriter()
    build(&inner)
    bytesField(field, inner.bytes)
  }
}

/// Event messages as vlp writes them (field numbers in `DecodedEvent`'s documentation).
public enum EventEncoding {
  public static let fileVersion = "brain.Event:2"

  public static func fileVersionEvent(wallTime: Double) -> [UInt8] {
    var writer = ProtobufWriter()
    writer.doubleField(1, wallTime)
    writer.stringField(3, fileVersion)
    return writer.bytes
  }

  /// `session_log { status: START }` at `step`: TensorBoard's restart marker.
  public static func sessionStartEvent(step: Int, wallTime: Double) -> [UInt8] {
    var writer = ProtobufWriter()
    writer.doubleField(1, wallTime)
    writer.varintField(2, UInt64(bitPattern: Int64(step)))
    writer.messageField(7) { $0.varintField(1, 1) }
    return writer.bytes
  }

  /// One event holding `Summary.Value { tag, simple_value }` for each scalar.
  public static func scalarsEvent(step: Int, wallTime: Double, scalars: [(tag: String, value: Float)])
    -> [UInt8]
  {
    var writer = ProtobufWriter()
    writer.doubleField(1, wallTime)
    writer.varintField(2, UInt64(bitPattern: Int64(step)))
    writer.messageField(5) { summary in
      for scalar in scalars {
        summary.messageField(1) { value in
          value.stringField(1, scalar.tag)
          value.floatField(2, scalar.value)
        }
      }
    }
    return writer.bytes
  }
}
