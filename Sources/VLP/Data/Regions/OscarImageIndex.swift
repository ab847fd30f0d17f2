import Foundation

extension RegionFeatureFile {
  /// Checks Oscar's `imageid2idx.json` (each image id to its 0-based row in this feature TSV)
  /// against the rows: the row an id names must be the first row holding it.
  func checkImageIndex(at indexPath: String, log: inout ProblemLog) {
    let json: Any
    do {
      json = try JSONText.parse(try TextFile.read(indexPath), file: indexPath)
    } catch DataError.invalidData(let problems, _) {
      log.report(contentsOf: problems)
      return
    } catch {
      log.report(file: indexPath, "\(error)")
      return
    }
    guard let index = json as? [String: Any] else {
      log.report(file: indexPath, "expected a JSON object from image id to feature row")
      return
    }
    let name = (path as NSString).lastPathComponent
    for key in index.keys.sorted() {
      guard let claimed = JSONText.integer(index[key]) else {
        log.report(file: indexPath, field: key, "expected a row number")
        continue
      }
      let actual = row(of: key)
      if actual != claimed {
        log.report(
          file: indexPath, field: key,
          "says row \(claimed), but \(name) has \(actual.map { "row \($0)" } ?? "no row") for this image"
        )
      }
    }
  }
}
