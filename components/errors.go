package components

import "strings"

// ValidationError lists every problem with a component's arguments, so one
// run shows them all.
type ValidationError struct {
	Component string
	Problems  []error
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("components: invalid " + e.Component + " arguments:")
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is/As see each problem.
func (e *ValidationError) Unwrap() []error { return e.Problems }

func joinErrors(component string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Component: component, Problems: errs}
}
