import Foundation
import Tensor

/// Oscar / VinVL region data as a corpus: the train and test folders' captions (one pair per
/// caption), region features read on demand through each feature file's line index (memory
/// does not grow with the file), tags and region classes from the label file.
public final class RegionCorpus: PretrainingCorpus {
  struct Pair: Sendable {
    var folder: Int
    var imageID: String
    var caption: String
  }

  let folders: [OscarFolder]
  let pairs: [Pair]
  private let splitIndices: [DataSplit: [Int]]
  public let scoredTestIndices: [Int]
  private let imageKeys: [Int]
  /// The label files' classes (both splits), what `CorpusRegions.labels` index.
  let labelClasses: LabelVocabulary
  public let regionFeatureDimension: Int

  /// `folders`: (split, folder) in split order; every folder's feature rows must have the same
  /// width, D + 6 (VinVL: 2,048 + 6). `skipped[i]`: image ids of folder i left out (skipInvalid).
  init(folders named: [(DataSplit, OscarFolder)], skipped: [Set<String>]) throws {
    folders = named.map(\.1)
    var pairs: [Pair] = []
    var indices: [DataSplit: [Int]] = [:]
    var keys: [Int] = []
    var keyOf: [String: Int] = [:]
    var counts: [String: Int] = [:]
    var width: Int?
    for (position, (split, folder)) in named.enumerated() {
      if let found = folder.features.dimension {
        if let width, width != found {
          throw DataError.invalidData(
            problems: [
              DataProblem(
                file: folder.features.path,
                reason: "rows have \(found) values per region, another split has \(width)")
            ], total: 1)
        }
        width = found
      }
      let vocabulary = try folder.labelVocabulary()
      for (name, count) in zip(vocabulary.classes, vocabulary.counts) { counts[name, default: 0] += count }
      for caption in folder.captions where !skipped[position].contains(caption.imageID) {
        let key = "\(position)/\(caption.imageID)"
        let image = keyOf[key] ?? keyOf.count
        keyOf[key] = image
        indices[split, default: []].append(pairs.count)
        keys.append(image)
        pairs.append(Pair(folder: position, imageID: caption.imageID, caption: caption.text))
      }
    }
    self.pairs = pairs
    splitIndices = indices
    imageKeys = keys
    var seen = Set<Int>()
    scoredTestIndices = (indices[.test] ?? []).filter { seen.insert(keys[$0]).inserted }
    labelClasses = LabelVocabulary(counts: counts)
    regionFeatureDimension = max(0, (width ?? 6) - 6)
  }

  public var source: DataSource { .oscarTSV }
  public var count: Int { pairs.count }
  public func indices(of split: DataSplit) -> [Int] { splitIndices[split] ?? [] }
  public func caption(_ pair: Int) -> String { pairs[pair].caption }
  public func imageKey(_ pair: Int) -> Int { imageKeys[pair] }

  /// The detections' classes in file order, duplicates kept (Oscar's text_b); none for `none`.
  public func tagText(_ pair: Int, tags: TagVocabulary) -> String {
    guard tags != .none else { return "" }
    let found = (try? folders[pairs[pair].folder].tags(of: pairs[pair].imageID)) ?? []
    return found.map(\.className).joined(separator: " ")
  }

  public var features: CorpusFeatures { [.regions, .regionLabels] }

  public func image(_ pair: Int, size: Int, augmentation: inout RandomGenerator?) throws
    -> SceneImage
  {
    throw DataError.invalidConfiguration(
      field: "data.source", reason: "\"oscar-tsv\" holds region features, not images")
  }

  /// The file's rows (features and box geometry); classes where the label row has one
  /// detection per box, -1 otherwise (VinVL's released features have more boxes than labels).
  public func regions(_ pair: Int, distributions: Bool) throws -> CorpusRegions {
    let folder = folders[pairs[pair].folder]
    let block = try folder.regionInputs(of: pairs[pair].imageID, geometry: .inFile)
    let classes = try folder.regionClasses(of: pairs[pair].imageID, in: labelClasses)
    let labels = classes.count == block.boxCount
      ? classes.map { $0.classIndex ?? -1 } : Array(repeating: -1, count: block.boxCount)
    return CorpusRegions(count: block.boxCount, inputs: block.values, labels: labels)
  }

  public var classNames: [String] { labelClasses.classes }
}
