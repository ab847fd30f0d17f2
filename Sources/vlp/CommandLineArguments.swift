/// The arguments of one subcommand: positionals in order and `--name value` / `--flag` options.
/// Each command declares which options it takes, so a misspelt option is an error, not ignored.
struct CommandLineArguments {
  var positionals: [String] = []
  var options: [String: String] = [:]
  /// Every value of each option in order, for options that may repeat (`--set a=1 --set b=2`).
  var repeated: [String: [String]] = [:]
  var flags: Set<String> = []

  struct UsageError: Error, CustomStringConvertible {
    let description: String
  }

  init(_ arguments: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws {
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("--") else {
        positionals.append(argument)
        continue
      }
      var name = String(argument.dropFirst(2))
      var inlineValue: String?
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      if flagOptions.contains(name), inlineValue == nil {
        flags.insert(name)
      } else if valueOptions.contains(name) {
        if let inlineValue {
          options[name] = inlineValue
        } else {
          guard index < arguments.count else {
            throw UsageError(description: "option --\(name) needs a value")
          }
          options[name] = arguments[index]
          index += 1
        }
        repeated[name, default: []].append(options[name]!)
      } else {
        let known = (valueOptions.union(flagOptions)).sorted().map { "--\($0)" }.joined(separator: ", ")
        throw UsageError(description: "unknown option --\(name) (known: \(known.isEmpty ? "none" : known))")
      }
    }
  }

  /// A comma-separated list of positive integers, e.g. `--threads 1,2`.
  func integers(_ name: String, default fallback: [Int]) throws -> [Int] {
    guard let text = options[name] else { return fallback }
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
      throw UsageError(description: "--\(name) expects positive integers separated by commas, got '\(text)'")
    }
    return values.map { $0! }
  }
}

import Foundation
