package repocheck

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// trackedFiles lists the repository's files (slash-separated, relative to
// the root) without installed npm packages: in a checkout, git's tracked
// files and the new ones it does not ignore; else a walk of the tree.
func trackedFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
	} else {
		t.Logf("git ls-files: %v; walking the tree instead", err)
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	kept := files[:0]
	for _, f := range files {
		if !strings.Contains("/"+f, "/node_modules/") {
			kept = append(kept, f)
		}
	}
	return kept
}

var (
	fence       = regexp.MustCompile("^\\s*(```|~~~)")
	codeSpan    = regexp.MustCompile("`+[^`]*`+")
	inlineLink  = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	refLink     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$`)
	heading     = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	hasScheme   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	slugDropped = regexp.MustCompile(`[^\p{L}\p{N}\s_-]`)
)

// mdLink is one link target in a Markdown file.
type mdLink struct {
	line   int
	target string
}

// markdownLinks returns the inline and reference link targets of a Markdown
// document outside code blocks and code spans, and its headings' anchors.
func markdownLinks(doc []byte) (links []mdLink, anchors map[string]bool) {
	anchors = map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for i, line := range strings.Split(string(doc), "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if m := heading.FindStringSubmatch(line); m != nil {
			anchors[githubAnchor(m[1], seen)] = true
		}
		text := codeSpan.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(text, -1) {
			links = append(links, mdLink{i + 1, m[1]})
		}
		if m := refLink.FindStringSubmatch(text); m != nil {
			links = append(links, mdLink{i + 1, m[1]})
		}
	}
	return links, anchors
}

// githubAnchor is the fragment GitHub gives a heading: lower case, code
// marks and punctuation dropped, spaces as hyphens, repeats numbered.
func githubAnchor(title string, seen map[string]int) string {
	title = strings.NewReplacer("`", "", "*", "", "[", "", "]", "").Replace(title)
	slug := strings.ReplaceAll(slugDropped.ReplaceAllString(strings.ToLower(title), ""), " ", "-")
	n := seen[slug]
	seen[slug] = n + 1
	if n > 0 {
		return slug + "-" + strconv.Itoa(n)
	}
	return slug
}

// TestMarkdownLinksResolveInsideTheRepository checks every relative link of
// every tracked Markdown file: the file or directory it names exists inside
// the repository, and a #fragment names a heading of the Markdown it points at.
func TestMarkdownLinksResolveInsideTheRepository(t *testing.T) {
	root := repoRoot(t)
	problems, docs, links, err := brokenLinks(root, trackedFiles(t, root))
	if err != nil {
		t.Fatal(err)
	}
	if docs < 5 {
		t.Fatalf("found only %d Markdown files", docs)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d relative links in %d Markdown files", links, docs)
}

// brokenLinks reports each relative link of the Markdown files among files
// that does not resolve inside root, with the number of documents and of
// relative links it checked.
func brokenLinks(root string, files []string) (problems []string, docs, links int, err error) {
	anchorsOf := map[string]map[string]bool{}
	linksOf := map[string][]mdLink{}
	var names []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".md") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, 0, 0, err
		}
		names = append(names, f)
		linksOf[f], anchorsOf[f] = markdownLinks(data)
	}
	for _, f := range names {
		for _, l := range linksOf[f] {
			if hasScheme.MatchString(l.target) || strings.HasPrefix(l.target, "//") {
				continue // a URL: not this check's business
			}
			links++
			if p := resolveLink(root, f, l.target, anchorsOf); p != "" {
				problems = append(problems, f+":"+strconv.Itoa(l.line)+": "+l.target+": "+p)
			}
		}
	}
	return problems, len(names), links, nil
}

// resolveLink says what is wrong with target, a link in the document from,
// or "" when it resolves.
func resolveLink(root, from, target string, anchorsOf map[string]map[string]bool) string {
	file, fragment, _ := strings.Cut(target, "#")
	file, _, _ = strings.Cut(file, "?")
	resolved := from
	if file != "" {
		if strings.HasPrefix(file, "/") {
			return "an absolute path; link relative to the file"
		}
		resolved = path.Join(path.Dir(from), file)
	}
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return "points outside the repository"
	}
	info, err := os.Stat(filepath.Join(root, filepath.FromSlash(resolved)))
	if err != nil {
		return resolved + " does not exist"
	}
	if fragment == "" || info.IsDir() {
		return ""
	}
	if anchors, ok := anchorsOf[resolved]; ok && !anchors[fragment] {
		return resolved + " has no heading with the anchor #" + fragment
	}
	return ""
}

// outsideReferences are the ways a file can point outside the repository,
// each with the reason it is refused. The patterns are split so that this
// file does not match them.
var outsideReferences = []struct {
	pattern *regexp.Regexp
	why     string
}{
	{regexp.MustCompile(`\.\./` + `shared\b`), "the shared design notes are not in a clone; docs/ARCHITECTURE.md is"},
	{regexp.MustCompile(`(^|[\s("'` + "`" + `])/` + `work/`), "a path on a development machine"},
	{regexp.MustCompile(`\bseeds/` + `0\d\d_`), "the source documents are not in a clone"},
	{regexp.MustCompile(`\.md\s*` + `§`), "a section number of a document: name the heading instead"},
}

// docName matches a document's name mentioned in text, e.g. BENCHMARKS.md
// or policy/RULES.md: by convention, documents are named in capitals, while
// lower-case names (summary.md, review.md) are files the tools write.
var docName = regexp.MustCompile(`\b((?:[A-Za-z0-9_.-]+/)*[A-Z][A-Z0-9_-]*\.md)\b`)

// TestNothingPointsOutsideTheRepository reads every tracked text file
// (code, comments, docs, workflows) for references to things a clone does
// not have: files outside it, section numbers, and Markdown files that do
// not exist in it.
func TestNothingPointsOutsideTheRepository(t *testing.T) {
	root := repoRoot(t)
	problems, err := outsidePointers(root, trackedFiles(t, root))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// outsidePointers reports every line of the text files among files that
// points outside root.
func outsidePointers(root string, files []string) ([]string, error) {
	mdBase := map[string]bool{}
	mdPath := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			mdBase[path.Base(f)] = true
			mdPath[f] = true
		}
	}
	var problems []string
	for _, f := range files {
		if strings.HasSuffix(f, "go.sum") || strings.HasSuffix(f, "package-lock.json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // binary
		}
		for i, line := range strings.Split(string(data), "\n") {
			where := f + ":" + strconv.Itoa(i+1) + ": "
			for _, ref := range outsideReferences {
				if ref.pattern.MatchString(line) {
					problems = append(problems, where+ref.why+"\n\t"+strings.TrimSpace(line))
				}
			}
			for _, m := range docName.FindAllStringSubmatch(line, -1) {
				name := strings.TrimPrefix(m[1], "./")
				known := mdBase[name]
				if strings.Contains(name, "/") { // a path: from the root or from the file
					known = mdPath[name] || mdPath[path.Join(path.Dir(f), name)]
				}
				if !known {
					problems = append(problems, where+"names "+name+", which is not in the repository\n\t"+strings.TrimSpace(line))
				}
			}
		}
	}
	return problems, nil
}

// TestCheckersCatchMistakes runs both checks over a small tree with one of
// each mistake, and one of each thing that is fine. Names are assembled so
// that this file itself names no missing document.
func TestCheckersCatchMistakes(t *testing.T) {
	const md = ".md"
	guide, gone, security := "docs/GUIDE"+md, "docs/GONE"+md, "SECURITY"+md
	files := map[string]string{
		"README" + md: "# Quick start\n## Stacks\n" +
			"[ok](" + guide + "#set-up) [ok](#stacks) [ok](docs/) [web](https://example.com)\n" +
			"[gone](" + gone + ") [out](../outside" + md + ") [anchor](" + guide + "#nope) [abs](/etc/passwd)\n" +
			"`[code](not-a-link)`\n",
		guide:     "# Set up\nSee [the readme](../README" + md + "#quick-start) and " + security + ".\n",
		"main.go": "// Targets from GUIDE" + md + " §9; see ../" + "shared/notes\n// writes summary" + md + "; reads " + guide + "\n",
	}
	root := t.TempDir()
	var names []string
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	links, _, _, err := brokenLinks(root, names)
	if err != nil {
		t.Fatal(err)
	}
	outside, err := outsidePointers(root, names)
	if err != nil {
		t.Fatal(err)
	}
	problems := append(links, outside...)
	got := strings.Join(problems, "\n")
	want := []string{
		gone + ": " + gone + " does not exist",
		"../outside" + md + ": points outside the repository",
		guide + "#nope: " + guide + " has no heading with the anchor #nope",
		"/etc/passwd: an absolute path",
		"README" + md + ":4: names " + gone + ", which is not in the repository",
		guide + ":2: names " + security + ", which is not in the repository",
		"main.go:1: a section number",
		"main.go:1: the shared design notes",
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q:\n%s", w, got)
		}
	}
	if len(problems) != len(want) {
		t.Errorf("want exactly the %d mistakes, got %d:\n%s", len(want), len(problems), got)
	}
}

func TestMarkdownParsing(t *testing.T) {
	doc := "# Quick start\n## Stacks\n## Stacks\n" +
		"[a](docs/x.md#quick-start) [b](../../outside.md) ![c](img.png \"title\")\n" +
		"`[not](a-link)`\n```\n[nor](this)\n```\n[ref]: ./SECURITY.md\n[web](https://example.com)\n"
	links, anchors := markdownLinks([]byte(doc))
	var targets []string
	for _, l := range links {
		targets = append(targets, l.target)
	}
	want := []string{"docs/x.md#quick-start", "../../outside.md", "img.png", "./SECURITY.md", "https://example.com"}
	if strings.Join(targets, " ") != strings.Join(want, " ") {
		t.Errorf("links = %q, want %q", targets, want)
	}
	for _, a := range []string{"quick-start", "stacks", "stacks-1"} {
		if !anchors[a] {
			t.Errorf("anchors %v lack %q", anchors, a)
		}
	}
	for _, tc := range []struct {
		line string
		bad  bool
	}{
		{"see [architecture](../" + "shared/ARCHITECTURE." + "md)", true},
		{"// targets from ARCHITECTURE.md " + "§9", true},
		{"read /" + "work/shared/seeds/" + "001_x.txt", true},
		{"RFC 9112 §6.1 requires closing the connection", false},
		{"see docs/ARCHITECTURE.md, Performance targets", false},
	} {
		bad := false
		for _, ref := range outsideReferences {
			bad = bad || ref.pattern.MatchString(tc.line)
		}
		if bad != tc.bad {
			t.Errorf("%q: refused = %v, want %v", tc.line, bad, tc.bad)
		}
	}
}
