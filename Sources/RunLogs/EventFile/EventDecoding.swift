/// The parts of TensorFlow's `Event` message (tensorflow/core/util/event.proto) a scalar reader
/// needs, decoded from one record's data. Field numbers:
///
///     Event        1 wall_time (double) · 2 step (int64) · 3 file_version · 5 summary
///                  · 7 session_log
///     Summary      1 value (repeated)
///     Value        1 tag · 2 simple_value (float) · 8 tensor · 9 metadata
///     Metadata     1 plugin_data { 1 plugin_name }
///     TensorProto  1 dtype · 2 tensor_shape { 2 dim { 1 size } } · 4 tensor_content
///                  · 5 float_val · 6 double_val
///     SessionLog   1 status (1 = START)
///
/// Other fields (images, histograms, graphs, audio, log messages) are skipped.
public struct DecodedEvent: Sendable {
  public var wallTime: Double = 0
  public var step: Int64 = 0
  public var fileVersion: String?
  /// A `SessionLog` START: the writer restarted; TensorBoard drops points from this step on.
  public var isSessionStart = false
  public var values: [DecodedValue] = []
}

/// One `Summary.Value`: a tag and its scalar when it holds one.
public struct DecodedValue: Sendable, Equatable {
  public var tag: String
  /// The plugin named in the value's metadata, which writers put on a tag's first value only.
  public var pluginName: String?
  /// `simple_value`, or the value of a one-element float or double tensor.
  public var scalar: Double?
  /// The scalar came from a tensor (whose plugin decides whether it is a scalar curve).
  public var fromTensor: Bool
}

enum TensorDataType {
  static let float: UInt64 = 1
  static let double: UInt64 = 2
}

enum EventDecoding {
  static func decode(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws -> DecodedEvent {
    var reader = ProtobufReader(bytes, range: range)
    var event = DecodedEvent()
    while !reader.isAtEnd {
      let (field, wireType) = try reader.nextField()
      switch (field, wireType) {
      case (1, .fixed64): event.wallTime = Double(bitPattern: try reader.fixed64())
      case (2, .varint): event.step = Int64(bitPattern: try reader.varint())
      case (3, .lengthDelimited): event.fileVersion = try reader.string()
      case (5, .lengthDelimited):
        try summary(bytes, range: try reader.lengthDelimited(), into: &event.values)
      case (7, .lengthDelimited):
        event.isSessionStart = try sessionStatus(bytes, range: try reader.lengthDelimited()) == 1
      default: try reader.skip(wireType)
      }
    }
    return event
  }

  private static func summary(
    _ bytes: UnsafeRawBufferPointer, range: Range<Int>, into values: inout [DecodedValue]
  ) throws {
    var reader = ProtobufReader(bytes, range: range)
    while !reader.isAtEnd {
      let (field, wireType) = try reader.nextField()
      if field == 1, wireType == .lengthDelimited {
        values.append(try value(bytes, range: try reader.lengthDelimited()))
      } else {
        try reader.skip(wireType)
      }
    }
  }

  private static func value(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> DecodedValue
  {
    var reader = ProtobufReader(bytes, range: range)
    var value = DecodedValue(tag: "", pluginName: nil, scalar: nil, fromTensor: false)
    while !reader.isAtEnd {
      let (field, wireType) = try reader.nextField()
      switch (field, wireType) {
      case (1, .lengthDelimited): value.tag = try reader.string()
      case (2, .fixed32):
        value.scalar = Double(Float(bitPattern: try reader.fixed32()))
      case (8, .lengthDelimited):
        value.fromTensor = true
        value.scalar = try tensorScalar(bytes, range: try reader.lengthDelimited())
      case (9, .lengthDelimited):
        value.pluginName = try pluginName(bytes, range: try reader.lengthDelimited())
      default: try reader.skip(wireType)
      }
    }
    return value
  }

  /// `SummaryMetadata.plugin_data.plugin_name`.
  private static func pluginName(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> String?
  {
    guard let pluginData = try ProtobufReader.lastField(1, bytes, range: range)
    else { return nil }
    return try ProtobufReader.lastField(1, bytes, range: pluginData).map {
      String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self)
    }
  }

  /// The value of a tensor with exactly one float or double element, else nil.
  private static func tensorScalar(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> Double?
  {
    var reader = ProtobufReader(bytes, range: range)
    var dtype: UInt64 = 0
    var elements: UInt64 = 1
    var floats: [UInt64] = []
    var doubles: [UInt64] = []
    var content: Range<Int>?
    while !reader.isAtEnd {
      let (field, wireType) = try reader.nextField()
      switch (field, wireType) {
      case (1, .varint): dtype = try reader.varint()
      case (2, .lengthDelimited): elements = try elementCount(bytes, range: try reader.lengthDelimited())
      case (4, .lengthDelimited): content = try reader.lengthDelimited()
      case (5, _): try reader.repeatedFixed(wireType, size: 4, into: &floats)
      case (6, _): try reader.repeatedFixed(wireType, size: 8, into: &doubles)
      default: try reader.skip(wireType)
      }
    }
    guard elements == 1 else { return nil }
    switch dtype {
    case TensorDataType.float:
      if let bits = floats.first { return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) }
      if let content, content.count == 4 {
        return Double(Float(bitPattern: bytes.loadUnaligned(fromByteOffset: content.lowerBound, as: UInt32.self).littleEndian))
      }
    case TensorDataType.double:
      if let bits = doubles.first { return Double(bitPattern: bits) }
      if let content, content.count == 8 {
        return Double(bitPattern: bytes.loadUnaligned(fromByteOffset: content.lowerBound, as: UInt64.self).littleEndian)
      }
    default: break
    }
    return nil
  }

  /// The product of a `TensorShapeProto`'s dimension sizes (1 for a scalar's empty shape).
  private static func elementCount(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> UInt64
  {
    var reader = ProtobufReader(bytes, range: range)
    var count: UInt64 = 1
    while !reader.isAtEnd {
      let (field, wireType) = try reader.nextField()
      guard field == 2, wireType == .lengthDelimited else {
        try reader.skip(wireType)
        continue
      }
      let dimension = try reader.lengthDelimited()
      let size = try ProtobufReader.lastVarint(1, bytes, range: dimension) ?? 0
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      count = overflow ? .max : product
    }
    return count
  }

  private static func sessionStatus(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) throws
    -> UInt64
  {
    try ProtobufReader.lastVarint(1, bytes, range: range) ?? 0
  }
}
