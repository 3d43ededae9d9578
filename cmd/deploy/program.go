package main

import (
	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// gatehouseProgram is the Gatehouse program that --program inline runs inside this process, for
// the project in dir. The CLI then needs no Go language host: the Automation API serves the
// program to the engine itself.
func gatehouseProgram(dir string) pulumi.RunFunc { return stack.DeployIn(dir) }

// inline serves a program that needs no project directory.
func inline(program pulumi.RunFunc) ProgramFor {
	return func(string) pulumi.RunFunc { return program }
}
