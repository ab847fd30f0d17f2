/// The layout of an image cache file (all integers little-endian):
///
///     offset  size  field
///          0     8  magic "VLPIMGC1"
///          8     4  version (1)
///         12     4  side: each image is side x side x 3 bytes (RGB, 8 bits)
///         16     4  fit (0 crop, 1 pad)
///         20     4  reserved (0)
///         24     8  count: images in the list
///         32     8  key: FNV-1a 64 of every file's path, size and modification time and the
///                   settings (ImageCacheLayout.key)
///         40     8  failure bytes: length of the failure list at the end
///         48    16  reserved (0)
///         64        status: count bytes, 1 = decoded, 0 = could not be decoded (padded to 8)
///                   pixels: count x side x side x 3 bytes (zeros for a failed image)
///                   failures: UTF-8 lines "INDEX<TAB>MESSAGE\n"
///
/// A reader checks that the header's counts give exactly the file's length (with overflow
/// checks) before it touches the pixels.
struct ImageCacheLayout: Equatable {
  static let magic: [UInt8] = Array("VLPIMGC1".utf8)
  static let version: UInt32 = 1
  static let headerBytes = 64
  /// Limits a header may claim: 8,192-pixel squares, 100 million images.
  static let maximumSide = 8192
  static let maximumCount = 100_000_000

  var side: Int
  var fit: ImageFit
  var count: Int
  var key: UInt64
  var failureBytes: Int

  var imageBytes: Int { side * side * 3 }
  var statusBytes: Int { (count + 7) / 8 * 8 }
  var pixelOffset: Int { Self.headerBytes + statusBytes }
  var failureOffset: Int { pixelOffset + count * imageBytes }
  var fileBytes: Int { failureOffset + failureBytes }

  func header() -> [UInt8] {
    var bytes = Self.magic
    func append<Value: FixedWidthInteger>(_ value: Value) {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    append(Self.version)
    append(UInt32(side))
    append(UInt32(fit == .crop ? 0 : 1))
    append(UInt32(0))
    append(UInt64(count))
    append(key)
    append(UInt64(failureBytes))
    bytes += [UInt8](repeating: 0, count: Self.headerBytes - bytes.count)
    return bytes
  }

  /// The layout a file's first bytes describe, checked against the file's length; the reason
  /// when they do not describe a whole cache.
  static func parse(_ header: UnsafeRawBufferPointer, fileBytes: Int) -> Result<Self, Problem> {
    guard header.count >= headerBytes else { return .failure(.init("shorter than its header")) }
    guard Array(header.prefix(8)) == magic else { return .failure(.init("not an image cache")) }
    func read<Value: FixedWidthInteger>(_ offset: Int, as: Value.Type) -> Value {
      Value(littleEndian: header.loadUnaligned(fromByteOffset: offset, as: Value.self))
    }
    guard read(8, as: UInt32.self) == version else {
      return .failure(.init("version \(read(8, as: UInt32.self)), expected \(version)"))
    }
    let side = Int(read(12, as: UInt32.self))
    let fitCode = read(16, as: UInt32.self)
    let count = read(24, as: UInt64.self)
    let failureBytes = read(40, as: UInt64.self)
    guard (1...maximumSide).contains(side), fitCode <= 1, count <= UInt64(maximumCount),
      failureBytes <= UInt64(Int.max)
    else { return .failure(.init("header values out of range")) }
    let layout = ImageCacheLayout(
      side: side, fit: fitCode == 0 ? .crop : .pad, count: Int(count),
      key: read(32, as: UInt64.self), failureBytes: Int(failureBytes))
    let (pixels, overflow) = layout.count.multipliedReportingOverflow(by: layout.imageBytes)
    let (total, overflow2) = (layout.pixelOffset + pixels).addingReportingOverflow(
      layout.failureBytes)
    guard !overflow, !overflow2, total == fileBytes else {
      return .failure(.init("its header describes \(overflow || overflow2 ? "an impossible size" : "\(total) bytes") but the file holds \(fileBytes)"))
    }
    return .success(layout)
  }

  struct Problem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
  }

  /// FNV-1a 64 over the text that identifies a cache's contents: the settings, then one line
  /// per file with its path, size and modification time in nanoseconds (-1 for a file that
  /// cannot be read: it will be rebuilt, and fail, once the file is back).
  static func key(files: [String], side: Int, fit: ImageFit) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ text: String) {
      for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
      }
    }
    mix("vlp image cache v\(version) side \(side) fit \(fit.rawValue)\n")
    for file in files {
      let identity = try? ImageFileReading.identity(of: file)
      mix("\(file)\t\(identity?.size ?? -1)\t\(identity?.modificationNanoseconds ?? -1)\n")
    }
    return hash
  }
}
