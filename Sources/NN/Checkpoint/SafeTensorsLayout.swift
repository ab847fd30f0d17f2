/// The checks that tie a header to the bytes after it: each entry's dtype, shape and offsets,
/// then the offsets together, which must tile the data section exactly (no overlaps, no gaps,
/// nothing before, between or after). All arithmetic is overflow-checked: a header comes from a
/// file and its numbers may be anything.
enum SafeTensorsLayout {
  /// One tensor entry of a header, checked on its own.
  struct Entry {
    let name: String
    let shape: [Int]
    let begin: Int
    let end: Int
    var count: Int { (end - begin) / MemoryLayout<Float>.size }
  }

  /// Every dtype the safetensors format defines; vlp reads `F32` only, but names the others
  /// precisely so a user knows to convert rather than suspect corruption.
  static let knownDtypes: Set<String> = [
    "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F16", "BF16", "F32", "F64",
    "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
  ]

  /// Elements of `shape`, or nil when a dimension is negative or the product overflows.
  static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  /// Checks one `"name": {...}` header member; `fail` builds the error naming file and tensor.
  static func entry(
    name: String, value: HeaderJSON, fail: (String) -> CheckpointError
  ) throws(CheckpointError) -> Entry {
    guard case .object(let members) = value else {
      throw fail(
        "entry must be an object with dtype, shape and data_offsets, found \(value.kindName)")
    }
    func field(_ key: String) throws(CheckpointError) -> HeaderJSON {
      guard let member = members.first(where: { $0.key == key }) else {
        throw fail("entry has no \"\(key)\" (needs dtype, shape and data_offsets)")
      }
      return member.value
    }
    guard case .string(let dtype) = try field("dtype") else {
      throw fail("\"dtype\" must be a string such as \"F32\"")
    }
    guard dtype == "F32" else {
      throw fail(
        knownDtypes.contains(dtype)
          ? "dtype \"\(dtype)\" is not supported: vlp reads float32 (\"F32\") tensors only; "
            + "convert the tensor to float32 before saving (e.g. tensor.float() in PyTorch)"
          : "unknown dtype \"\(dtype)\" (the file is corrupt or not a safetensors file)")
    }
    let shape = try integers(try field("shape"), key: "shape", fail: fail)
    let offsets = try integers(try field("data_offsets"), key: "data_offsets", fail: fail)
    guard let count = elementCount(shape) else {
      throw fail("shape \(shape) has a negative dimension or more elements than any file holds")
    }
    guard offsets.count == 2, offsets[0] >= 0, offsets[1] >= 0 else {
      throw fail("data_offsets \(offsets) must be two non-negative byte offsets [begin, end]")
    }
    let (begin, end) = (offsets[0], offsets[1])
    guard begin <= end else { throw fail("data_offsets \(offsets) end before they begin") }
    let byteCount = end - begin
    let (needed, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
    guard !overflow, byteCount == needed else {
      let held =
        byteCount % MemoryLayout<Float>.size == 0
        ? "\(byteCount / MemoryLayout<Float>.size) floats"
        : "\(byteCount) bytes, not a whole number of floats,"
      throw fail("data_offsets \(offsets) hold \(held) but shape \(shape) needs \(count)")
    }
    return Entry(name: name, shape: shape, begin: begin, end: end)
  }

  private static func integers(
    _ value: HeaderJSON, key: String, fail: (String) -> CheckpointError
  ) throws(CheckpointError) -> [Int] {
    guard case .array(let elements) = value else {
      throw fail("\"\(key)\" must be an array of integers, found \(value.kindName)")
    }
    var result: [Int] = []
    for element in elements {
      guard let integer = element.integerValue else {
        throw fail("\"\(key)\" holds \(element.kindName), which is not an integer in range")
      }
      result.append(integer)
    }
    return result
  }

  /// Checks that the entries tile `0..<dataLength` exactly. `path` names the file in errors.
  static func checkTiling(
    _ entries: [Entry], dataLength: Int, fileSize: Int, path: String
  ) throws(CheckpointError) {
    let ordered = entries.sorted {
      if $0.begin != $1.begin { return $0.begin < $1.begin }
      if $0.end != $1.end { return $0.end < $1.end }
      return $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
    }
    var position = 0
    var previous: Entry?
    for entry in ordered {
      if entry.begin < position, let previous {
        throw .invalidTensor(
          path: path, tensor: entry.name,
          detail: "data_offsets [\(entry.begin), \(entry.end)] overlap tensor \"\(previous.name)\""
            + " at [\(previous.begin), \(previous.end)] (the file is corrupt)")
      }
      if entry.begin > position {
        let after =
          previous.map { "after tensor \"\($0.name)\" (which ends at \($0.end))" }
          ?? "at the start of the data section"
        throw .invalidTensor(
          path: path, tensor: entry.name,
          detail: "data_offsets [\(entry.begin), \(entry.end)] leave \(entry.begin - position) "
            + "unused bytes \(after) (the file is corrupt)")
      }
      position = entry.end
      previous = entry
    }
    if position > dataLength, let truncated = ordered.first(where: { $0.end > dataLength }) {
      throw .invalidTensor(
        path: path, tensor: truncated.name,
        detail: "data_offsets [\(truncated.begin), \(truncated.end)] reach past the end of the "
          + "data section (\(dataLength) bytes): the file is truncated (it is \(fileSize) bytes, "
          + "the header describes \(fileSize - dataLength + position))")
    }
    if position < dataLength {
      let last = previous.map { " after tensor \"\($0.name)\"" } ?? ""
      throw .malformed(
        path: path,
        detail: "the data section is \(dataLength) bytes but the tensors cover \(position): "
          + "\(dataLength - position) unexplained bytes at the end\(last) (the file is corrupt "
          + "or was appended to)")
    }
  }
}
