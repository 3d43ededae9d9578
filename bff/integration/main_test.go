package integration

import (
	"fmt"
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// audit collects every BFF log line and every secret seen during the suite.
var audit = bfftest.NewAudit()

// TestMain runs the suite, then scans every log line written during it for
// tokens, cookies, client secrets, passwords and data keys.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		findings := audit.Scan()
		for _, f := range findings {
			fmt.Fprintln(os.Stderr, "FAIL: secret in log:", f)
		}
		if len(findings) > 0 {
			code = 1
		} else if audit.Lines() == 0 || audit.Secrets() == 0 {
			fmt.Fprintf(os.Stderr, "FAIL: log scan had nothing to check (%d lines, %d secrets)\n", audit.Lines(), audit.Secrets())
			code = 1
		} else {
			fmt.Printf("log scan: %d lines checked against %d secrets, none found\n", audit.Lines(), audit.Secrets())
		}
	}
	os.Exit(code)
}
