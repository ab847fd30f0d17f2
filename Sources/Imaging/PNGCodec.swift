import CPNG
import Glibc

/// The text a C shim left in its message buffer.
enum CodecMessage {
  static func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The error for a failed decode: `status` numbered as both shims number them (1 the library
  /// stopped, 2 too large, 3 zero size, 4 out of memory), the stored size and the message.
  static func failure(
    _ status: Int32, path: String, format: ImageFormat, width: Int32, height: Int32,
    message: [CChar]
  ) -> ImageError {
    switch status {
    case 2:
      return .tooLarge(
        path: path, width: Int(width), height: Int(height),
        limitPixels: ImageDecoding.maximumPixels)
    case 3:
      return .zeroSize(path: path, format: format)
    case 4:
      return .unreadable(path: path, reason: "out of memory decoding \(width)x\(height)")
    default:
      let reason = text(message)
      return .corrupt(path: path, format: format, reason: reason.isEmpty ? "unreadable data" : reason)
    }
  }
}

/// libpng's simplified API (png_image) through CPNG's shim.
enum PNGCodec {
  /// Decodes any PNG to 8-bit RGB; transparent pixels are composited on white in sRGB values
  /// (out = alpha * colour + (1 - alpha) * white), as a viewer on a white page shows them.
  static func decode(_ data: [UInt8], path: String) throws(ImageError) -> ByteImage {
    // IHDR's width and height (bytes 16...23, big-endian) are read here so that a zero size
    // gets its own error instead of libpng's generic one.
    if data.count >= 24 {
      let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
      let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
      if width == 0 || height == 0 { throw .zeroSize(path: path, format: .png) }
    }
    var pixels: UnsafeMutablePointer<UInt8>? = nil
    var width: Int32 = 0
    var height: Int32 = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = data.withUnsafeBytes { buffer in
      vlp_png_decode(
        buffer.baseAddress, buffer.count, UInt64(ImageDecoding.maximumPixels), &pixels, &width,
        &height, &message, message.count)
    }
    defer { free(pixels) }
    guard status == VLP_PNG_OK, let pixels else {
      throw CodecMessage.failure(
        status, path: path, format: .png, width: width, height: height, message: message)
    }
    let count = Int(width) * Int(height)
    var rgb = [UInt8](repeating: 0, count: count * 3)
    for index in 0..<count {
      let alpha = UInt32(pixels[4 * index + 3])
      for channel in 0..<3 {
        let value = UInt32(pixels[4 * index + channel])
        rgb[3 * index + channel] = UInt8((value * alpha + 255 * (255 - alpha) + 127) / 255)
      }
    }
    return ByteImage(width: Int(width), height: Int(height), bytes: rgb)
  }

  /// The pixel layouts the encoder writes.
  enum Layout {
    /// 8-bit RGB.
    case rgb
    /// 8-bit RGBA, not premultiplied.
    case rgba
    /// 8-bit grayscale.
    case gray
    /// 16-bit samples, linear light (libpng writes gAMA 1.0 and a 16-bit image).
    case linearRGB16
    /// 8-bit indices into `colors` (RGB triples, at most 256): a palette image.
    case palette(colors: [UInt8])

    var format: UInt32 {
      switch self {
      case .rgb: VLP_PNG_FORMAT_RGB
      case .rgba: VLP_PNG_FORMAT_RGBA
      case .gray: VLP_PNG_FORMAT_GRAY
      case .linearRGB16: VLP_PNG_FORMAT_LINEAR_RGB
      case .palette: VLP_PNG_FORMAT_RGB_COLORMAP
      }
    }
  }

  /// Encodes raw samples: `samples` holds the layout's bytes (native-endian UInt16 pairs for
  /// linearRGB16).
  static func encode(
    samples: UnsafeRawBufferPointer, width: Int, height: Int, layout: Layout, path: String
  ) throws(ImageError) -> [UInt8] {
    var png: UnsafeMutableRawPointer? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    var colors: [UInt8] = []
    if case .palette(let palette) = layout { colors = palette }
    let status = colors.withUnsafeBufferPointer { colormap in
      vlp_png_encode(
        samples.baseAddress, Int32(width), Int32(height), layout.format,
        colors.isEmpty ? nil : colormap.baseAddress, Int32(colors.count / 3), &png, &size,
        &message, message.count)
    }
    defer { free(png) }
    guard status == VLP_PNG_OK, let png else {
      throw .cannotWrite(path: path, reason: "libpng: \(CodecMessage.text(message))")
    }
    return Array(UnsafeRawBufferPointer(start: png, count: size))
  }
}

/// Writes images as 8-bit RGB PNG through libpng.
public enum PNGEncoding {
  /// The PNG bytes of `image`.
  public static func encode(_ image: RGBImage) throws(ImageError) -> [UInt8] {
    try encode(image, path: "(memory)")
  }

  /// Writes `image` to `path` atomically (a temporary file renamed over it).
  public static func write(_ image: RGBImage, to path: String) throws(ImageError) {
    try AtomicFile.write(try encode(image, path: path), to: path)
  }

  private static func encode(_ image: RGBImage, path: String) throws(ImageError) -> [UInt8] {
    let bytes = image.bytes
    return try bytes.withUnsafeBytes { buffer in
      Result { () throws(ImageError) in
        try PNGCodec.encode(
          samples: buffer, width: image.width, height: image.height, layout: .rgb, path: path)
      }
    }.get()
  }
}
