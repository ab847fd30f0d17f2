/// Reads JPEG and PNG files (told apart by their first bytes, never by the extension) into
/// RGB images with values in 0...1.
///
/// JPEG: baseline and progressive; grayscale, YCbCr, CMYK and YCCK (CMYK is read as inverted
/// when the file has an Adobe marker, as Photoshop writes it). A warning from libjpeg that
/// pixels are missing or wrong (premature end of file, of a data segment, a bad Huffman code)
/// makes the image corrupt rather than silently grey.
/// PNG: every bit depth and colour type (16-bit images come out at 8 bits; without gamma
/// information they are taken as sRGB); transparency is composited on white.
public enum ImageDecoding {
  /// The largest image decoded: 100 megapixels (300 MB of 8-bit RGB), checked against the
  /// header's size before any pixel memory is allocated.
  public static let maximumPixels = 100_000_000

  /// The image in `file`. `reducedTo`: a JPEG is decoded at the smallest of libjpeg's scales
  /// 1/8, 2/8, ..., 8/8 whose shorter side is still at least this many pixels (so a
  /// 4,000 x 3,000 photo for a 224-pixel model decodes at 500 x 375); other formats and smaller
  /// images decode at full size.
  public static func decode(file: String, reducedTo: Int? = nil) throws(ImageError) -> RGBImage {
    let image = try decodeBytes(file: file, reducedTo: reducedTo)
    return RGBImage(width: image.width, height: image.height, bytes: image.bytes)
  }

  /// The image as the model sees it: `file` decoded (reduced for JPEG), cropped or padded to a
  /// centred square and area-resized to size x size.
  public static func square(file: String, size: Int, fit: ImageFit) throws(ImageError)
    -> RGBImage
  {
    ImageResizing.square(try decodeBytes(file: file, reducedTo: size), size: size, fit: fit)
  }

  /// The format of `file` by its first bytes (nil: neither JPEG nor PNG).
  public static func format(of file: String) throws(ImageError) -> ImageFormat? {
    ImageFormat(signature: try ImageFileReading.read(file))
  }

  static func decodeBytes(file: String, reducedTo: Int?) throws(ImageError) -> ByteImage {
    let data = try ImageFileReading.read(file)
    switch ImageFormat(signature: data) {
    case .jpeg: return try JPEGCodec.decode(data, path: file, reducedTo: reducedTo)
    case .png: return try PNGCodec.decode(data, path: file)
    case nil: throw .notAnImage(path: file)
    }
  }
}
