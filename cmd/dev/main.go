// Command dev runs the whole app on this machine with no network and no AWS:
// it builds the SPA, starts a real OpenID Provider with two demo users, the
// sample ToDo API and the BFF (memory sessions, SPA served on the same
// origin), prints the URL and the demo credentials, and stops every child on
// Ctrl-C. `make dev` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

func main() {
	port := flag.Int("port", 8080, "port of the app at http://localhost:<port>")
	quiet := flag.Bool("quiet", false, "do not echo the services' logs")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *port, !*quiet); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, port int, echoLogs bool) error {
	stack, err := StartStack(ctx, StackOptions{Port: port, Log: os.Stdout})
	if err != nil {
		return err
	}
	defer stack.Stop()
	printBanner(os.Stdout, stack)
	if echoLogs {
		for _, p := range stack.Processes() {
			go echo(ctx, os.Stdout, p)
		}
	}
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Println("\ndev: stopping")
			return nil
		case <-ticker.C:
			for _, p := range stack.Processes() {
				if p.Exited() {
					return fmt.Errorf("dev: %s stopped unexpectedly; its last output:\n%s", p.Name, tail(p.Output(), 4096))
				}
			}
		}
	}
}

func printBanner(w io.Writer, s *Stack) {
	fmt.Fprintf(w, "\nGatehouse is running at %s\n\n", s.URL)
	fmt.Fprintln(w, "Demo users (new passwords on every start):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  username\tpassword\tgroups")
	for _, u := range s.Users {
		groups := strings.Join(u.Groups, ", ")
		if groups == "" {
			groups = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Username, u.Password, groups)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n/api/todos is open to every signed-in user; /api/greeting (\"Fetch data\") needs the %s group.\n", GreetingGroup)
	fmt.Fprintf(w, "OpenID Provider: %s   Press Ctrl-C to stop.\n\n", s.IdP.Issuer)
}

// echo copies a child's new output to w, each line prefixed with its name.
func echo(ctx context.Context, w io.Writer, p *devservers.Process) {
	printed := len(p.Output())
	var partial string
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		out := p.Output()
		if len(out) <= printed {
			continue
		}
		chunk := partial + out[printed:]
		printed = len(out)
		lines := strings.Split(chunk, "\n")
		partial = lines[len(lines)-1]
		for _, line := range lines[:len(lines)-1] {
			fmt.Fprintf(w, "[%s] %s\n", p.Name, line)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
