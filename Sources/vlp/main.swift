import CNCurses
import Foundation
import Tensor

let version = "0.1.0"
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" {
  print("vlp \(version) (\(String(cString: vlp_curses_version())))")
  exit(0)
}
print("vlp \(version)")
