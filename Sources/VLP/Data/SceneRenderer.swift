import Imaging
import Tensor

/// A rendered scene: Imaging's RGB image, (height, width, 3) row-major, values in [0, 1], so
/// that scene and decoded photos reach the model, the PNG encoder and `vlp data show` alike.
public typealias SceneImage = RGBImage

/// Draws a scene: a dark, slightly tinted background, each object's shape filled with its colour
/// (2x2 supersampled, so small objects keep their outline), and Gaussian pixel noise.
public enum SceneRenderer {
  public static func render(_ scene: SceneGraph, size: Int, pixelNoise: Double, seed: UInt64)
    -> SceneImage
  {
    var rng = RandomGenerator(seed: seed)
    let tint = (0..<3).map { _ in 0.06 + 0.08 * rng.nextFloat() }
    var pixels = [Float](repeating: 0, count: size * size * 3)
    for offset in stride(from: 0, to: pixels.count, by: 3) {
      pixels[offset] = tint[0]
      pixels[offset + 1] = tint[1]
      pixels[offset + 2] = tint[2]
    }
    let scale = Float(size)
    for object in scene.objects {
      let colour = SceneTaxonomy.colours[object.colour]
      let box = object.box
      let xStart = max(0, Int((box.x1 * scale).rounded(.down)))
      let xEnd = min(size, Int((box.x2 * scale).rounded(.up)))
      let yStart = max(0, Int((box.y1 * scale).rounded(.down)))
      let yEnd = min(size, Int((box.y2 * scale).rounded(.up)))
      guard xStart < xEnd, yStart < yEnd else { continue }
      for y in yStart..<yEnd {
        for x in xStart..<xEnd {
          var covered = 0
          for sample in 0..<4 {
            // Sample points at the quarter positions of the pixel, mapped into the box as [-1, 1].
            let px = (Float(x) + 0.25 + 0.5 * Float(sample & 1)) / scale
            let py = (Float(y) + 0.25 + 0.5 * Float(sample >> 1)) / scale
            let u = 2 * (px - box.x1) / box.width - 1
            let v = 2 * (py - box.y1) / box.height - 1
            if abs(u) <= 1, abs(v) <= 1, ShapeMask.contains(object.fineClass, u: u, v: v) {
              covered += 1
            }
          }
          guard covered > 0 else { continue }
          let alpha = Float(covered) / 4
          let offset = (y * size + x) * 3
          pixels[offset] += alpha * (colour.red - pixels[offset])
          pixels[offset + 1] += alpha * (colour.green - pixels[offset + 1])
          pixels[offset + 2] += alpha * (colour.blue - pixels[offset + 2])
        }
      }
    }
    if pixelNoise > 0 {
      for index in pixels.indices {
        pixels[index] = min(1, max(0, pixels[index] + Float(pixelNoise * rng.nextNormal())))
      }
    }
    return SceneImage(width: size, height: size, pixels: pixels)
  }
}

/// Each fine class as a membership test on its box mapped to [-1, 1]^2 (u right, v down).
/// Piecewise-linear and polynomial tests only, so renders are identical on every platform.
enum ShapeMask {
  enum Shape: String {
    case circle, ring, oval, crescent, square, frame, diamond, rectangle, triangle, wedge, arrow
    case chevron, plus, cross, star, hourglass, bar, pole, slash, zigzag, checker, lattice, speckle
    case zebra
  }

  /// The taxonomy's classes as shapes, looked up once (a string switch per sample is slow).
  static let shapes: [Shape] = SceneTaxonomy.fineClasses.map { Shape(rawValue: $0.name)! }

  static func contains(_ fineClass: Int, u: Float, v: Float) -> Bool {
    let r2 = u * u + v * v
    func fraction(_ value: Float) -> Float { value - value.rounded(.down) }
    switch shapes[fineClass] {
    case .circle, .oval: return r2 <= 1
    case .ring: return r2 <= 1 && r2 >= 0.36
    case .crescent: return r2 <= 1 && (u - 0.5) * (u - 0.5) + v * v > 0.64
    case .square, .rectangle, .bar, .pole: return true
    case .frame: return max(abs(u), abs(v)) >= 0.55
    case .diamond: return abs(u) + abs(v) <= 1
    case .triangle: return abs(u) <= (v + 1) / 2
    case .wedge: return abs(u) <= (1 - v) / 2
    case .arrow: return u >= 0 ? abs(v) <= 1 - u : abs(v) <= 0.3
    case .chevron:
      let offset = v - (1.2 * abs(u) - 0.6)
      return offset >= 0 && offset <= 0.7
    case .plus: return abs(u) <= 0.3 || abs(v) <= 0.3
    case .cross: return abs(u - v) <= 0.4 || abs(u + v) <= 0.4
    case .star: return abs(u).squareRoot() + abs(v).squareRoot() <= 1
    case .hourglass: return abs(u) <= abs(v)
    case .slash: return abs(u + v) <= 0.45
    case .zigzag:
      let phase = fraction((u + 1) * 1.5)
      return abs(v - (abs(2 * phase - 1) - 0.5)) <= 0.3
    case .checker:
      return (Int(((u + 1) * 2).rounded(.down)) + Int(((v + 1) * 2).rounded(.down))) % 2 == 0
    case .lattice: return fraction((u + 1) * 1.5) < 0.3 || fraction((v + 1) * 1.5) < 0.3
    case .speckle:
      let du = fraction((u + 1) * 1.5) - 0.5
      let dv = fraction((v + 1) * 1.5) - 0.5
      return du * du + dv * dv <= 0.09
    case .zebra: return fraction((u + 1) * 2) < 0.5
    }
  }
}
