package devservers

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestStartWaitsForReadinessAndStopEndsTheGroup(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := LoopbackAddr(port)
	script := fmt.Sprintf(`require("net").createServer(s => s.end()).listen(%d, "127.0.0.1", () => console.log("listening"))`, port)
	p, err := Start(context.Background(), Spec{Name: "node-listener", Path: "node", Args: []string{"-e", script}, Ready: DialReady(addr)})
	if err != nil {
		t.Fatal(err)
	}
	if err := DialReady(addr)(context.Background()); err != nil {
		t.Fatalf("ready process does not accept connections: %v", err)
	}
	p.Stop()
	p.Stop() // idempotent
	if !p.Exited() {
		t.Fatal("process still running after Stop")
	}
}

func TestStartReportsEarlyExitWithOutput(t *testing.T) {
	_, err := Start(context.Background(), Spec{
		Name: "failing", Path: "node", Args: []string{"-e", `console.error("boom-marker"); process.exit(3)`},
		Ready: DialReady("127.0.0.1:1"),
	})
	if err == nil || !strings.Contains(err.Error(), "boom-marker") {
		t.Fatalf("want an error carrying the child's output, got %v", err)
	}
}

func TestStartNamesAMissingProgram(t *testing.T) {
	_, err := Start(context.Background(), Spec{Name: "nope", Path: "gatehouse-no-such-program", Ready: DialReady("127.0.0.1:1")})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("want an error naming the program, got %v", err)
	}
}
