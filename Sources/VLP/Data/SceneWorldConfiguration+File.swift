import Foundation

extension SceneWorldConfiguration {
  /// A world.json (an export's, or `vlp data world --config`): a syntax error with its
  /// line:column, a bad value by its field; never Foundation's own words.
  public static func decode(_ data: Data, file: String) throws -> SceneWorldConfiguration {
    _ = try JSONText.parse(data, file: file)
    do {
      return try JSONDecoder().decode(SceneWorldConfiguration.self, from: data)
    } catch DataError.invalidConfiguration(let field, let reason) {
      throw DataError.invalidConfiguration(field: "\(file): \(field)", reason: reason)
    } catch let error as DataError {
      throw error
    } catch let error as DecodingError {
      throw DataError.invalidConfiguration(
        field: "\(file): \(PretrainingConfiguration.field(of: error))",
        reason: "cannot be read as a world setting (docs/data.md lists them)")
    }
  }
}
