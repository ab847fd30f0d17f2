import CJPEG
import Glibc

/// 8-bit RGB pixels straight from a decoder, before cropping and resizing turn them into
/// the Float images the model sees (a quarter of the memory while the image is at full size).
struct ByteImage {
  var width: Int
  var height: Int
  /// Row-major RGB, width x height x 3.
  var bytes: [UInt8]
}

/// libjpeg-turbo through CJPEG's shim (which keeps libjpeg's longjmp out of Swift).
enum JPEGCodec {
  static func decode(_ data: [UInt8], path: String, reducedTo: Int?) throws(ImageError)
    -> ByteImage
  {
    var pixels: UnsafeMutablePointer<UInt8>? = nil
    var width: Int32 = 0
    var height: Int32 = 0
    var sourceWidth: Int32 = 0
    var sourceHeight: Int32 = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = data.withUnsafeBufferPointer { buffer in
      vlp_jpeg_decode(
        buffer.baseAddress, UInt(buffer.count), Int32(clamping: reducedTo ?? 0),
        UInt64(ImageDecoding.maximumPixels), &pixels, &width, &height, &sourceWidth,
        &sourceHeight, &message, message.count)
    }
    defer { free(pixels) }
    guard status == VLP_JPEG_OK, let pixels else {
      throw CodecMessage.failure(
        status == VLP_JPEG_DAMAGED ? VLP_JPEG_ERROR : status, path: path, format: .jpeg,
        width: sourceWidth, height: sourceHeight, message: message)
    }
    return ByteImage(
      width: Int(width), height: Int(height),
      bytes: Array(UnsafeBufferPointer(start: pixels, count: Int(width) * Int(height) * 3)))
  }

  /// The colour spaces the encoder accepts for its samples.
  enum ColorSpace {
    case rgb, grayscale, cmyk

    var components: Int {
      switch self {
      case .rgb: 3
      case .grayscale: 1
      case .cmyk: 4
      }
    }
    var libraryValue: Int32 {
      switch self {
      case .rgb: vlp_jpeg_rgb()
      case .grayscale: vlp_jpeg_grayscale()
      case .cmyk: vlp_jpeg_cmyk()
      }
    }
  }

  /// Encodes samples (width x height x the colour space's components). adobeMarker = false
  /// writes CMYK without the Adobe marker libjpeg adds by default (the tests use both kinds).
  static func encode(
    samples: [UInt8], width: Int, height: Int, colorSpace: ColorSpace, quality: Int,
    progressive: Bool, adobeMarker: Bool = true, path: String
  ) throws(ImageError) -> [UInt8] {
    precondition(samples.count == width * height * colorSpace.components)
    var jpeg: UnsafeMutablePointer<UInt8>? = nil
    var size: UInt = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = samples.withUnsafeBufferPointer { buffer in
      vlp_jpeg_encode(
        buffer.baseAddress, Int32(width), Int32(height), Int32(colorSpace.components),
        colorSpace.libraryValue, Int32(min(100, max(1, quality))), progressive ? 1 : 0,
        adobeMarker ? 1 : 0, &jpeg, &size, &message, message.count)
    }
    defer { free(jpeg) }
    guard status == VLP_JPEG_OK, let jpeg else {
      throw .cannotWrite(path: path, reason: "libjpeg: \(CodecMessage.text(message))")
    }
    return Array(UnsafeBufferPointer(start: jpeg, count: Int(size)))
  }
}

/// Writes images as JPEG through libjpeg-turbo.
public enum JPEGEncoding {
  /// The JPEG bytes of `image` (baseline, or progressive with libjpeg's simple scan script).
  public static func encode(_ image: RGBImage, quality: Int = 90, progressive: Bool = false)
    throws(ImageError) -> [UInt8]
  {
    try JPEGCodec.encode(
      samples: image.bytes, width: image.width, height: image.height, colorSpace: .rgb,
      quality: quality, progressive: progressive, path: "(memory)")
  }

  /// Writes `image` to `path` atomically (a temporary file renamed over it).
  public static func write(
    _ image: RGBImage, to path: String, quality: Int = 90, progressive: Bool = false
  ) throws(ImageError) {
    let bytes = try JPEGCodec.encode(
      samples: image.bytes, width: image.width, height: image.height, colorSpace: .rgb,
      quality: quality, progressive: progressive, path: path)
    try AtomicFile.write(bytes, to: path)
  }
}
