/// TFRecord framing, the container of TensorBoard event files:
///
///     u64 length (little-endian) · u32 masked CRC32C of those 8 bytes
///     data[length]               · u32 masked CRC32C of the data
///
/// `RecordScanner` walks bytes appended to a file. A record cut short at the end is left for the
/// next read (its writer is still writing); a record whose checksums fail is reported with its
/// byte offset and skipped: past its data when the length's own checksum holds, otherwise by
/// searching forward for the next header whose length checksum holds.
public enum RecordFraming {
  public static let headerSize = 12
  public static let footerSize = 4
  /// Longer records are refused as corrupt before anything is allocated for them.
  public static let maximumLength = 64 << 20

  /// The framed bytes of one record's data.
  public static func frame(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(data.count + headerSize + footerSize)
    let length = UInt64(data.count).littleEndian
    withUnsafeBytes(of: length) { out.append(contentsOf: $0) }
    let lengthCRC = withUnsafeBytes(of: length) { CRC32C.masked(CRC32C.checksum($0)) }
    withUnsafeBytes(of: lengthCRC.littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: data)
    withUnsafeBytes(of: CRC32C.masked(CRC32C.checksum(data)).littleEndian) {
      out.append(contentsOf: $0)
    }
    return out
  }
}

/// A damaged stretch of a record file: where it starts and what was wrong.
public struct RecordProblem: Sendable, Equatable, CustomStringConvertible {
  /// Byte offset in the file.
  public var offset: Int
  public var detail: String
  public var description: String { "byte \(offset): \(detail)" }
}

/// Scans framed records in a buffer that starts at file offset `base`.
public struct RecordScanner {
  /// A whole record: the range of its data within the buffer, and its file offset.
  public struct Record {
    public var data: Range<Int>
    public var fileOffset: Int
  }

  public struct Result {
    public var records: [Record] = []
    public var problems: [RecordProblem] = []
    /// Bytes of the buffer consumed; the rest (a record still being written) waits.
    public var consumed = 0
  }

  /// Every whole record in `bytes`. `isFinal`: nothing more will be appended (a truncated tail
  /// is then reported instead of waited for).
  public static func scan(_ bytes: UnsafeRawBufferPointer, base: Int, isFinal: Bool = false)
    -> Result
  {
    var result = Result()
    var position = 0
    let count = bytes.count
    while count - position >= RecordFraming.headerSize {
      let lengthBytes = UnsafeRawBufferPointer(rebasing: bytes[position..<position + 8])
      let length = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
      let storedLengthCRC = bytes.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self)
        .littleEndian
      guard CRC32C.masked(CRC32C.checksum(lengthBytes)) == storedLengthCRC,
        length <= UInt64(RecordFraming.maximumLength)
      else {
        let next = resynchronise(bytes, after: position)
        result.problems.append(
          RecordProblem(
            offset: base + position,
            detail: "corrupt record header (length checksum fails); skipped \(next - position) bytes"))
        position = next
        continue
      }
      let end = position + RecordFraming.headerSize + Int(length) + RecordFraming.footerSize
      guard end <= count else { break }
      let dataRange = position + RecordFraming.headerSize..<end - RecordFraming.footerSize
      let storedDataCRC = bytes.loadUnaligned(fromByteOffset: dataRange.upperBound, as: UInt32.self)
        .littleEndian
      if CRC32C.masked(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[dataRange])))
        == storedDataCRC
      {
        result.records.append(Record(data: dataRange, fileOffset: base + position))
      } else {
        result.problems.append(
          RecordProblem(
            offset: base + position, detail: "record data checksum fails; record of \(length) bytes skipped"))
      }
      position = end
    }
    if isFinal, position < count {
      result.problems.append(
        RecordProblem(offset: base + position, detail: "file ends inside a record (\(count - position) bytes)"))
      position = count
    }
    result.consumed = position
    return result
  }

  /// The next offset after `position` where a header's length checksum holds, or the last
  /// offset from which a header could still start once more bytes arrive.
  static func resynchronise(_ bytes: UnsafeRawBufferPointer, after position: Int) -> Int {
    var candidate = position + 1
    while candidate + RecordFraming.headerSize <= bytes.count {
      let lengthBytes = UnsafeRawBufferPointer(rebasing: bytes[candidate..<candidate + 8])
      let stored = bytes.loadUnaligned(fromByteOffset: candidate + 8, as: UInt32.self).littleEndian
      if CRC32C.masked(CRC32C.checksum(lengthBytes)) == stored { return candidate }
      candidate += 1
    }
    return candidate
  }
}
