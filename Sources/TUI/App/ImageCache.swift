import Engine

/// The last image a screen drew: rendering a scene (or reading a real image from the cache)
/// takes a few milliseconds, so a screen
/// redrawn ten times a second renders a pair once, not on every frame.
struct ImageCache {
  private var key: (pair: Int, size: Int)?
  private var image: RGBImage?

  mutating func image(pair: Int, size: Int, data: SessionDataView) -> RGBImage? {
    if let key, key.pair == pair, key.size == size { return image }
    image = data.image(pair, size: size).flatMap {
      try? RGBImage(width: $0.width, height: $0.height, pixels: $0.pixels)
    }
    key = (pair, size)
    return image
  }
}
