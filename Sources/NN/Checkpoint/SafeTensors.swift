import Foundation

/// A safetensors file (https://github.com/huggingface/safetensors), the format numpy, PyTorch
/// and JAX users can open without running our code:
///
/// ```
/// bytes 0..<8     N, the header length, u64 little-endian
/// bytes 8..<8+N   UTF-8 JSON: {"__metadata__": {string: string},
///                              "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}}
///                 padded with spaces so that the data starts at a multiple of 8 bytes
/// bytes 8+N...    the data section: each tensor's little-endian values at [b, e) relative to
///                 the section's start; the ranges tile the section exactly
/// ```
///
/// vlp writes float32 (`F32`) only, with tensors sorted by name and metadata keys sorted, so
/// the same inputs always give a byte-identical file. Reading validates everything (see
/// SafeTensorsReader.swift) and never allocates more than the file holds.
public struct SafeTensorsFile: Sendable, Equatable {
  /// Sorted by name when read; written in name order whatever their order here.
  public var tensors: [NamedArray]
  public var metadata: [String: String]

  public init(tensors: [NamedArray] = [], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  public subscript(name: String) -> NamedArray? {
    tensors.first { $0.name == name }
  }

  /// The header key safetensors reserves for the string-to-string metadata.
  static let metadataKey = "__metadata__"
  /// The header is padded so that the data section starts at a multiple of this (as the
  /// reference implementation does), which lets readers map float arrays in place.
  static let alignment = 8

  /// Writes the file atomically: readers see the old file or the new one, never a mix, and a
  /// failure (or a kill) part-way leaves the old file untouched. See AtomicFile.swift.
  public func write(to url: URL) throws {
    try write(to: url, fault: nil)
  }

  /// `fault` lets tests make the write fail or "die" part-way.
  func write(to url: URL, fault: AtomicFileFault?) throws {
    let path = url.relativePath
    let ordered = try validatedForWriting(path: path)
    let header = encodedHeader(ordered)
    try AtomicFile.write(to: url, fault: fault) { sink in
      var length = UInt64(header.count).littleEndian
      try withUnsafeBytes(of: &length) { try sink.write($0) }
      try header.withUnsafeBytes { try sink.write($0) }
      for tensor in ordered {
        #if _endian(little)
          try tensor.values.withUnsafeBytes { try sink.write($0) }
        #else
          let swapped = tensor.values.map { $0.bitPattern.littleEndian }
          try swapped.withUnsafeBytes { try sink.write($0) }
        #endif
      }
    }
  }

  /// The tensors in file order (by name, as UTF-8 bytes, so the order does not depend on the
  /// platform's string comparison), after checking each can be written as described.
  func validatedForWriting(path: String) throws(CheckpointError) -> [NamedArray] {
    var names = Set<String>()
    for tensor in tensors {
      guard !tensor.name.isEmpty, tensor.name != Self.metadataKey else {
        throw .invalidInput(path: path, detail: "a tensor may not be named \"\(tensor.name)\"")
      }
      guard names.insert(tensor.name).inserted else {
        throw .invalidInput(
          path: path, detail: "two tensors are named \"\(tensor.name)\"; names must be unique")
      }
      guard let count = SafeTensorsLayout.elementCount(tensor.shape), count == tensor.values.count
      else {
        throw .invalidTensor(
          path: path, tensor: tensor.name,
          detail: "shape \(tensor.shape) does not hold its \(tensor.values.count) values")
      }
    }
    return tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
  }

  /// The JSON header, space-padded to a multiple of `alignment` bytes.
  func encodedHeader(_ ordered: [NamedArray]) -> [UInt8] {
    var members: [(key: String, value: JSONValue)] = []
    if !metadata.isEmpty {
      let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      members.append((Self.metadataKey, .object(pairs.map { ($0.key, .string($0.value)) })))
    }
    var offset = 0
    for tensor in ordered {
      let end = offset + tensor.values.count * MemoryLayout<Float>.size
      let entry = JSONValue.object([
        ("dtype", .string("F32")), ("shape", .array(tensor.shape.map { .integer($0) })),
        ("data_offsets", .array([.integer(offset), .integer(end)])),
      ])
      members.append((tensor.name, entry))
      offset = end
    }
    var bytes = Array(JSONValue.object(members).text(.compact).utf8)
    let padding = (Self.alignment - bytes.count % Self.alignment) % Self.alignment
    bytes += repeatElement(UInt8(ascii: " "), count: padding)
    return bytes
  }
}
