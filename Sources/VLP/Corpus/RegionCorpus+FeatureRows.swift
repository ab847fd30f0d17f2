/// Where each pair's regions are stored, for a reader outside vlp (the exported PyTorch trainer
/// reads the feature TSVs itself instead of a copy of their values).
extension RegionCorpus {
  /// The feature TSV of each split folder, in split order (train, then test).
  public var featureFiles: [RegionFeatureFile] { folders.map(\.features) }

  /// The pair's feature row: (index into `featureFiles`, 0-based row of that TSV).
  public func featureRow(_ pair: Int) -> (file: Int, row: Int)? {
    let entry = pairs[pair]
    return folders[entry.folder].features.row(of: entry.imageID).map { (entry.folder, $0) }
  }
}
