// jest prints "Tests: N passed, N total"; CI reads the plain "N passed, N failed" line.
// Printed at process exit because jest always registers its own summary reporter last.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '') + '\n';
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = PlainSummaryReporter;
