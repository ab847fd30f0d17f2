import Foundation
import Testing

@testable import NN

/// The test-only fault hook is inert unless set and parses only its documented form; the
/// advice for a failed write fits its cause.
@Suite struct FaultPointTests {
  @Test func theFaultPointParsesItsFormOnly() {
    #expect(FaultPoint.parse(nil) == nil)
    #expect(FaultPoint.parse("file.rename") == nil)
    #expect(FaultPoint.parse("file.rename:0") == nil)
    #expect(FaultPoint.parse("step:3:BOGUS") == nil)
    let plan = FaultPoint.parse("file.rename:3")
    #expect(plan?.name == "file.rename" && plan?.count == 3 && plan?.signal == SIGKILL)
    #expect(FaultPoint.parse("log.append:2:hup")?.signal == SIGHUP)
    #expect(!FaultPoint.isArmed("step"), "the test process runs without VLP_FAULT_POINT")
  }

  @Test func writeFailuresGiveTheErrnoTextAndAFittingWayOut() {
    #expect(writeFailureText(EFBIG).hasPrefix("File too large (the file-size limit, `ulimit -f`"))
    #expect(writeFailureText(ENOSPC).contains("free space"))
    #expect(writeFailureText(EMFILE).contains("ulimit -n"))
    #expect(writeFailureText(EROFS).contains("not writable"))
    #expect(writeFailureText(EIO) == String(cString: strerror(EIO)), "no advice that does not fit")
  }

  @Test func onlyTheAtomicWritersOwnTemporariesAreRecognised() {
    for name in [".step-00000003.safetensors.tmp-4242", ".metrics.jsonl.tmp-1"] {
      #expect(AtomicFile.isTemporaryName(name), "\(name)")
    }
    for name in [".tmp-1", "step.tmp-1", ".notes.tmp-draft", ".x.tmp-", ".x.tmp-12345678901"] {
      #expect(!AtomicFile.isTemporaryName(name), "\(name)")
    }
  }
}
