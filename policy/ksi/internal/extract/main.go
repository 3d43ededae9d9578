// Command extract writes the part of FedRAMP's Consolidated Rules dataset that Gatehouse embeds:
// the dataset's version, and every Key Security Indicator with its theme, statement and NIST SP
// 800-53 rev5 controls. Run it when FedRAMP publishes a new version of the dataset:
//
//	go run ./policy/ksi/internal/extract -in fedramp-consolidated-rules.json -commit <short sha> > policy/ksi/data/fedramp-ksi.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// dataset is the slice of the FedRAMP file that is read; every other field is ignored.
type dataset struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		LastUpdated string `json:"last_updated"`
	} `json:"info"`
	KSI map[string]struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Indicators map[string]struct {
			Name          string                                `json:"name"`
			Statement     string                                `json:"statement"`
			Controls      []string                              `json:"controls"`
			VariesByClass map[string]struct{ Statement string } `json:"varies_by_class"`
		} `json:"indicators"`
	} `json:"KSI"`
}

// Embedded is the file Gatehouse embeds (policy/ksi/data/fedramp-ksi.json).
type Embedded struct {
	Source      string      `json:"source"`
	Licence     string      `json:"licence"`
	Title       string      `json:"title"`
	Version     string      `json:"version"`
	LastUpdated string      `json:"lastUpdated"`
	Commit      string      `json:"commit,omitempty"`
	Indicators  []Indicator `json:"indicators"`
}

// Indicator is one KSI. Statements that vary by certification class keep every class's text.
type Indicator struct {
	ID        string            `json:"id"`
	Theme     string            `json:"theme"`
	ThemeName string            `json:"themeName"`
	Name      string            `json:"name"`
	Statement string            `json:"statement,omitempty"`
	ByClass   map[string]string `json:"statementByClass,omitempty"`
	Controls  []string          `json:"controls"`
}

func main() {
	in := flag.String("in", "", "path of fedramp-consolidated-rules.json (required)")
	commit := flag.String("commit", "", "commit of FedRAMP's rules repository the file comes from")
	flag.Parse()
	if err := run(*in, *commit, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "extract:", err)
		os.Exit(1)
	}
}

func run(in, commit string, w io.Writer) error {
	if in == "" {
		return fmt.Errorf("-in is required")
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var d dataset
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	out := Embedded{
		Source:      "FedRAMP Consolidated Rules for 2026, file fedramp-consolidated-rules.json of FedRAMP's public rules repository (FedRAMP/rules); only the KSI section is kept",
		Licence:     "a work of the United States Government (FedRAMP, GSA): not subject to copyright in the United States (17 U.S.C. 105); embedded unchanged as data",
		Title:       d.Info.Title,
		Version:     d.Info.Version,
		LastUpdated: d.Info.LastUpdated,
		Commit:      commit,
	}
	for theme, t := range d.KSI {
		for id, ind := range t.Indicators {
			k := Indicator{ID: id, Theme: theme, ThemeName: t.Name, Name: ind.Name, Statement: ind.Statement, Controls: ind.Controls}
			if k.Controls == nil {
				k.Controls = []string{}
			}
			for class, v := range ind.VariesByClass {
				if k.ByClass == nil {
					k.ByClass = map[string]string{}
				}
				k.ByClass[strings.ToUpper(class)] = v.Statement
			}
			out.Indicators = append(out.Indicators, k)
		}
	}
	slices.SortFunc(out.Indicators, func(a, b Indicator) int { return strings.Compare(a.ID, b.ID) })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
