import Engine

/// The last image a screen drew: rendering a scene takes a few milliseconds, so a screen
/// redrawn ten times a second renders a pair once, not on every frame.
struct ImageCache {
  private var key: (pair: Int, size: Int)?
  private var image: RGBImage?

  mutating func image(pair: Int, size: Int, data: SessionDataView) -> RGBImage? {
    if let key, key.pair == pair, key.size == size { return image }
    let scene = data.image(pair, size: size)
    image = try? RGBImage(width: scene.width, height: scene.height, pixels: scene.pixels)
    key = (pair, size)
    return image
  }
}
