/// What went wrong reading, writing or caching an image; each case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file does not exist (or a folder on its path does not).
  case missing(path: String)
  /// The file exists but cannot be read: a folder, a device, no permission (the system's reason).
  case unreadable(path: String, reason: String)
  /// The first bytes are neither JPEG's nor PNG's signature.
  case notAnImage(path: String)
  /// A JPEG or PNG whose data ends early or is damaged (the decoder's message).
  case corrupt(path: String, format: ImageFormat, reason: String)
  /// A header that claims zero width or height.
  case zeroSize(path: String, format: ImageFormat)
  /// Larger than the decoders accept: refused before any pixel memory is allocated.
  case tooLarge(path: String, width: Int, height: Int, limitPixels: Int)
  /// An image file or cache that could not be written (the system's or library's reason).
  case cannotWrite(path: String, reason: String)
  /// A cache file whose header or length is inconsistent.
  case corruptCache(path: String, reason: String)

  public var description: String {
    switch self {
    case .missing(let path):
      return "\(path): no such image file; check the path (relative paths start at the session folder)"
    case .unreadable(let path, let reason):
      return "\(path): cannot read the image: \(reason)"
    case .notAnImage(let path):
      return "\(path): not a JPEG or PNG image (its first bytes are neither signature)"
    case .corrupt(let path, let format, let reason):
      return "\(path): damaged or truncated \(format.rawValue) image: \(reason)"
    case .zeroSize(let path, let format):
      return "\(path): \(format.rawValue) image of zero width or height"
    case .tooLarge(let path, let width, let height, let limit):
      return "\(path): image of \(width)x\(height) pixels is larger than the limit of "
        + "\(limit / 1_000_000) megapixels; reduce it before use"
    case .cannotWrite(let path, let reason):
      return "\(path): cannot write: \(reason)"
    case .corruptCache(let path, let reason):
      return "\(path): image cache is damaged (\(reason)); delete it and it will be rebuilt"
    }
  }
}

/// The formats Imaging reads, told apart by their first bytes.
public enum ImageFormat: String, Sendable, Equatable {
  case jpeg = "JPEG"
  case png = "PNG"

  /// The format whose signature `bytes` starts with, or nil.
  public init?<Bytes: Collection>(signature bytes: Bytes) where Bytes.Element == UInt8 {
    let head = Array(bytes.prefix(8))
    if head.starts(with: [0xFF, 0xD8, 0xFF]) {
      self = .jpeg
    } else if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
      self = .png
    } else {
      return nil
    }
  }
}
