import Foundation

extension CorpusLoader {
  /// The train and test folders of an oscar-tsv source, every row validated up front (box
  /// counts against bytes, line indexes against the file, NaN features, labels); with
  /// `skipInvalid` the images whose feature rows fail are left out with their captions.
  static func regionCorpus(
    _ data: DataConfiguration, log: inout ProblemLog, progress: CorpusProgress?
  ) throws -> RegionCorpus {
    var folders: [(DataSplit, OscarFolder)] = []
    var skipped: [Set<String>] = []
    for (key, split) in [(DataConfiguration.CodingKeys.train, DataSplit.train), (.test, .test)] {
      let folder = try OscarFolder(data.path(key)!, labels: data.labels)
      var folderLog = ProblemLog(limit: Int.max)
      folder.validate(log: &folderLog)
      var bad = Set<String>()
      for problem in folderLog.problems {
        log.report(problem)
        // A feature row at fault (line = row + 1) takes its image out.
        if problem.file == folder.features.path, let line = problem.line,
          folder.features.imageIDs.indices.contains(line - 1)
        {
          bad.insert(folder.features.imageIDs[line - 1])
        }
      }
      folders.append((split, folder))
      skipped.append(bad)
    }
    try settle(&log, data: data, progress: progress)
    return try RegionCorpus(folders: folders, skipped: skipped)
  }
}
