// Package ksi maps Gatehouse's policy results onto FedRAMP's Key Security Indicators (KSIs).
//
// FedRAMP's Consolidated Rules name, for each of the 46 KSIs, the NIST SP 800-53 Rev. 5 controls
// it covers; every Gatehouse policy rule names the controls it evidences. A KSI is evidenced by
// the rules whose controls it lists. The FedRAMP data is embedded as it was published
// (data/fedramp-ksi.json, see data/README.md); what remains the operator's responsibility for each
// KSI is Gatehouse's own statement (responsibility.go).
package ksi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

//go:embed data/fedramp-ksi.json
var dataset []byte

// Dataset describes the embedded FedRAMP data: where it comes from and which version it is.
type Dataset struct {
	Source      string `json:"source"`
	Licence     string `json:"licence"`
	Title       string `json:"title"`
	Version     string `json:"version"`
	LastUpdated string `json:"lastUpdated"`
	Commit      string `json:"commit,omitempty"`
}

// Indicator is one KSI as FedRAMP defines it.
type Indicator struct {
	ID        string `json:"id"`
	Theme     string `json:"theme"`
	ThemeName string `json:"themeName"`
	Name      string `json:"name"`
	// Statement is the KSI's text; where it varies by certification class, StatementByClass has
	// each class's text and Statement is empty.
	Statement        string            `json:"statement,omitempty"`
	StatementByClass map[string]string `json:"statementByClass,omitempty"`
	// Controls are NIST SP 800-53 Rev. 5 identifiers in OSCAL form ("sc-8.1").
	Controls []string `json:"controls"`
}

// Text is the KSI's statement for the highest certification class it defines (Class C).
func (k Indicator) Text() string {
	if k.Statement != "" {
		return k.Statement
	}
	for _, class := range []string{"D", "C", "B", "A"} {
		if s, ok := k.StatementByClass[class]; ok {
			return s
		}
	}
	return ""
}

type embedded struct {
	Dataset
	Indicators []Indicator `json:"indicators"`
}

var load = sync.OnceValues(func() (embedded, error) {
	var e embedded
	if err := json.Unmarshal(dataset, &e); err != nil {
		return e, fmt.Errorf("ksi: embedded FedRAMP data: %w", err)
	}
	return e, nil
})

func mustLoad() embedded {
	e, err := load()
	if err != nil {
		panic(err) // the file is embedded at build time; TestDataset proves it parses
	}
	return e
}

// Source describes the embedded FedRAMP dataset.
func Source() Dataset { return mustLoad().Dataset }

// Indicators lists every KSI, ordered by id.
func Indicators() []Indicator {
	return append([]Indicator(nil), mustLoad().Indicators...)
}
