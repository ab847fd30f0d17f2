import Foundation

extension SafeTensorsFile {
  /// Headers larger than this are refused, as the reference implementation does: a real header
  /// is kilobytes, and a huge one is corruption or an attempt to exhaust memory.
  static let maximumHeaderLength = 100_000_000

  /// Reads and fully validates a safetensors file. Nothing is allocated beyond what the file
  /// holds: the header length is checked against the file's size before it is read, and tensor
  /// data only after the offsets are known to tile the data section exactly. Any problem is a
  /// `CheckpointError` naming the file and, where one is to blame, the tensor.
  public static func read(from url: URL) throws -> SafeTensorsFile {
    let file = try CheckpointFileReader(url: url)
    let path = file.path
    guard file.size >= 8 else {
      throw CheckpointError.malformed(
        path: path,
        detail: "the file is \(file.size) bytes, too short for the 8-byte header length: it is "
          + "truncated or not a safetensors file")
    }
    let lengthBytes = try file.readBytes(count: 8, at: 0)
    let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard headerLength <= UInt64(file.size - 8) else {
      throw CheckpointError.malformed(
        path: path,
        detail: "the header length \(headerLength) is larger than the rest of the file "
          + "(\(file.size - 8) bytes): the file is truncated or not a safetensors file")
    }
    guard headerLength <= UInt64(maximumHeaderLength) else {
      throw CheckpointError.malformed(
        path: path,
        detail: "the header length \(headerLength) exceeds the \(maximumHeaderLength)-byte limit "
          + "(the file is corrupt)")
    }
    let headerBytes = try file.readBytes(count: Int(headerLength), at: 8)
    let (entries, metadata) = try parseHeader(headerBytes, path: path)
    let dataStart = 8 + Int(headerLength)
    try SafeTensorsLayout.checkTiling(
      entries, dataLength: file.size - dataStart, fileSize: file.size, path: path)
    var tensors: [NamedArray] = []
    for entry in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
      let values = try file.readFloats(count: entry.count, at: dataStart + entry.begin)
      tensors.append(NamedArray(name: entry.name, shape: entry.shape, values: values))
    }
    return SafeTensorsFile(tensors: tensors, metadata: metadata)
  }

  /// The tensor entries and metadata of a header, each checked on its own.
  static func parseHeader(
    _ bytes: [UInt8], path: String
  ) throws(CheckpointError) -> (entries: [SafeTensorsLayout.Entry], metadata: [String: String]) {
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw .malformed(path: path, detail: "the header is not valid UTF-8 (the file is corrupt)")
    }
    let json: HeaderJSON
    do {
      json = try HeaderJSON.parse(bytes)
    } catch {
      throw .malformed(
        path: path,
        detail: "the header is not valid JSON at byte \(error.offset) of the header: "
          + "\(error.message) (the file is corrupt or not a safetensors file)")
    }
    guard case .object(let members) = json else {
      throw .malformed(
        path: path, detail: "the header must be a JSON object, found \(json.kindName)")
    }
    var entries: [SafeTensorsLayout.Entry] = []
    var metadata: [String: String] = [:]
    for member in members {
      if member.key == metadataKey {
        metadata = try parseMetadata(member.value, path: path)
        continue
      }
      entries.append(
        try SafeTensorsLayout.entry(name: member.key, value: member.value) {
          .invalidTensor(path: path, tensor: member.key, detail: $0)
        })
    }
    return (entries, metadata)
  }

  private static func parseMetadata(
    _ value: HeaderJSON, path: String
  ) throws(CheckpointError) -> [String: String] {
    guard case .object(let members) = value else {
      throw .invalidMetadata(
        path: path, key: metadataKey,
        detail: "must be an object of strings, found \(value.kindName)")
    }
    var metadata: [String: String] = [:]
    for member in members {
      guard case .string(let text) = member.value else {
        throw .invalidMetadata(
          path: path, key: member.key,
          detail: "must be a string (safetensors metadata maps strings to strings), found "
            + member.value.kindName)
      }
      metadata[member.key] = text
    }
    return metadata
  }
}
