package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseReportsEveryProblem(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{nil, nil},
		{[]string{"-users", "8", "-calls", "20", "-rounds", "2", "-period", "6s"}, nil},
		{[]string{"-users", "0", "-calls", "1", "-rounds", "2", "-concurrency", "0", "-period", "1s", "-limit", "0s"},
			[]string{"-users", "-calls at least -rounds", "-concurrency", "-period", "-limit"}},
		{[]string{"-users", "200", "-rounds", "2"}, []string{"forget refresh tokens"}},
	}
	for _, tc := range cases {
		var stderr bytes.Buffer
		_, err := parse(tc.args, &stderr)
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%v: %v", tc.args, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error lacks %q: %v", tc.args, w, err)
			}
		}
	}
}

func TestRunRefusesBadFlagsWithStatus2(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-users", "0"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-users") {
		t.Fatalf("stderr: %s", stderr.String())
	}
}
